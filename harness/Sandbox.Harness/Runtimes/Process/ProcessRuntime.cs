using System.Globalization;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// The process runtime: Vault (a vault/bao binary, or the Vault double) and PostgreSQL
/// (<see cref="PostgresServer"/>) as local processes on random 127.0.0.1 ports, everything in the
/// run folder but PostgreSQL's cluster where it lives in memory (<see cref="PostgresDataPlacement"/>).
/// Vault is started detached (its own session, output appended to <c>logs/vault.log</c>) so that a
/// sandbox made by <c>sandbox up</c> outlives the command; it is stopped by its recorded pid, only
/// while that pid's command line still names this sandbox's <c>vault.hcl</c>.
/// </summary>
internal sealed class ProcessRuntime : ISandboxRuntime
{
    private const int MaxPortAttempts = 3;

    private PostgresServer? _postgres;

    /// <inheritdoc />
    public RuntimeKind Kind => RuntimeKind.Process;

    /// <inheritdoc />
    /// <remarks>
    /// True: PostgreSQL (template copy, own password, server start) and Vault (its own process) touch
    /// disjoint state fields and files, so <c>up</c> waits for the longer of the two, not their sum.
    /// </remarks>
    public bool StartsPostgresAndVaultTogether => true;

    /// <summary>The guard that runs <c>vault version</c> during preflight; a guard on the built-in denylist when null.</summary>
    public SandboxGuard? PreflightGuard { get; init; }

    /// <summary>Test hook: where Vault's port comes from (default: a free loopback port).</summary>
    internal Func<int> PortSource { get; init; } = LoopbackPorts.Free;

    /// <summary>Test hook: where the cluster port comes from (default: a free port below the ephemeral range, not the API port).</summary>
    internal Func<int, int> ClusterPortSource { get; init; } = apiPort => LoopbackPorts.FreeReserved(apiPort);

    /// <inheritdoc />
    public async Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<string>();
        var problems = new List<PreflightProblem>();

        var vault = VaultBinaryLocator.Find(options.VaultBinary);
        if (vault.Launch is { Kind: VaultKind.Double } launch)
        {
            found.Add($"Vault: Sandbox Vault double (NOT HashiCorp Vault) at {launch.Source}");
        }
        else if (vault.Launch is { } binary)
        {
            // what the binary says it is decides, not its file name
            var from = !string.IsNullOrWhiteSpace(options.VaultBinary) ? "--vault-binary"
                : !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(VaultBinaryLocator.BinaryVariable)) ? VaultBinaryLocator.BinaryVariable
                : "PATH";
            var guard = PreflightGuard ?? new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
            var (report, problem) = await VaultVersionCheck.CheckAsync(guard, binary.Source, from, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                problems.Add(problem);
            }
            else
            {
                found.Add($"Vault: {(report!.Kind == VaultKind.OpenBao ? "OpenBao" : "HashiCorp Vault")} binary {binary.Source} ({report.Line})");
            }
        }
        else
        {
            problems.Add(vault.Problem!);
        }

        var pg = PostgresServer.FindBinaries();
        if (pg.Found)
        {
            found.Add($"PostgreSQL server binaries: {pg.BinDirectory}");
        }
        else
        {
            problems.Add(new PreflightProblem("PostgreSQL server binaries (initdb, pg_ctl, postgres)", pg.Problem ?? "not found", "apt-get install -y postgresql (Debian/Ubuntu), or put PostgreSQL's bin folder on PATH"));
        }

        if (!PostgresDataPlacement.TryRead(options, out var data, out var badSetting))
        {
            problems.Add(badSetting!);
        }
        else
        {
            var memory = MemoryProbe();
            if (PostgresDataPlacement.Refusal(data, memory) is { } refusal)
            {
                problems.Add(refusal);
            }
            else
            {
                found.Add(data.InMemory(memory)
                    ? $"PostgreSQL data: in memory ({memory.Root}: {memory.Detail}); up --postgres-data disk (or {PostgresDataPlacement.Variable}=disk) keeps it on disk"
                    : data.Mode == PostgresDataPlacement.Mode.Disk
                        ? $"PostgreSQL data: on disk (as {data.Source} asks)"
                        : $"PostgreSQL data: on disk ({memory.Root}: {memory.Detail})");
            }
        }

        if (VaultBinaryLocator.FindOnPath("kill") is null)
        {
            problems.Add(new PreflightProblem("kill", "not found on PATH", "apt-get install -y procps"));
        }

        return new RuntimePreflight(RuntimeKind.Process, found, problems);
    }

    /// <inheritdoc />
    public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Plan is { } plan)
        {
            return PlanPostgres(run, plan);
        }

        if (_postgres is null)
        {
            var folder = NewPostgresFolder(run);
            run.State.PostgresFolder = folder;
            run.State.PostgresDataDirectory = Path.Combine(folder, "data");
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            if (!IsInside(folder, run.Paths.RunFolder))
            {
                // Outside the run folder, a cluster whose home is deleted without 'down' would outlive it
                // (in /dev/shm, as memory): the owner file lets 'sweep' find and remove it.
                await PostgresLeftovers.WriteOwnerAsync(run.Guard, folder, run.Paths.StateFile, cancellationToken).ConfigureAwait(false);
            }

            _postgres = await PostgresServer.StartNewAsync(folder, removeFolderOnDispose: false, guard: run.Guard, cancellationToken: cancellationToken).ConfigureAwait(false);
            run.Guard.EnsureFileAllowed(run.Paths.PostgresPasswordFile, "sandbox-runtime");
            await WriteSecretFileAsync(run.Paths.PostgresPasswordFile, _postgres.SuperuserPassword, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _postgres.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        run.State.PostgresHost = _postgres.Host;
        run.State.PostgresPort = _postgres.Port;
        run.State.PostgresSuperuser = _postgres.SuperuserName;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresEndpoint(_postgres.Host, _postgres.Port, _postgres.SuperuserName, _postgres.SuperuserPassword);
    }

    /// <inheritdoc />
    public async Task StopPostgresAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_postgres is not null)
        {
            await _postgres.StopAsync(immediate: kill, cancellationToken).ConfigureAwait(false);
            return;
        }

        await StopPostmasterFromStateAsync(run, kill, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Task.FromResult(PostmasterPid(run) is { } pid && ProcessTable.IsOurs(pid, run.State.PostgresDataDirectory!));
    }

    /// <inheritdoc />
    public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (await IsVaultRunningAsync(run, cancellationToken).ConfigureAwait(false))
        {
            throw SandboxRuntimeException.LaunchFailed("Vault", $"sandbox '{run.Paths.Name}' already has a running Vault (pid {run.State.VaultPid}); stop it first");
        }

        // A restart runs the same Vault that first ran; the first start finds one.
        VaultLocation location;
        if (run.State.VaultSource.Length == 0)
        {
            location = VaultBinaryLocator.Find(run.Options.VaultBinary);
        }
        else if (run.State.VaultSource.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            // The double's assembly runs under dotnet; a double behind an executable (a script) runs as a binary.
            var again = VaultBinaryLocator.FindDouble();
            location = again.Launch is null ? again : new VaultLocation(again.Launch with { PrefixArguments = [run.State.VaultSource], Source = run.State.VaultSource }, null);
        }
        else
        {
            location = VaultBinaryLocator.Find(run.State.VaultSource);
        }

        // A plan shows the command even where no Vault is found yet: it names plain 'vault' then.
        var launch = location.Launch ?? (run.Plan is not null ? new VaultLaunch(VaultKind.Unknown, "vault", [], "vault") : null) ?? throw SandboxRuntimeException.LaunchFailed("Vault", $"{location.Problem!.What}: {location.Problem.Detail}; {location.Problem.HowToGet}");
        if (run.Plan is null && launch.Kind != VaultKind.Double && launch.Source != run.State.VaultSource
            && (await VaultVersionCheck.CheckAsync(run.Guard, launch.Source, "--vault-binary or SANDBOX_VAULT_BINARY", cancellationToken).ConfigureAwait(false)).Problem is { } unsuitable)
        {
            throw SandboxRuntimeException.LaunchFailed("Vault", $"{unsuitable.Detail}; {unsuitable.HowToGet}");
        }

        if (run.Plan is not null)
        {
            // A plan starts nothing, not even 'version': the kind stays what the locator knows (the double's assembly, else unknown).
            run.State.VaultKind = VaultFlavor.KindNameOf(launch.Kind);
        }
        else if (run.State.VaultKind.Length == 0 || run.State.VaultSource != launch.Source)
        {
            // The kind comes from what the binary says of itself ('version'), never from its file name.
            var (kind, _) = await VaultVersionProbe.ProbeAsync(launch, run.Guard, cancellationToken).ConfigureAwait(false);
            run.State.VaultKind = VaultFlavor.KindNameOf(kind);
        }

        run.State.VaultSource = launch.Source;
        var what = run.State.VaultFlavor().Describe();

        if (run.Plan is null)
        {
            Directory.CreateDirectory(run.Paths.LogsFolder);
            Directory.CreateDirectory(run.Paths.VaultData);
        }

        var firstStart = run.State.VaultPort is null;
        for (var attempt = 1; ; attempt++)
        {
            var port = run.State.VaultPort ?? PortSource();

            // Vault binds its cluster listener at every unseal, at the API port + 1 unless told
            // otherwise; a reserved port keeps that from failing when port + 1 belongs to someone
            // else. A restart keeps the port unless something took it while Vault was down.
            var clusterPort = run.State.VaultClusterPort is { } reserved && reserved != port && LoopbackPorts.CanBind(reserved)
                ? reserved
                : ClusterPortSource(port);
            run.State.VaultClusterPort = clusterPort;
            await WriteConfigAsync(run, port, clusterPort, cancellationToken).ConfigureAwait(false);
            var logOffset = File.Exists(run.Paths.VaultLog) ? new FileInfo(run.Paths.VaultLog).Length : 0;
            var pid = Launch(run, launch, cancellationToken);
            var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            run.State.VaultPid = pid;
            run.State.VaultCommandMarker = run.Paths.VaultConfig;
            run.State.VaultPort = port;
            run.State.Address = address.ToString().TrimEnd('/');
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            RuntimeLog.Started(run.Logger, what, pid, run.State.Address);

            try
            {
                var status = await VaultReadiness.WaitAsync(
                    run,
                    address,
                    what,
                    ct => IsVaultRunningAsync(run, ct),
                    () => LogTail(run.Guard, run.Paths.VaultLog, logOffset),
                    cancellationToken).ConfigureAwait(false);
                run.State.VaultVersion = string.IsNullOrWhiteSpace(status.Version) ? "unknown" : status.Version;
                await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
                return run.State.VaultFlavor();
            }
            catch (SandboxRuntimeException) when (firstStart && attempt < MaxPortAttempts && IsPortClash(LogTail(run.Guard, run.Paths.VaultLog, logOffset)))
            {
                RuntimeLog.PortClash(run.Logger, port, attempt);
                await StopVaultAsync(run, kill: true, cancellationToken).ConfigureAwait(false);
                run.State.VaultPort = null;
                run.State.VaultClusterPort = null;
            }
        }
    }

    /// <inheritdoc />
    public async Task StopVaultAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State.VaultPid is not { } pid || run.State.VaultCommandMarker is not { } marker)
        {
            return;
        }

        if (await ProcessTable.StopAsync(run.Guard, pid, marker, kill, "TERM", run.Options.StopTimeout, run.Time, cancellationToken).ConfigureAwait(false))
        {
            RuntimeLog.Stopped(run.Logger, pid, kill ? "SIGKILL" : "SIGTERM");
        }

        run.State.VaultPid = null;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> IsVaultRunningAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Task.FromResult(run.State.VaultPid is { } pid && run.State.VaultCommandMarker is { } marker && ProcessTable.IsOurs(pid, marker));
    }

    /// <inheritdoc />
    public async Task WipeVaultStorageAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (await IsVaultRunningAsync(run, cancellationToken).ConfigureAwait(false))
        {
            throw SandboxRuntimeException.LaunchFailed("a storage wipe", "Vault still runs; stop it first");
        }

        if (Directory.Exists(run.Paths.VaultData))
        {
            Directory.Delete(run.Paths.VaultData, recursive: true);
        }

        Directory.CreateDirectory(run.Paths.VaultData);
    }

    /// <inheritdoc />
    public Task CopyVaultStorageAsync(SandboxRun run, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var source = new DirectoryInfo(run.Paths.VaultData);
        if (!source.Exists)
        {
            throw SandboxRuntimeException.LaunchFailed("a copy of Vault's storage", $"{source.FullName} does not exist");
        }

        foreach (var file in source.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(destination, Path.GetRelativePath(source.FullName, file.FullName));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            file.CopyTo(target, overwrite: true);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task DestroyAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await StopVaultAsync(run, kill: false, cancellationToken).ConfigureAwait(false);
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
            _postgres = null;
        }

        await StopPostmasterFromStateAsync(run, immediate: false, cancellationToken).ConfigureAwait(false);

        // A killed 'up' leaves its children (initdb, pg_ctl, a Vault not yet recorded) running: stop every
        // process whose command line names this sandbox's own folders, and nothing else.
        foreach (var marker in new[] { run.Paths.RunFolder + "/", run.State.PostgresFolder }.OfType<string>())
        {
            foreach (var pid in ProcessTable.FindByMarker(marker))
            {
                await ProcessTable.StopAsync(run.Guard, pid, marker, kill: true, "KILL", TimeSpan.Zero, run.Time, cancellationToken).ConfigureAwait(false);
                RuntimeLog.Stopped(run.Logger, pid, "leftover child of an interrupted run");
            }
        }

        if (run.State.PostgresFolder is { } folder && !IsInside(folder, run.Paths.RunFolder)
            && Path.GetFileName(folder).StartsWith(PostgresDataPlacement.OutsideFolderPrefix, StringComparison.Ordinal))
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            PostgresLeftovers.DeleteOwner(folder);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The handle decides when to tear down; disposing the runtime object only drops the
        // in-memory PostgreSQL handle without stopping the server (a detached sandbox lives on).
        _postgres = null;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>What <c>/dev/shm</c> offers (<see cref="PostgresDataPlacement.Probe"/>); tests give their own.</summary>
    internal Func<PostgresDataPlacement.MemoryFolder> MemoryProbe { get; init; } = () => PostgresDataPlacement.Probe();

    /// <summary>
    /// A new sandbox's PostgreSQL cluster folder: in memory when <c>--postgres-data</c> (else <c>SANDBOX_POSTGRES_DATA</c>) and
    /// <c>/dev/shm</c> allow (<see cref="PostgresDataPlacement"/>), else <see cref="PostgresFolderFor"/>.
    /// </summary>
    private string NewPostgresFolder(SandboxRun run)
    {
        if (!PostgresDataPlacement.TryRead(run.Options, out var choice, out var problem))
        {
            throw SandboxRuntimeException.LaunchFailed("PostgreSQL", $"{problem!.What}: {problem.Detail}. Fix: {problem.HowToGet}");
        }

        return PostgresDataPlacement.FolderFor(run.Paths, choice, MemoryProbe(), PostgresFolderFor);
    }

    /// <summary>
    /// The PostgreSQL cluster folder on disk: <c>postgres/</c> in the run folder, unless this process is root
    /// and a folder above the run folder is closed to other users (such as <c>/root</c>): the tools
    /// then run as the postgres user, who could not reach it, so the cluster goes to a private temp
    /// folder recorded in the state (and removed by down/sweep).
    /// </summary>
    internal static string PostgresFolderFor(SandboxPaths paths)
    {
        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess || OthersCanTraverse(paths.RunFolder))
        {
            return paths.PostgresFolder;
        }

        return Path.Combine(Path.GetTempPath(), $"{PostgresDataPlacement.OutsideFolderPrefix}{paths.Name}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    private static bool OthersCanTraverse(string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && (dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInside(string path, string folder) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    internal static bool IsPortClash(string log) =>
        log.Contains("address already in use", StringComparison.OrdinalIgnoreCase) ||
        log.Contains("Error initializing listener", StringComparison.OrdinalIgnoreCase);

    internal static async Task WriteSecretFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        SandboxGuard.ForFiles.EnsureFileAllowed(path, "sandbox-secret-file");
        SandboxGuard.ForFiles.EnsureFileAllowed(temp, "sandbox-secret-file");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temp, options))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static int? PostmasterPid(SandboxRun run) => run.State.PostgresDataDirectory is { } data
        ? PostgresServer.ReadPostmasterPid(run.Guard, data, "sandbox-process-runtime")
        : null;

    private static async Task StopPostmasterFromStateAsync(SandboxRun run, bool immediate, CancellationToken cancellationToken)
    {
        // SIGINT is PostgreSQL's "fast" shutdown (roll back, disconnect, stop); SIGQUIT its "immediate"
        // one (every server process aborts, no checkpoint: the next start runs crash recovery, as after
        // a power cut; PostgreSQL docs, "Shutting Down the Server"); SIGKILL after the timeout.
        if (PostmasterPid(run) is { } pid && await ProcessTable.StopAsync(run.Guard, pid, run.State.PostgresDataDirectory!, kill: false, immediate ? "QUIT" : "INT", run.Options.StopTimeout, run.Time, cancellationToken).ConfigureAwait(false))
        {
            RuntimeLog.Stopped(run.Logger, pid, immediate ? "PostgreSQL immediate shutdown" : "PostgreSQL fast shutdown");
        }
    }

    private PostgresEndpoint PlanPostgres(SandboxRun run, Plan.SandboxPlan plan)
    {
        // The same arguments PostgresServer passes, with the cluster in the plan folder (which plays the
        // run folder): a real run may put it in /dev/shm under a random name instead (PostgresDataPlacement).
        var folder = PostgresFolderFor(run.Paths);
        var data = Path.Combine(folder, "data");
        var port = PortSource();
        // The cluster is a copy of the machine's template (initdb runs once per machine, into the cache);
        // its own password is set in single-user mode before it listens.
        plan.AddCommand("postgres", PostgresServer.SetPasswordArguments(data));
        plan.AddCommand("pg_ctl", PostgresServer.StartArguments(data, Path.Combine(folder, "postgres.log"), PostgresServer.DefaultReadyTimeout));
        run.State.PostgresPort = port;
        return new PostgresEndpoint("127.0.0.1", port, "postgres", run.NewSecret());
    }

    private static async Task WriteConfigAsync(SandboxRun run, int port, int clusterPort, CancellationToken cancellationToken)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        var c = clusterPort.ToString(CultureInfo.InvariantCulture);
        var hcl = $$"""
            # Written by Sandbox for sandbox '{{run.Paths.Name}}'. Loopback only, file storage, not dev mode.
            storage "file" {
              path = "{{run.Paths.VaultData}}"
            }
            listener "tcp" {
              address         = "127.0.0.1:{{p}}"
              cluster_address = "127.0.0.1:{{c}}"
              tls_disable     = true
            }
            api_addr      = "http://127.0.0.1:{{p}}"
            cluster_addr  = "https://127.0.0.1:{{c}}"
            disable_mlock = true
            ui            = false

            """;
        await run.WriteFileAsync(run.Paths.VaultConfig, hcl, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static int Launch(SandboxRun run, VaultLaunch launch, CancellationToken cancellationToken)
    {
        // No shell: the guard judges the program by its own rules and hands back its whole environment;
        // DetachedProcess starts it in its own session with its output appended to the log.
        string[] args = [.. launch.PrefixArguments, "server", "-config", run.Paths.VaultConfig];
        var environment = run.Guard.GuardDetachedLaunch(launch.FileName, args, run.Paths.VaultLog, run.Paths.RunFolder, "sandbox-process-runtime");
        if (launch.Kind == VaultKind.Double)
        {
            environment = VaultDoubleTierUp.With(environment);
        }

        if (run.Plan is { } plan)
        {
            plan.AddCommand(launch.FileName, args);
            return 0;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsLinux())
        {
            throw SandboxRuntimeException.LaunchFailed(launch.Source, "the process runtime runs on Linux only; use --runtime docker");
        }

        try
        {
            return DetachedProcess.Start(launch.FileName, args, environment, run.Paths.RunFolder, run.Paths.VaultLog);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or PlatformNotSupportedException)
        {
            throw SandboxRuntimeException.LaunchFailed(launch.Source, e.Message);
        }
    }

    private static string LogTail(SandboxGuard guard, string file, long offset)
    {
        try
        {
            using var stream = guard.OpenFile(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, "sandbox-process-runtime");
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join("\n", lines.TakeLast(15).Select(l => "  " + l));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"  (log unreadable: {e.Message})";
        }
    }
}
