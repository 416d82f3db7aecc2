using System.Text.Json.Serialization;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// The content of <c>sandbox.json</c>: everything needed to find, show and remove a sandbox
/// from another process. It never holds a secret.
/// </summary>
internal sealed class SandboxState
{
    /// <summary>The sandbox name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The runtime (process, docker, k3d).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<RuntimeKind>))]
    public RuntimeKind Runtime { get; set; }

    /// <summary>The life phase.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<SandboxPhase>))]
    public SandboxPhase Phase { get; set; }

    /// <summary>The step of <c>up</c> last begun.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<UpStep>))]
    public UpStep Step { get; set; }

    /// <summary>The session id (label <c>sandbox.session</c>).</summary>
    public string SessionId { get; set; } = string.Empty;

    /// <summary>When the sandbox was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The process that owns the sandbox (in-process handles), or null when detached (CLI).</summary>
    public int? OwnerPid { get; set; }

    /// <summary>The owner's start time in clock ticks since boot (<c>/proc/PID/stat</c> field 22), against pid reuse.</summary>
    public long? OwnerStartTicks { get; set; }

    /// <summary>Vault's kind (vault, openbao, double) as the binary said it with <c>version</c>; empty until Vault started, <c>unknown</c> when it did not say.</summary>
    public string VaultKind { get; set; } = string.Empty;

    /// <summary>Vault's version as it reported it, or <c>unknown</c>.</summary>
    public string VaultVersion { get; set; } = "unknown";

    /// <summary>The binary, assembly or image that ran.</summary>
    public string VaultSource { get; set; } = string.Empty;

    /// <summary>Vault's address.</summary>
    public string? Address { get; set; }

    /// <summary>Vault's loopback port.</summary>
    public int? VaultPort { get; set; }

    /// <summary>
    /// The port reserved for Vault's cluster listener (process runtime), written as the listener's
    /// <c>cluster_address</c> and as <c>cluster_addr</c>; Vault binds it at every unseal.
    /// </summary>
    public int? VaultClusterPort { get; set; }

    /// <summary>Vault's process id (process runtime).</summary>
    public int? VaultPid { get; set; }

    /// <summary>A string that Vault's command line contains (its config path), checked before any signal.</summary>
    public string? VaultCommandMarker { get; set; }

    /// <summary>PostgreSQL's host.</summary>
    public string? PostgresHost { get; set; }

    /// <summary>PostgreSQL's port.</summary>
    public int? PostgresPort { get; set; }

    /// <summary>PostgreSQL's superuser.</summary>
    public string? PostgresSuperuser { get; set; }

    /// <summary>PostgreSQL's cluster folder (process runtime): <c>postgres/</c> in the run folder, or a temp folder when the run folder is out of the postgres user's reach.</summary>
    public string? PostgresFolder { get; set; }

    /// <summary>PostgreSQL's data directory (process runtime).</summary>
    public string? PostgresDataDirectory { get; set; }

    /// <summary>Container ids (docker runtime).</summary>
    public List<string> ContainerIds { get; set; } = [];

    /// <summary>Volume names (docker runtime).</summary>
    public List<string> Volumes { get; set; } = [];

    /// <summary>Network names (docker runtime).</summary>
    public List<string> Networks { get; set; } = [];

    /// <summary>The k3d cluster name (k3d runtime).</summary>
    public string? ClusterName { get; set; }

    /// <summary>The labels put on every container, volume, network and cluster.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>The labels of a sandbox: <c>sandbox.session</c>, <c>sandbox.name</c>, <c>sandbox.home</c> (<see cref="SandboxPaths.HomeId"/>), <c>sandbox.managed=true</c>.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="paths">The sandbox's paths.</param>
    public static Dictionary<string, string> LabelsFor(string sessionId, SandboxPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return new(StringComparer.Ordinal)
        {
            ["sandbox.session"] = sessionId,
            ["sandbox.name"] = paths.Name,
            ["sandbox.home"] = paths.HomeId,
            ["sandbox.managed"] = "true",
        };
    }

    /// <summary>The Vault that ran, as a <see cref="VaultFlavor"/>.</summary>
    public VaultFlavor VaultFlavor() => new(
        VaultKind switch { "double" => Runtimes.VaultKind.Double, "openbao" => Runtimes.VaultKind.OpenBao, "vault" => Runtimes.VaultKind.Vault, _ => Runtimes.VaultKind.Unknown },
        VaultVersion,
        VaultSource);
}
