namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>GET sys/seal-status</c> (and of <c>sys/unseal</c>).</summary>
public sealed record SealStatus
{
    /// <summary>The seal type, <c>shamir</c> for Sandbox.</summary>
    public string? Type { get; init; }

    /// <summary>Whether Vault has been initialized.</summary>
    public bool Initialized { get; init; }

    /// <summary>Whether Vault is sealed.</summary>
    public bool Sealed { get; init; }

    /// <summary>The threshold: shares needed to unseal (0 when not initialized).</summary>
    public int T { get; init; }

    /// <summary>The number of shares (0 when not initialized).</summary>
    public int N { get; init; }

    /// <summary>Distinct shares submitted in the current attempt.</summary>
    public int Progress { get; init; }

    /// <summary>The id of the current unseal attempt, empty when none.</summary>
    public string? Nonce { get; init; }

    /// <summary>The server version string.</summary>
    public string? Version { get; init; }

    /// <summary>Vault's build date (HashiCorp Vault only).</summary>
    public DateTimeOffset? BuildDate { get; init; }

    /// <summary>OpenBao's commit date (OpenBao only).</summary>
    public DateTimeOffset? CommitDate { get; init; }

    /// <summary>Whether a seal migration is in progress.</summary>
    public bool Migration { get; init; }

    /// <summary>Cluster name, only when unsealed.</summary>
    public string? ClusterName { get; init; }

    /// <summary>Cluster id, only when unsealed.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Whether this is a recovery seal.</summary>
    public bool RecoverySeal { get; init; }

    /// <summary>The storage type, such as <c>file</c> or <c>raft</c>.</summary>
    public string? StorageType { get; init; }
}
