namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>PUT sys/init</c>: the unseal key shares and the root token.</summary>
internal sealed record InitResponse
{
    /// <summary>The unseal key shares as lowercase hex. Secret.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>The same shares as standard padded base64. Secret.</summary>
    public IReadOnlyList<string> KeysBase64 { get; init; } = [];

    /// <summary>Recovery key shares (auto-unseal only) as hex. Secret.</summary>
    public IReadOnlyList<string>? RecoveryKeys { get; init; }

    /// <summary>Recovery key shares (auto-unseal only) as base64. Secret.</summary>
    public IReadOnlyList<string>? RecoveryKeysBase64 { get; init; }

    /// <summary>The initial root token. Secret.</summary>
    public string RootToken { get; init; } = string.Empty;

    /// <inheritdoc />
    public override string ToString() => $"InitResponse {{ Keys = {Keys.Count} share(s), RootToken = *** }}";
}
