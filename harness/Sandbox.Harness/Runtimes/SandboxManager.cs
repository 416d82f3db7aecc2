using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// Creates, inspects and removes sandboxes under a sandbox home (<c>&lt;home&gt;/.sandbox/&lt;name&gt;/</c>).
/// <c>up</c>: preflight, run folder, PostgreSQL, Vault (waits until it answers), init, key file,
/// unseal, ready; a failure midway tears down what was started and says which step failed.
/// </summary>
internal sealed class SandboxManager
{
    private static readonly ConcurrentDictionary<string, byte> LiveHandles = new(StringComparer.Ordinal);
    private static readonly VaultClientOptions StatusProbe = new() { ReadRetryCount = 0, ReadAttemptTimeout = TimeSpan.FromSeconds(3), ReadTotalTimeout = TimeSpan.FromSeconds(4) };

    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<RuntimeKind, ISandboxRuntime>? _runtimeFactory;

    /// <summary>Creates a manager.</summary>
    /// <param name="guard">The production guard; the built-in denylist (plus <c>SANDBOX_DENYLIST</c>) when null.</param>
    /// <param name="home">The sandbox home; <c>SANDBOX_HOME</c> or the current directory when null.</param>
    /// <param name="loggerFactory">Loggers; none when null.</param>
    /// <param name="timeProvider">The clock; system when null.</param>
    public SandboxManager(SandboxGuard? guard = null, string? home = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        Guard = guard ?? new SandboxGuard(Denylist.Resolve(null), GuardAuditLog.InMemory());
        Home = Path.GetFullPath(home ?? SandboxPaths.DefaultHome());
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Sandbox.Runtimes");
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>This process's session id (label <c>sandbox.session</c> on everything it creates).</summary>
    public static string SessionId { get; } = "s-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The sandbox home.</summary>
    public string Home { get; }

    /// <summary>The guard.</summary>
    public SandboxGuard Guard { get; }

    /// <summary>Test hook: makes the runtime object for a kind.</summary>
    internal Func<RuntimeKind, ISandboxRuntime> RuntimeFactory
    {
        get => _runtimeFactory ?? (kind => CreateRuntime(kind, Guard));
        init => _runtimeFactory = value;
    }

    /// <summary>The runtimes <c>auto</c> tries, most real first.</summary>
    public static IReadOnlyList<RuntimeKind> AutoOrder { get; } = [RuntimeKind.K3d, RuntimeKind.Docker, RuntimeKind.Process];

    /// <summary>A new runtime object of <paramref name="kind"/>.</summary>
    /// <param name="kind">Process, Docker or K3d.</param>
    /// <param name="guard">The guard (for preflight's child processes); a built-in one when null.</param>
    /// <exception cref="SandboxRuntimeException">The runtime is not implemented in this build.</exception>
    public static ISandboxRuntime CreateRuntime(RuntimeKind kind, SandboxGuard? guard = null) => kind switch
    {
        RuntimeKind.Process => new ProcessRuntime(),
        RuntimeKind.K3d => new K3d.K3dRuntime(guard: guard),
        RuntimeKind.Docker => new Docker.DockerRuntime(guard: guard),
        _ => throw SandboxRuntimeException.NotImplemented(kind, "Use --runtime process, docker or k3d."),
    };

    /// <summary>Preflight of every runtime, in <see cref="AutoOrder"/>.</summary>
    /// <param name="options">The options of <c>up</c>.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public async Task<IReadOnlyList<RuntimePreflight>> PreflightAllAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        var results = new List<RuntimePreflight>();
        foreach (var kind in AutoOrder)
        {
            results.Add(await PreflightAsync(kind, options, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>Preflight of one runtime; an unimplemented runtime reports itself as the problem.</summary>
    /// <param name="kind">The runtime.</param>
    /// <param name="options">The options of <c>up</c>.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public async Task<RuntimePreflight> PreflightAsync(RuntimeKind kind, SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ISandboxRuntime runtime;
        try
        {
            runtime = RuntimeFactory(kind);
        }
        catch (SandboxRuntimeException e)
        {
            return new RuntimePreflight(kind, [], [new PreflightProblem($"the {kind.ToString().ToLowerInvariant()} runtime", "not implemented in this build of Sandbox", e.Message)]);
        }

        await using (runtime.ConfigureAwait(false))
        {
            return await runtime.PreflightAsync(options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates a sandbox and returns it ready: initialized (<see cref="SandboxOptions.Shares"/>/<see cref="SandboxOptions.Threshold"/>),
    /// key file written, unsealed. Disposing the handle removes the sandbox unless <see cref="SandboxOptions.Detached"/>.
    /// </summary>
    /// <param name="options">What to create.</param>
    /// <param name="cancellationToken">Cancels <c>up</c>; what was started is torn down.</param>
    /// <exception cref="SandboxNameException">The name is invalid.</exception>
    /// <exception cref="SandboxOptionsException">Shares or threshold are out of range.</exception>
    /// <exception cref="SandboxPreflightException">The runtime cannot run here; nothing was started.</exception>
    /// <exception cref="SandboxRuntimeException">A step failed; what was started was torn down.</exception>
    public async Task<SandboxHandle> UpAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var name = options.Name ?? SandboxName.Generate();
        var paths = new SandboxPaths(Home, name);
        if (Directory.Exists(paths.RunFolder))
        {
            throw SandboxRuntimeException.AlreadyExists(name, paths.RunFolder);
        }

        await HookAsync(options, UpStep.Preflight, cancellationToken).ConfigureAwait(false);
        var kind = await ChooseRuntimeAsync(options with { Name = name }, cancellationToken).ConfigureAwait(false);
        var runtime = RuntimeFactory(kind);

        var self = Environment.ProcessId;
        var state = new SandboxState
        {
            Name = name,
            Runtime = kind,
            Phase = SandboxPhase.Starting,
            Step = UpStep.CreateRunFolder,
            SessionId = SessionId,
            CreatedAt = _time.GetUtcNow(),
            OwnerPid = self,
            OwnerStartTicks = ProcessTable.StartTicks(self),
            Labels = SandboxState.LabelsFor(SessionId, paths),
        };
        var run = new SandboxRun(paths, state, options, Guard, _loggers.CreateLogger("Sandbox.Runtimes." + kind), _time);
        var keyStore = new SandboxKeyStore(Guard, "sandbox-key-store", _loggers.CreateLogger("Sandbox.Keys"));
        try
        {
            await BeginAsync(run, UpStep.CreateRunFolder, cancellationToken).ConfigureAwait(false);
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(paths.RunFolder);
            }
            else
            {
                // 0711: the postgres user (process runtime as root) must traverse to postgres/; secrets inside are 0600.
                Directory.CreateDirectory(paths.RunFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }

            Directory.CreateDirectory(paths.LogsFolder);
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);

            PostgresEndpoint postgres;
            if (runtime.StartsPostgresAndVaultTogether)
            {
                postgres = await StartPostgresAndVaultAsync(run, runtime, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await BeginAsync(run, UpStep.StartPostgres, cancellationToken).ConfigureAwait(false);
                postgres = await runtime.StartPostgresAsync(run, cancellationToken).ConfigureAwait(false);

                await BeginAsync(run, UpStep.StartVault, cancellationToken).ConfigureAwait(false);
                _ = await runtime.StartVaultAsync(run, cancellationToken).ConfigureAwait(false);
            }

            var vault = run.VaultAt(new Uri(state.Address!));

            await BeginAsync(run, UpStep.Initialize, cancellationToken).ConfigureAwait(false);
            var init = await vault.InitAsync(options.Shares, options.Threshold, cancellationToken).ConfigureAwait(false);
            var keys = SandboxKeys.FromInitResponse(init, options.Shares, options.Threshold);

            await BeginAsync(run, UpStep.WriteKeys, cancellationToken).ConfigureAwait(false);
            await keyStore.WriteAsync(paths.KeyFile, keys, cancellationToken).ConfigureAwait(false);
            await keyStore.WriteRootTokenAsync(paths.RootTokenFile, keys.RootToken, cancellationToken).ConfigureAwait(false);

            await BeginAsync(run, UpStep.Unseal, cancellationToken).ConfigureAwait(false);
            var sealStatus = await vault.UnsealWithAsync(keys, cancellationToken).ConfigureAwait(false);
            if (sealStatus.Sealed)
            {
                throw SandboxRuntimeException.StillSealed(name, sealStatus.Progress, sealStatus.T);
            }

            var handle = new SandboxHandle(this, run, runtime, postgres, keyStore, vault, keys.RootToken);
            if (options.Prepare is { } prepare)
            {
                await BeginAsync(run, UpStep.Prepare, cancellationToken).ConfigureAwait(false);
                await prepare(handle, cancellationToken).ConfigureAwait(false);
            }

            await BeginAsync(run, UpStep.Ready, cancellationToken).ConfigureAwait(false);
            state.Phase = SandboxPhase.Ready;
            if (options.Detached)
            {
                state.OwnerPid = null;
                state.OwnerStartTicks = null;
            }

            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            RuntimeLog.Ready(_logger, name, vault.Address, handle.Vault);
            LiveHandles[paths.RunFolder] = 0;
            return handle;
        }
        catch (SimulatedCrashException)
        {
            // A test abandons the run as kill -9 would: nothing is torn down, the state stays behind.
            run.Dispose();
            throw;
        }
        catch (Exception e)
        {
            RuntimeLog.UpFailed(_logger, name, state.Step, e);
            var teardown = await TryTeardownAsync(run, runtime).ConfigureAwait(false);
            run.Dispose();
            await runtime.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw SandboxRuntimeException.UpFailed(name, state.Step, e, teardown);
        }
    }

    /// <summary>
    /// Starts PostgreSQL and Vault at once (<see cref="ISandboxRuntime.StartsPostgresAndVaultTogether"/>). Both steps
    /// are announced (hooks and log) before either starts; the state records <see cref="UpStep.StartVault"/> while
    /// both run. When one fails the other is cancelled and awaited, and the failure reported is PostgreSQL's
    /// when it failed (its step then recorded as <see cref="UpStep.StartPostgres"/>), else Vault's. A simulated
    /// crash is passed on as it is, without cancelling the other start, as kill -9 would leave them.
    /// </summary>
    private static async Task<PostgresEndpoint> StartPostgresAndVaultAsync(SandboxRun run, ISandboxRuntime runtime, CancellationToken cancellationToken)
    {
        await BeginAsync(run, UpStep.StartPostgres, cancellationToken).ConfigureAwait(false);
        await BeginAsync(run, UpStep.StartVault, cancellationToken).ConfigureAwait(false);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var postgres = Task.Run(() => runtime.StartPostgresAsync(run, both.Token), CancellationToken.None);
        var vault = Task.Run(() => runtime.StartVaultAsync(run, both.Token), CancellationToken.None);
        var first = await Task.WhenAny(postgres, vault).ConfigureAwait(false);
        if (!first.IsCompletedSuccessfully && !IsSimulatedCrash(first))
        {
            await both.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(postgres, vault).ConfigureAwait(false);
        }
        catch
        {
            // Everything either started is in the state: the caller's teardown (or sweep, after a crash) removes it.
            // The failure passed on: a simulated crash as it is; else PostgreSQL's when it failed (or was the one
            // cancelled), else Vault's. Awaiting the failed start rethrows its own exception.
            Task failed = IsSimulatedCrash(postgres) ? postgres
                : IsSimulatedCrash(vault) ? vault
                : postgres.IsFaulted || (postgres.IsCanceled && !vault.IsFaulted) ? postgres
                : vault;
            if (failed == postgres && !IsSimulatedCrash(postgres))
            {
                run.State.Step = UpStep.StartPostgres;
            }

            await failed.ConfigureAwait(false);
            throw;
        }

        return await postgres.ConfigureAwait(false);
    }

    private static bool IsSimulatedCrash(Task task) => task.Exception?.InnerException is SimulatedCrashException;

    /// <summary>The names of the sandboxes under the home.</summary>
    public IReadOnlyList<string> List() => SandboxStateStore.ListNames(Home);

    /// <summary>The status of one sandbox: its state, whether its processes run, and Vault's seal status.</summary>
    /// <param name="name">The name; null when there is exactly one sandbox.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <exception cref="SandboxNotFoundException">No such sandbox (or no name and not exactly one).</exception>
    public async Task<SandboxStatus> StatusAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        var (run, runtime) = await LoadAsync(name, cancellationToken).ConfigureAwait(false);
        using (run)
        {
            await using (runtime.ConfigureAwait(false))
            {
                return await StatusOfAsync(run, runtime, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Removes one sandbox: stops what it runs, removes containers/volumes/clusters, deletes its run folder.
    /// Resumable and idempotent: a sandbox that is already gone (no state file) is nothing to remove.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the teardown; running it again finishes it.</param>
    /// <returns>True when a sandbox was removed; false when there was none of that name.</returns>
    /// <exception cref="SandboxNameException">The name is invalid.</exception>
    public async Task<bool> DownAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        SandboxName.Validate(name);
        var paths = new SandboxPaths(Home, name);
        var state = await SandboxStateStore.TryReadAsync(paths, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            RuntimeLog.NothingToRemove(_logger, name);
            return false;
        }

        var runtime = RuntimeFactory(state.Runtime);
        using var run = new SandboxRun(paths, state, new SandboxOptions(), Guard, _loggers.CreateLogger("Sandbox.Runtimes." + state.Runtime), _time);
        await using (runtime.ConfigureAwait(false))
        {
            await DownCoreAsync(run, runtime, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Removes every sandbox under the home.</summary>
    /// <param name="cancellationToken">Cancels the teardown.</param>
    /// <returns>The names removed.</returns>
    public async Task<IReadOnlyList<string>> DownAllAsync(CancellationToken cancellationToken = default)
    {
        var removed = new List<string>();
        foreach (var name in List())
        {
            if (await DownAsync(name, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(name);
            }
        }

        return removed;
    }

    /// <summary>
    /// Removes what crashed runs left: sandboxes whose <c>up</c> or <c>down</c> was interrupted and
    /// whose owner process is gone, and in-process sandboxes whose owner is gone (or, in this process,
    /// whose handle no longer exists). Processes are stopped only by their recorded pid while its
    /// command line still names the sandbox's files. A detached, ready sandbox is never a leftover.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>What was found and what was done.</returns>
    public async Task<IReadOnlyList<SweptSandbox>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var report = new List<SweptSandbox>();
        foreach (var name in List())
        {
            var paths = new SandboxPaths(Home, name);
            SandboxState? state;
            try
            {
                state = await SandboxStateStore.TryReadAsync(paths, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxRuntimeException e)
            {
                report.Add(new SweptSandbox(name, "unreadable state file", false, e.Message));
                continue;
            }

            if (state is null)
            {
                continue;
            }

            var reason = LeftoverReason(paths, state);
            if (reason is null)
            {
                continue;
            }

            RuntimeLog.Sweeping(_logger, name, reason);
            try
            {
                await DownAsync(name, cancellationToken).ConfigureAwait(false);
                report.Add(new SweptSandbox(name, reason, true, null));
            }
            catch (Exception e) when (e is SandboxException or IOException or UnauthorizedAccessException)
            {
                report.Add(new SweptSandbox(name, reason, false, e.Message));
            }
        }

        report.AddRange(await Docker.DockerLeftovers.SweepAsync(Guard, SandboxPaths.IdOfHome(Home), List(), cancellationToken).ConfigureAwait(false));
        report.AddRange(await Process.PostgresLeftovers.SweepAsync(Guard, [Process.PostgresDataPlacement.MemoryRoot, Path.GetTempPath()], _time, cancellationToken).ConfigureAwait(false));
        return report;
    }

    internal static void Forget(string runFolder) => LiveHandles.TryRemove(runFolder, out _);

    internal async Task DownCoreAsync(SandboxRun run, ISandboxRuntime runtime, CancellationToken cancellationToken)
    {
        run.State.Phase = SandboxPhase.TearingDown;
        if (Directory.Exists(run.Paths.RunFolder))
        {
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }

        await runtime.DestroyAsync(run, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; Directory.Exists(run.Paths.RunFolder); attempt++)
        {
            try
            {
                // The state file goes last, so that an interrupted removal can be run again.
                foreach (var entry in Directory.EnumerateFileSystemEntries(run.Paths.RunFolder).Where(e => e != run.Paths.StateFile))
                {
                    if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
                    {
                        Directory.Delete(entry, recursive: true);
                    }
                    else
                    {
                        File.Delete(entry);
                    }
                }

                Directory.Delete(run.Paths.RunFolder, recursive: true);
            }
            catch (IOException) when (attempt < 5)
            {
                // A process that was just stopped may still be closing files in the folder.
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
            }
        }

        Forget(run.Paths.RunFolder);
        RuntimeLog.Removed(_logger, run.Paths.Name);
    }

    internal static async Task<SandboxStatus> StatusOfAsync(SandboxRun run, ISandboxRuntime runtime, CancellationToken cancellationToken)
    {
        var state = run.State;
        var vaultRunning = await runtime.IsVaultRunningAsync(run, cancellationToken).ConfigureAwait(false);
        var pgRunning = await runtime.IsPostgresRunningAsync(run, cancellationToken).ConfigureAwait(false);
        bool? initialized = null, sealedNow = null;
        var problems = new List<string>();
        var codes = new List<ExitCode>();
        Uri? address = state.Address is null ? null : new Uri(state.Address);
        if (address is not null && vaultRunning)
        {
            try
            {
                var seal = await run.VaultAt(address, StatusProbe).GetSealStatusAsync(cancellationToken).ConfigureAwait(false);
                initialized = seal.Initialized;
                sealedNow = seal.Sealed;
            }
            catch (SandboxException e)
            {
                problems.Add(e.Message);
                codes.Add(e.ExitCode);
            }
        }
        else
        {
            problems.Add(address is null ? "Vault is not running (it was never started)" : "Vault is not running");
            codes.Add(ExitCode.VaultNotRunning);
        }

        if (state.Phase == SandboxPhase.Ready && sealedNow == true)
        {
            problems.Add(initialized == false
                ? "Vault is not initialized (its storage was wiped): it cannot be unsealed with the key file"
                : "Vault is sealed; unseal it with the key file ('sandbox' faults leave it so on purpose)");
            codes.Add(ExitCode.VaultSealed);
        }

        var keyFileProblem = await KeyFileProblemAsync(run, cancellationToken).ConfigureAwait(false);
        if (keyFileProblem is not null)
        {
            problems.Add(keyFileProblem);
            codes.Add(ExitCode.KeyFileError);
        }

        if (state.Phase != SandboxPhase.Ready)
        {
            var ownerAlive = state.OwnerPid is { } pid && ProcessTable.IsSameProcess(pid, state.OwnerStartTicks);
            problems.Add(state.Phase == SandboxPhase.TearingDown
                ? "a 'down' began and did not finish; run 'sandbox down' again"
                : ownerAlive
                    ? $"'up' is still running (step {state.Step})"
                    : $"its 'up' stopped at step {state.Step} before the sandbox was ready; remove it with 'sandbox sweep'");
            codes.Add(ExitCode.RuntimeFailed);
        }

        return new SandboxStatus
        {
            Name = state.Name,
            Runtime = state.Runtime,
            Vault = state.VaultFlavor(),
            Phase = state.Phase,
            Step = state.Step,
            Address = address,
            Paths = run.Paths,
            PostgresData = state.PostgresDataDirectory,
            VaultRunning = vaultRunning,
            PostgresRunning = pgRunning,
            Initialized = initialized,
            Sealed = sealedNow,
            Problem = problems.Count == 0 ? null : string.Join("; ", problems),
            KeyFileProblem = keyFileProblem,
            ExitCode = codes.Count == 0 ? ExitCode.Ok : codes[0],
            SessionId = state.SessionId,
            CreatedAt = state.CreatedAt,
        };
    }

    /// <summary>Reads the key file once it should exist (after <see cref="UpStep.WriteKeys"/>); its problem in words, never its content.</summary>
    private static async Task<string?> KeyFileProblemAsync(SandboxRun run, CancellationToken cancellationToken)
    {
        if (run.State.Phase != SandboxPhase.Ready && run.State.Step <= UpStep.WriteKeys)
        {
            return null;
        }

        try
        {
            _ = await new SandboxKeyStore(run.Guard, "sandbox-status").ReadAsync(run.Paths.KeyFile, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (KeyFileException e)
        {
            return $"the key file is unusable ({e.Problem}): {e.Message.Split('\n')[0].Trim()}";
        }
    }

    private static string? LeftoverReason(SandboxPaths paths, SandboxState state)
    {
        var ownerAlive = state.OwnerPid is { } pid && ProcessTable.IsSameProcess(pid, state.OwnerStartTicks);
        var ownedHere = state.OwnerPid == Environment.ProcessId && ownerAlive;
        if (state.OwnerPid is not null && !ownerAlive)
        {
            return $"{state.Phase} at step {state.Step}, and its owner process {state.OwnerPid} is gone";
        }

        if (ownedHere && !LiveHandles.ContainsKey(paths.RunFolder))
        {
            return $"{state.Phase} at step {state.Step}, owned by this process but no handle holds it (an abandoned run)";
        }

        if (state.OwnerPid is null && state.Phase == SandboxPhase.TearingDown)
        {
            return "an interrupted 'down'";
        }

        return null;
    }

    private static async Task HookAsync(SandboxOptions options, UpStep step, CancellationToken cancellationToken)
    {
        if (options.StepHook is { } hook)
        {
            await hook(step, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task BeginAsync(SandboxRun run, UpStep step, CancellationToken cancellationToken)
    {
        run.State.Step = step;
        if (Directory.Exists(run.Paths.RunFolder))
        {
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }

        RuntimeLog.Step(run.Logger, run.Paths.Name, step, run.State.Runtime);
        await HookAsync(run.Options, step, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RuntimeKind> ChooseRuntimeAsync(SandboxOptions options, CancellationToken cancellationToken)
    {
        if (options.Runtime != RuntimeKind.Auto)
        {
            var preflight = await PreflightAsync(options.Runtime, options, cancellationToken).ConfigureAwait(false);
            if (!preflight.Usable)
            {
                var others = new List<RuntimeKind>();
                foreach (var other in AutoOrder.Where(k => k != options.Runtime))
                {
                    if ((await PreflightAsync(other, options, cancellationToken).ConfigureAwait(false)).Usable)
                    {
                        others.Add(other);
                    }
                }

                throw SandboxPreflightException.Failed(preflight, others);
            }

            return options.Runtime;
        }

        RuntimePreflight? last = null;
        foreach (var kind in AutoOrder)
        {
            last = await PreflightAsync(kind, options, cancellationToken).ConfigureAwait(false);
            if (last.Usable)
            {
                return kind;
            }
        }

        throw SandboxPreflightException.Failed(last!, []);
    }

    private async Task<(SandboxRun Run, ISandboxRuntime Runtime)> LoadAsync(string? name, CancellationToken cancellationToken)
    {
        var existing = List();
        if (name is null)
        {
            if (existing.Count != 1)
            {
                throw SandboxNotFoundException.Ambiguous(Home, existing);
            }

            name = existing[0];
        }

        var paths = new SandboxPaths(Home, SandboxName.Validate(name));
        var state = await SandboxStateStore.TryReadAsync(paths, cancellationToken).ConfigureAwait(false)
            ?? throw SandboxNotFoundException.Missing(name, paths.StateFile, existing);
        var runtime = RuntimeFactory(state.Runtime);
        var run = new SandboxRun(paths, state, new SandboxOptions(), Guard, _loggers.CreateLogger("Sandbox.Runtimes." + state.Runtime), _time);
        return (run, runtime);
    }

    private async Task<string> TryTeardownAsync(SandboxRun run, ISandboxRuntime runtime)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await DownCoreAsync(run, runtime, cts.Token).ConfigureAwait(false);
            return "What it had started was torn down and its run folder removed.";
        }
        catch (Exception e) when (e is SandboxException or IOException or UnauthorizedAccessException or OperationCanceledException or InvalidOperationException)
        {
            RuntimeLog.TeardownProblem(_logger, run.Paths.Name, e.Message);
            return $"The teardown did not finish ({e.Message}); run 'sandbox down --name {run.Paths.Name}' or 'sandbox sweep'.";
        }
    }
}
