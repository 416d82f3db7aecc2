using Microsoft.Extensions.Logging;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes;

/// <summary>What <see cref="SandboxManager.UpAsync"/> creates.</summary>
internal sealed record SandboxOptions
{
    /// <summary>The runtime; <see cref="RuntimeKind.Auto"/> picks the most real usable one. The default value is Auto.</summary>
    public RuntimeKind Runtime { get; init; } = RuntimeKind.Auto;

    /// <summary>The sandbox name (DNS-1123 label, at most 30 characters); null generates <c>sbx-&lt;random&gt;</c>.</summary>
    public string? Name { get; init; }

    /// <summary>Unseal key shares for sys/init. The default value is 1.</summary>
    public int Shares { get; init; } = 1;

    /// <summary>Unseal threshold for sys/init. The default value is 1.</summary>
    public int Threshold { get; init; } = 1;

    /// <summary>Process runtime: a vault or bao binary to run instead of PATH / <c>SANDBOX_VAULT_BINARY</c> / the double.</summary>
    public string? VaultBinary { get; init; }

    /// <summary>Docker/k3d runtimes: the Vault image instead of the pinned default.</summary>
    public string? VaultImage { get; init; }

    /// <summary>Docker runtime: the PostgreSQL image instead of <see cref="RuntimeVersions.PostgresImage"/>.</summary>
    public string? PostgresImage { get; init; }

    /// <summary>
    /// Process runtime: where PostgreSQL's data goes: <c>auto</c> (memory when <c>/dev/shm</c> has room, else disk),
    /// <c>memory</c> or <c>disk</c>; null takes <c>SANDBOX_POSTGRES_DATA</c>, else <c>auto</c>
    /// (<see cref="Process.PostgresDataPlacement"/>).
    /// </summary>
    public string? PostgresData { get; init; }

    /// <summary>k3d runtime: a folder of image tarballs (<c>*.tar</c>) to <c>k3d image import</c> into the cluster (air-gapped machines).</summary>
    public string? ImagesDirectory { get; init; }

    /// <summary>
    /// k3d runtime: a folder holding the chart archives <c>vault-0.34.1.tgz</c> and
    /// <c>vault-secrets-operator-1.4.1.tgz</c> (as <c>helm pull</c> writes them), installed instead
    /// of adding HashiCorp's Helm repository (air-gapped machines).
    /// </summary>
    public string? ChartsDirectory { get; init; }

    /// <summary>
    /// k3d runtime: how long the first start may take (PVC binding, first image pulls, rollouts).
    /// The default value is 300 seconds.
    /// </summary>
    public TimeSpan FirstStartTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// True when the sandbox outlives the process that made it (the CLI's <c>up</c>); false for an
    /// in-process handle whose owner is this process (then <c>sweep</c> removes it once the handle is gone).
    /// The default value is false.
    /// </summary>
    public bool Detached { get; init; }

    /// <summary>How long Vault may take to answer after its start. The default value is 60 seconds.</summary>
    public TimeSpan VaultStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop (SIGTERM) may take before SIGKILL. The default value is 10 seconds.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Logger factory for the lifecycle and the runtimes; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Work that belongs to <c>up</c> itself (such as replaying the topology): run after the unseal, before the
    /// state says <see cref="SandboxPhase.Ready"/>. A failure tears the sandbox down like any other step; a
    /// process killed during it leaves a sandbox that <c>sweep</c> removes. The default value is null (none).
    /// </summary>
    public Func<SandboxHandle, CancellationToken, Task>? Prepare { get; init; }

    /// <summary>Test hook: called at the start of each step of <c>up</c>. Throwing <see cref="SimulatedCrashException"/> abandons the run as a crash would (no teardown).</summary>
    internal Func<UpStep, CancellationToken, Task>? StepHook { get; init; }

    /// <summary>Checks the numbers and the name.</summary>
    /// <exception cref="SandboxNameException">The name is invalid.</exception>
    /// <exception cref="SandboxOptionsException">Shares or threshold are out of range.</exception>
    public void Validate()
    {
        if (Name is not null)
        {
            SandboxName.Validate(Name);
        }

        if (Shares is < 1 or > 255)
        {
            throw SandboxOptionsException.Invalid("--shares", Shares.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 255");
        }

        if (Threshold < 1 || Threshold > Shares)
        {
            throw SandboxOptionsException.Invalid("--threshold", Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), $"must be between 1 and --shares ({Shares})");
        }

        if (Threshold == 1 && Shares > 1)
        {
            throw SandboxOptionsException.Invalid("--threshold", "1", "Vault refuses threshold 1 with more than one share; use --threshold 2 or more, or --shares 1");
        }
    }
}
