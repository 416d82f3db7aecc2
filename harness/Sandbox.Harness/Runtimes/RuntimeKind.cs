namespace Sandbox.Harness.Runtimes;

/// <summary>Where a sandbox's Vault and PostgreSQL run.</summary>
public enum RuntimeKind
{
    /// <summary>The most real runtime whose preflight passes (k3d, then docker, then process).</summary>
    Auto = 0,

    /// <summary>Local processes: a vault/bao binary (or the Vault double) and initdb/pg_ctl in the run folder.</summary>
    Process = 1,

    /// <summary>Containers through Testcontainers: the official Vault image and the postgres image.</summary>
    Docker = 2,

    /// <summary>A k3d (k3s in Docker) cluster with Vault from the Helm chart, PostgreSQL and the Vault Secrets Operator.</summary>
    K3d = 3,
}
