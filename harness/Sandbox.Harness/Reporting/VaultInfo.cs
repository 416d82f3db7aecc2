namespace Sandbox.Harness.Reporting;

/// <summary>The Vault a run used, as <c>summary.json</c>'s <c>vault</c> object states it.</summary>
/// <param name="Kind">Which server it was.</param>
/// <param name="Version">Its version as it reported it (<c>sys/seal-status</c> <c>version</c>), or <see langword="null"/> when unknown.</param>
internal sealed record VaultInfo(VaultKind Kind, string? Version)
{
    /// <summary>The one-line statement every report header and console banner uses.</summary>
    /// <returns>For example <c>Vault double — NOT HashiCorp Vault (sandbox-double 0.1.0)</c>.</returns>
    public string Describe()
    {
        var version = string.IsNullOrWhiteSpace(Version) ? "version unknown" : Version;
        return Kind switch
        {
            VaultKind.VaultDouble => $"Vault double — NOT HashiCorp Vault ({version})",
            VaultKind.OpenBao => $"OpenBao {version} — a fork of Vault, not HashiCorp Vault",
            VaultKind.HashiCorpVault => $"HashiCorp Vault {version}",
            _ => $"a Vault of unknown kind ({version}) — NOT known to be HashiCorp Vault",
        };
    }
}
