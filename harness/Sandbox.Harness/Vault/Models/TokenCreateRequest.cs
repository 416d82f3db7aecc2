namespace Sandbox.Harness.Vault.Models;

/// <summary>The body of <c>auth/token/create</c>. Null properties are not sent.</summary>
internal sealed record TokenCreateRequest
{
    /// <summary>Policies for the new token; null inherits the parent's.</summary>
    public IReadOnlyList<string>? Policies { get; init; }

    /// <summary>The token's TTL; null takes the system default (768h).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>A hard cap on the token's lifetime across renewals.</summary>
    public TimeSpan? ExplicitMaxTtl { get; init; }

    /// <summary>Makes a periodic token with this period.</summary>
    public TimeSpan? Period { get; init; }

    /// <summary>Whether the token can be renewed (Vault's default is true).</summary>
    public bool? Renewable { get; init; }

    /// <summary>Create an orphan token (needs sudo).</summary>
    public bool? NoParent { get; init; }

    /// <summary>Do not attach the <c>default</c> policy.</summary>
    public bool? NoDefaultPolicy { get; init; }

    /// <summary>The display name (<c>token-&lt;name&gt;</c>).</summary>
    public string? DisplayName { get; init; }

    /// <summary>Uses allowed; 0 or null is unlimited.</summary>
    public int? NumUses { get; init; }

    /// <summary>Metadata attached to the token.</summary>
    public IReadOnlyDictionary<string, string>? Meta { get; init; }

    /// <summary><c>service</c> or <c>batch</c>.</summary>
    public string? Type { get; init; }
}
