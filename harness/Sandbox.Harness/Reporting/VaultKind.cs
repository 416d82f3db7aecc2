using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>Which server answered as "Vault" in a run. Reports state it in words a reader cannot miss.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VaultKind>))]
internal enum VaultKind
{
    /// <summary>HashiCorp Vault (the binary or the <c>hashicorp/vault</c> image), what production runs.</summary>
    [JsonStringEnumMemberName("hashicorp-vault")]
    HashiCorpVault,

    /// <summary>OpenBao (<c>bao</c> or <c>openbao/openbao</c>), a fork of Vault.</summary>
    [JsonStringEnumMemberName("openbao")]
    OpenBao,

    /// <summary>Sandbox's own Vault double, a test fixture; NOT HashiCorp Vault.</summary>
    [JsonStringEnumMemberName("double")]
    VaultDouble,

    /// <summary>Not known: the binary did not say what it is, or no Vault ran.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,
}
