namespace Sandbox.Harness.Vault.Models;

/// <summary>The body of <c>GET sys/health</c>. Fields that one product does not send stay null.</summary>
internal sealed record HealthStatus
{
    /// <summary>Whether Vault is initialized.</summary>
    public bool Initialized { get; init; }

    /// <summary>Whether Vault is sealed.</summary>
    public bool Sealed { get; init; }

    /// <summary>Whether this node is a standby.</summary>
    public bool Standby { get; init; }

    /// <summary>Whether this node is a performance standby (HashiCorp Vault only).</summary>
    public bool? PerformanceStandby { get; init; }

    /// <summary>Replication mode, <c>disabled</c> without replication.</summary>
    public string? ReplicationPerformanceMode { get; init; }

    /// <summary>DR replication mode, <c>disabled</c> without replication.</summary>
    public string? ReplicationDrMode { get; init; }

    /// <summary>The server's clock as unix seconds.</summary>
    public long ServerTimeUtc { get; init; }

    /// <summary>The server version string.</summary>
    public string? Version { get; init; }

    /// <summary>Cluster name, only when unsealed.</summary>
    public string? ClusterName { get; init; }

    /// <summary>Cluster id, only when unsealed.</summary>
    public string? ClusterId { get; init; }

    /// <summary>True on HashiCorp Vault Enterprise.</summary>
    public bool? Enterprise { get; init; }
}
