namespace Sandbox.Harness.Runtimes;

/// <summary>Which Vault implementation a sandbox runs.</summary>
public enum VaultKind
{
    /// <summary>HashiCorp Vault (binary <c>vault</c> or image <c>hashicorp/vault</c>).</summary>
    Vault = 0,

    /// <summary>OpenBao (binary <c>bao</c> or image <c>openbao/openbao</c>).</summary>
    OpenBao = 1,

    /// <summary>The Sandbox Vault double (a test fixture, NOT HashiCorp Vault).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "'Double' is the Vault double, the fixture's name in every document.")]
    Double = 2,

    /// <summary>Not known: the binary did not say what it is (its <c>version</c> failed or printed something else), or Vault never started.</summary>
    Unknown = 3,
}
