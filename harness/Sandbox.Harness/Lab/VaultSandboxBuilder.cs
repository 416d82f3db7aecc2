using Microsoft.Extensions.Logging;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Lab;

/// <summary>
/// Builds and starts a <see cref="VaultSandbox"/> for an operator's own tests, in the style of
/// Testcontainers: each <c>WithX</c> returns a new builder, <see cref="StartAsync"/> validates every
/// option, starts PostgreSQL and Vault, initializes and unseals Vault with the sandbox's own key, and
/// replays production's names from the topology.
/// </summary>
/// <example>
/// <code>
/// await using var lab = await new VaultSandboxBuilder()
///     .WithRuntime(RuntimeKind.Process)
///     .WithTopology("fixtures/topology.yaml")
///     .StartAsync(cancellationToken);
/// var app = await lab.LoginAsAppAsync("webapp", cancellationToken);
/// </code>
/// </example>
/// <remarks>
/// The production guard is always on: every connection, child process and file of the sandbox goes
/// through it, and there is no option to remove it. <see cref="WithDenylist"/> adds entries to the
/// built-in production list; it never removes any.
/// </remarks>
public sealed class VaultSandboxBuilder
{
    private readonly VaultSandboxSettings _settings;

    /// <summary>A builder with the defaults: the most real runtime the machine can run, a generated name, the checkout's <c>fixtures/topology.yaml</c>.</summary>
    public VaultSandboxBuilder()
        : this(new VaultSandboxSettings())
    {
    }

    private VaultSandboxBuilder(VaultSandboxSettings settings)
    {
        _settings = settings;
    }

    /// <summary>The runtime: <see cref="RuntimeKind.Process"/>, <see cref="RuntimeKind.Docker"/>, <see cref="RuntimeKind.K3d"/>. The default value is <see cref="RuntimeKind.Auto"/> (the most real one the machine can run).</summary>
    /// <param name="runtime">The runtime.</param>
    public VaultSandboxBuilder WithRuntime(RuntimeKind runtime) => new(_settings with { Runtime = runtime });

    /// <summary>The sandbox's name (a DNS-1123 label of at most 30 characters). The default value is <c>sbx-&lt;random&gt;</c>.</summary>
    /// <param name="name">The name.</param>
    public VaultSandboxBuilder WithName(string name) => new(_settings with { Name = name });

    /// <summary>The topology whose names are replayed (and overlays applied on top, in order). The default value is the checkout's <c>fixtures/topology.yaml</c>.</summary>
    /// <param name="file">The topology file.</param>
    /// <param name="overlays">Overlay files.</param>
    public VaultSandboxBuilder WithTopology(string file, params string[] overlays) => new(_settings with { Topology = file, Overlays = overlays, Replay = true });

    /// <summary>Leaves the sandbox empty: no topology is loaded or replayed (app and CI logins are then unavailable).</summary>
    public VaultSandboxBuilder WithoutReplay() => new(_settings with { Replay = false });

    /// <summary>A denylist file whose entries are added to the built-in production list (never replacing it).</summary>
    /// <param name="file">The denylist YAML.</param>
    public VaultSandboxBuilder WithDenylist(string file) => new(_settings with { Denylist = file });

    /// <summary>The home folder whose <c>.sandbox/</c> holds the run folders. The default value is <c>SANDBOX_HOME</c>, else the current directory.</summary>
    /// <param name="folder">The folder.</param>
    public VaultSandboxBuilder WithHome(string folder) => new(_settings with { Home = folder });

    /// <summary>The report folder where <see cref="VaultSandbox.BeginScenario"/> writes scenario evidence. The default value is <c>SANDBOX_REPORT_DIR</c>, else a new folder under the system temp folder.</summary>
    /// <param name="folder">The report folder.</param>
    public VaultSandboxBuilder WithReportDirectory(string folder) => new(_settings with { ReportDirectory = folder });

    /// <summary>Process runtime: the vault or bao binary to run. The default value is <c>SANDBOX_VAULT_BINARY</c>, then vault/bao on PATH, else the Vault double.</summary>
    /// <param name="path">The binary.</param>
    public VaultSandboxBuilder WithVaultBinary(string path) => new(_settings with { VaultBinary = path });

    /// <summary>Docker and k3d runtimes: the Vault image. The default value is the pinned image.</summary>
    /// <param name="image">The image reference.</param>
    public VaultSandboxBuilder WithVaultImage(string image) => new(_settings with { VaultImage = image });

    /// <summary>Docker runtime: the PostgreSQL image. The default value is the pinned image.</summary>
    /// <param name="image">The image reference.</param>
    public VaultSandboxBuilder WithPostgresImage(string image) => new(_settings with { PostgresImage = image });

    /// <summary>Unseal key shares and threshold for <c>sys/init</c>. The default value is one share, threshold one (as the lab).</summary>
    /// <param name="shares">Key shares.</param>
    /// <param name="threshold">Threshold.</param>
    public VaultSandboxBuilder WithKeyShares(int shares, int threshold) => new(_settings with { Shares = shares, Threshold = threshold });

    /// <summary>Logs the lifecycle and the runtimes. The default value is no logging.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    public VaultSandboxBuilder WithLogger(ILoggerFactory loggerFactory) => new(_settings with { LoggerFactory = loggerFactory });

    /// <summary>
    /// Validates the options, starts the sandbox and replays the topology as part of the start (as
    /// <c>sandbox up</c> does: the sandbox is ready only once the replay is done). Bad options fail here,
    /// before anything starts, with the exceptions (and so the exit codes) the CLI reports; a failure
    /// after the start, the replay's included, removes what was started, so no half-made sandbox is left.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start; what was started is removed.</param>
    /// <returns>The running sandbox; dispose it to remove it.</returns>
    /// <exception cref="TopologyException">The topology or a policy file is invalid (exit code 4).</exception>
    /// <exception cref="DenylistException">The denylist file is invalid (exit code 4).</exception>
    /// <exception cref="SandboxNameException">The name is not a DNS-1123 label of at most 30 characters.</exception>
    /// <exception cref="SandboxOptionsException">Shares or threshold are out of range.</exception>
    /// <exception cref="SandboxPreflightException">The machine cannot run the runtime (exit code 5); nothing was started.</exception>
    /// <exception cref="SandboxRuntimeException">The name is in use, or a step failed (the replay included: its error is the inner exception, its exit code this one's); what was started was removed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<VaultSandbox> StartAsync(CancellationToken cancellationToken = default)
    {
        var s = _settings;

        // Everything that can be judged without starting anything is judged first.
        Options(s, prepare: null).Validate();
        var denylist = Denylist.Resolve(s.Denylist);
        var topology = s.Replay ? LoadTopology(s) : null;
        var evidence = s.ReportDirectory is null ? EvidenceWriter.FromEnvironment() : new EvidenceWriter(s.ReportDirectory);
        var audit = GuardAuditLog.ToFile(Path.Combine(evidence.ReportDirectory, "raw", "guard-audit.jsonl"));
        var guard = new SandboxGuard(denylist, audit);
        var manager = new SandboxManager(guard, s.Home is null ? null : Path.GetFullPath(s.Home), s.LoggerFactory);

        // The replay is part of 'up' (SandboxOptions.Prepare), as in 'sandbox up': the sandbox is
        // Ready only after it, and a replay that fails tears the sandbox down and fails with the
        // CLI's error (SandboxRuntimeException naming the Prepare step, with the replay's exit code).
        TokenReviewServer? reviewer = null;
        ReplayResult? replay = null;

        // The issuer's RSA key is made on another thread while PostgreSQL and Vault start, as in 'sandbox up'.
        var pendingIssuer = topology is null ? null : new PendingJwtIssuer(topology.Jwt.BoundIssuer ?? VaultSandbox.DefaultIssuer);
        try
        {
            Func<SandboxHandle, CancellationToken, Task>? prepare = null;
            if (topology is not null)
            {
                prepare = async (handle, ct) =>
                {
                    var jwtIssuer = await pendingIssuer!.WaitAsync(ct).ConfigureAwait(false);
                    // k3d: the in-cluster view, as 'sandbox up' has it (PostgreSQL by its Service name, Kubernetes
                    // auth against the cluster's own API, Vault's ServiceAccount as reviewer), then the operator's
                    // objects per app. Elsewhere a loopback TokenReview stand-in trusting the sandbox issuer.
                    ReplayOptions replayOptions;
                    if (handle.Runtime == RuntimeKind.K3d)
                    {
                        replayOptions = handle.ReplayOptions([jwtIssuer.PublicKeyPem]);
                    }
                    else
                    {
                        var tokenReviewer = reviewer = TokenReviewServer.Start(jwtIssuer);
                        replayOptions = new ReplayOptions
                        {
                            Postgres = handle.Postgres,
                            KubernetesHost = tokenReviewer.Address.ToString().TrimEnd('/'),
                            SandboxEndpoints = [tokenReviewer.Address],
                            KubernetesCaCert = tokenReviewer.CaCertificatePem,
                            JwtValidationPubkeys = [jwtIssuer.PublicKeyPem],
                        };
                    }

                    replay = await new TopologyReplayer(handle.Root, handle.Guard).ReplayAsync(topology, replayOptions, ct).ConfigureAwait(false);
                    await handle.ApplyAppsAsync(topology, ct).ConfigureAwait(false);
                };
            }

            var handle = await manager.UpAsync(Options(s, prepare), cancellationToken).ConfigureAwait(false);
            // Made by now (the replay waited for it); the sandbox owns it from here.
            var issuer = pendingIssuer is null ? null : await pendingIssuer.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            return new VaultSandbox(handle, topology, replay, issuer, reviewer, evidence);
        }
        catch
        {
            if (reviewer is not null)
            {
                await reviewer.DisposeAsync().ConfigureAwait(false);
            }

            if (pendingIssuer is not null)
            {
                await pendingIssuer.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Test hook: called at the start of each step of the sandbox's <c>up</c> (see <see cref="SandboxOptions.StepHook"/>).</summary>
    /// <param name="hook">The hook.</param>
    internal VaultSandboxBuilder WithStepHook(Func<UpStep, CancellationToken, Task> hook) => new(_settings with { StepHook = hook });

    private static SandboxOptions Options(VaultSandboxSettings s, Func<SandboxHandle, CancellationToken, Task>? prepare) => new()
    {
        Runtime = s.Runtime,
        Name = s.Name,
        VaultBinary = s.VaultBinary,
        VaultImage = s.VaultImage,
        PostgresImage = s.PostgresImage,
        Shares = s.Shares,
        Threshold = s.Threshold,
        LoggerFactory = s.LoggerFactory,
        Prepare = prepare,
        StepHook = s.StepHook,
    };

    private static TopologySpec LoadTopology(VaultSandboxSettings s)
    {
        var file = s.Topology;
        if (file is null)
        {
            var root = SandboxCheckout.FindRoot(Environment.CurrentDirectory) ?? SandboxCheckout.FindRoot(AppContext.BaseDirectory);
            file = root is null ? null : Path.Combine(root, "fixtures", "topology.yaml");
            if (file is null || !File.Exists(file))
            {
                throw SandboxOptionsException.Invalid("topology", "(none)", "no topology was given and no checkout's fixtures/topology.yaml was found; call WithTopology(FILE) or WithoutReplay()");
            }
        }

        return TopologyLoader.Load(file, s.Overlays);
    }

    private sealed record VaultSandboxSettings
    {
        public RuntimeKind Runtime { get; init; } = RuntimeKind.Auto;

        public string? Name { get; init; }

        public string? Topology { get; init; }

        public string[] Overlays { get; init; } = [];

        public bool Replay { get; init; } = true;

        public string? Denylist { get; init; }

        public string? Home { get; init; }

        public string? ReportDirectory { get; init; }

        public string? VaultBinary { get; init; }

        public string? VaultImage { get; init; }

        public string? PostgresImage { get; init; }

        public int Shares { get; init; } = 1;

        public int Threshold { get; init; } = 1;

        public ILoggerFactory? LoggerFactory { get; init; }

        public Func<UpStep, CancellationToken, Task>? StepHook { get; init; }
    }
}
