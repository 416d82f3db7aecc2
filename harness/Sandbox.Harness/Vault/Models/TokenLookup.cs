namespace Sandbox.Harness.Vault.Models;

/// <summary>The <c>data</c> of <c>auth/token/lookup-self</c>.</summary>
public sealed record TokenLookup
{
    /// <summary>The token itself. Secret: never log it (<see cref="ToString"/> hides it).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The token's accessor.</summary>
    public string? Accessor { get; init; }

    /// <summary>The token's policies.</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    /// <summary>The path that created the token, for example <c>auth/token/create</c> or <c>auth/jwt/login</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Token metadata.</summary>
    public IReadOnlyDictionary<string, string>? Meta { get; init; }

    /// <summary>The display name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Uses left; 0 is unlimited.</summary>
    public long NumUses { get; init; }

    /// <summary>Whether the token is an orphan.</summary>
    public bool Orphan { get; init; }

    /// <summary>When the token was created.</summary>
    public DateTimeOffset? CreationTime { get; init; }

    /// <summary>The TTL the token was created with.</summary>
    public TimeSpan? CreationTtl { get; init; }

    /// <summary>When the token expires; null for a non-expiring (root) token.</summary>
    public DateTimeOffset? ExpireTime { get; init; }

    /// <summary>Remaining TTL; zero for a non-expiring token.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The explicit max TTL, zero when none.</summary>
    public TimeSpan? ExplicitMaxTtl { get; init; }

    /// <summary>The identity entity id.</summary>
    public string? EntityId { get; init; }

    /// <summary><c>service</c> or <c>batch</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Whether the token can be renewed (sent only when it has a lease).</summary>
    public bool? Renewable { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"TokenLookup {{ Id = ***, Accessor = {Accessor}, Policies = [{string.Join(", ", Policies)}], Path = {Path}, Ttl = {Ttl} }}";
}
