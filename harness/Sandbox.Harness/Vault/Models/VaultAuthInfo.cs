using System.Text.Json.Serialization;

namespace Sandbox.Harness.Vault.Models;

/// <summary>The <c>auth</c> block of a token create, token renew or login answer.</summary>
internal sealed record VaultAuthInfo
{
    /// <summary>The new token. Secret: never log it (<see cref="ToString"/> hides it).</summary>
    public string ClientToken { get; init; } = string.Empty;

    /// <summary>The token's accessor (not secret).</summary>
    public string? Accessor { get; init; }

    /// <summary>All policies of the token (token and identity policies).</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    /// <summary>The policies attached to the token itself.</summary>
    public IReadOnlyList<string>? TokenPolicies { get; init; }

    /// <summary>Policies that come from the token's identity entity and groups.</summary>
    public IReadOnlyList<string>? IdentityPolicies { get; init; }

    /// <summary>Token metadata (for logins, <c>role</c> and claim mappings).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The token's TTL in seconds (0 for a root token).</summary>
    public long LeaseDuration { get; init; }

    /// <summary>Whether the token can be renewed.</summary>
    public bool Renewable { get; init; }

    /// <summary>The identity entity of the token, empty for token-store tokens.</summary>
    public string? EntityId { get; init; }

    /// <summary><c>service</c> or <c>batch</c>.</summary>
    public string? TokenType { get; init; }

    /// <summary>True when the token has no parent.</summary>
    public bool Orphan { get; init; }

    /// <summary>Uses left; 0 means unlimited.</summary>
    public long NumUses { get; init; }

    /// <summary>The warnings of the answer that carried this block (not part of Vault's auth block).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        $"VaultAuthInfo {{ ClientToken = ***, Accessor = {Accessor}, Policies = [{string.Join(", ", Policies)}], LeaseDuration = {LeaseDuration}, Renewable = {Renewable} }}";
}
