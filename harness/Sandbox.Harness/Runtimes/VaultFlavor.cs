namespace Sandbox.Harness.Runtimes;

/// <summary>Which Vault ran: its kind, version and where it came from (a binary path or an image).</summary>
/// <param name="Kind">Vault, OpenBao or the double.</param>
/// <param name="Version">The version Vault reported (seal-status), or <c>unknown</c> before it ran.</param>
/// <param name="Source">The binary path, the double's assembly or the image reference.</param>
public sealed record VaultFlavor(VaultKind Kind, string Version, string Source)
{
    /// <summary>The JSON/text name of the kind: <c>vault</c>, <c>openbao</c> or <c>double</c>.</summary>
    public string KindName => KindNameOf(Kind);

    /// <summary>
    /// Words nobody can miss: <c>HashiCorp Vault 1.x (binary ...)</c>, <c>OpenBao ...</c>, or
    /// <c>Sandbox Vault double (NOT HashiCorp Vault) ...</c>.
    /// </summary>
    public string Describe() => Kind switch
    {
        VaultKind.Double => $"Sandbox Vault double (NOT HashiCorp Vault) {Version} from {Source}",
        VaultKind.OpenBao => $"OpenBao {Version} from {Source}",
        VaultKind.Vault => $"HashiCorp Vault {Version} from {Source}",
        _ => Source.Length == 0 ? "Vault not known: it was never started" : $"a Vault of unknown kind (its 'version' did not say what it is) from {Source}",
    };

    /// <summary>The JSON/text name of a kind.</summary>
    /// <param name="kind">The kind.</param>
    internal static string KindNameOf(VaultKind kind) => kind switch
    {
        VaultKind.Double => "double",
        VaultKind.OpenBao => "openbao",
        VaultKind.Vault => "vault",
        _ => "unknown",
    };

    /// <inheritdoc />
    public override string ToString() => Describe();
}
