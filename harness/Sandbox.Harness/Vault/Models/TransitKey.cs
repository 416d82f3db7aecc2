using System.Text.Json;

namespace Sandbox.Harness.Vault.Models;

/// <summary>A transit key as <c>GET transit/keys/:name</c> (and, on newer servers, create/rotate) returns it.</summary>
internal sealed record TransitKey
{
    /// <summary>The key name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The key type, for example <c>aes256-gcm96</c>.</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The newest key version.</summary>
    public int LatestVersion { get; init; }

    /// <summary>The oldest version that may still decrypt.</summary>
    public int MinDecryptionVersion { get; init; }

    /// <summary>The oldest version that may encrypt (0 = latest).</summary>
    public int MinEncryptionVersion { get; init; }

    /// <summary>Whether the key may be deleted.</summary>
    public bool DeletionAllowed { get; init; }

    /// <summary>Whether the key may be exported.</summary>
    public bool Exportable { get; init; }

    /// <summary>Whether the key supports encryption.</summary>
    public bool SupportsEncryption { get; init; }

    /// <summary>Whether the key supports decryption.</summary>
    public bool SupportsDecryption { get; init; }

    /// <summary>Whether the key supports derivation.</summary>
    public bool SupportsDerivation { get; init; }

    /// <summary>Whether the key supports signing.</summary>
    public bool SupportsSigning { get; init; }

    /// <summary>Whether the key is derived.</summary>
    public bool Derived { get; init; }

    /// <summary>The versions, by number: a creation time (unix seconds) for symmetric keys, an object for asymmetric ones.</summary>
    public IReadOnlyDictionary<string, JsonElement> Keys { get; init; } = new Dictionary<string, JsonElement>();
}
