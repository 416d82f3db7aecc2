using System.Text.Json.Serialization;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Keys;

/// <summary>
/// The content of a key file, field for field the JSON that <c>vault operator init -format=json</c>
/// prints (production's cluster-keys.json has the same shape). Every value is secret:
/// <see cref="ToString"/> shows only counts.
/// </summary>
internal sealed record SandboxKeys
{
    /// <summary>The unseal key shares, standard padded base64.</summary>
    [JsonPropertyName("unseal_keys_b64")]
    public IReadOnlyList<string> UnsealKeysB64 { get; init; } = [];

    /// <summary>The same shares, lowercase hex.</summary>
    [JsonPropertyName("unseal_keys_hex")]
    public IReadOnlyList<string> UnsealKeysHex { get; init; } = [];

    /// <summary>The number of shares.</summary>
    [JsonPropertyName("unseal_shares")]
    public int UnsealShares { get; init; }

    /// <summary>Shares needed to unseal.</summary>
    [JsonPropertyName("unseal_threshold")]
    public int UnsealThreshold { get; init; }

    /// <summary>Recovery key shares (auto-unseal only), base64; empty for Shamir.</summary>
    [JsonPropertyName("recovery_keys_b64")]
    public IReadOnlyList<string> RecoveryKeysB64 { get; init; } = [];

    /// <summary>Recovery key shares (auto-unseal only), hex; empty for Shamir.</summary>
    [JsonPropertyName("recovery_keys_hex")]
    public IReadOnlyList<string> RecoveryKeysHex { get; init; } = [];

    /// <summary>Number of recovery shares; 0 for Shamir.</summary>
    [JsonPropertyName("recovery_keys_shares")]
    public int RecoveryKeysShares { get; init; }

    /// <summary>Recovery threshold; 0 for Shamir.</summary>
    [JsonPropertyName("recovery_keys_threshold")]
    public int RecoveryKeysThreshold { get; init; }

    /// <summary>The initial root token.</summary>
    [JsonPropertyName("root_token")]
    public string RootToken { get; init; } = string.Empty;

    /// <summary>Builds the key-file content from an init answer, as <c>vault operator init -format=json</c> does.</summary>
    /// <param name="response">The answer of <c>sys/init</c>.</param>
    /// <param name="shares">The <c>secret_shares</c> sent.</param>
    /// <param name="threshold">The <c>secret_threshold</c> sent.</param>
    public static SandboxKeys FromInitResponse(InitResponse response, int shares, int threshold)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new SandboxKeys
        {
            UnsealKeysB64 = response.KeysBase64.ToArray(),
            UnsealKeysHex = response.Keys.ToArray(),
            UnsealShares = shares,
            UnsealThreshold = threshold,
            RecoveryKeysB64 = response.RecoveryKeysBase64?.ToArray() ?? [],
            RecoveryKeysHex = response.RecoveryKeys?.ToArray() ?? [],
            RootToken = response.RootToken,
        };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"SandboxKeys {{ UnsealShares = {UnsealShares}, UnsealThreshold = {UnsealThreshold}, Keys = {UnsealKeysB64.Count} (hidden), RootToken = *** }}";
}
