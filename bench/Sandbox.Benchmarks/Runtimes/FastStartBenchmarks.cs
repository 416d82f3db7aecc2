using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness;
using Sandbox.Harness.Guard;

namespace Sandbox.Benchmarks.Runtimes;

/// <summary>
/// The "fast enough to use all day" figures, measured the way an operator meets them: <c>./sandbox</c>
/// (the CLI it builds, ReadyToRun, and runs), as a process. <see cref="Up"/> is <c>sandbox up --runtime process</c> with the topology replay
/// (PostgreSQL from the template cluster, Vault, init, key file, unseal, replay);
/// <see cref="EightUpsAtOnce"/> is eight of them started together. Every sandbox is removed in the
/// iteration cleanup (<c>down --all</c>), outside the measured time.
/// <see cref="PostgresData"/> is where the sandboxes' PostgreSQL clusters go (<c>up --postgres-data</c>):
/// on disk (the run folder) or in memory (<c>/dev/shm</c>, the default where it has room). The sandboxes
/// run the ReadyToRun composite double that <c>./sandbox</c> publishes (VaultBinaryLocator runs the
/// newest output of the double, so each iteration's setup dates the composite's assemblies now;
/// <c>VaultDoubleCompositeBenchmarks</c> compares it with the plain build).
/// Run: <c>./sandbox --help &gt;/dev/null &amp;&amp; scripts/publish-vault-double.sh &amp;&amp; dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*FastStart*'</c>.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FastStartBenchmarks : IDisposable
{
    private readonly GuardAuditLog _audit = GuardAuditLog.InMemory();
    private SandboxGuard _guard = null!;
    private string _home = string.Empty;

    /// <summary>Where PostgreSQL's data goes: <c>up --postgres-data disk</c> or <c>memory</c>.</summary>
    [Params("disk", "memory")]
    public string PostgresData { get; set; } = "memory";

    [GlobalSetup]
    public void GlobalSetup()
    {
        _guard = new SandboxGuard(Denylist.BuiltIn, _audit);
        _ = CliPaths.BuiltDll(); // fails early when ./sandbox has not built the CLI
    }

    [IterationSetup]
    public void Setup()
    {
        _home = Path.Combine(Path.GetTempPath(), "sandbox-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_home);
        CliPaths.DateDoubleOutputNow("composite");
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _ = RunAsync(["down", "--all", "--home", _home]).GetAwaiter().GetResult();
        Directory.Delete(_home, recursive: true);
    }

    /// <summary>One <c>sandbox up --runtime process</c>, replay included.</summary>
    [Benchmark(Baseline = true)]
    public async Task Up() => Check(await RunAsync(["up", "--runtime", "process", "--postgres-data", PostgresData, "--name", "one", "--home", _home, "--json"]).ConfigureAwait(false));

    /// <summary>Eight <c>sandbox up</c> processes started together (wall time until the last is up).</summary>
    [Benchmark]
    public async Task EightUpsAtOnce()
    {
        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => RunAsync(["up", "--runtime", "process", "--postgres-data", PostgresData, "--name", "p" + i, "--home", _home, "--json"]))).ConfigureAwait(false);
        foreach (var result in all)
        {
            Check(result);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _audit.Dispose();
        GC.SuppressFinalize(this);
    }

    private static void Check(BufferedCommandResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sandbox up exited {result.ExitCode}: {result.StandardError}");
        }
    }

    // The checkout's ./sandbox, as an operator runs it: its stale checks, then the CLI it execs with the
    // runtime settings it gives (the tier-up delay). The guard judges its arguments as the CLI's, where
    // 'dotnet sandbox.dll up --name …' would be judged as dotnet's own (and refused).
    private Task<BufferedCommandResult> RunAsync(string[] args) =>
        _guard.GuardCommand(Cli.Wrap(Path.Combine(CliPaths.Root(), "sandbox")).WithArguments(args).WithValidation(CommandResultValidation.None), "bench")
            .ExecuteBufferedAsync();
}

/// <summary>
/// <c>./sandbox --help</c> (the checkout's script: the stale check, then exec) against the built
/// CLI itself (<c>dotnet sandbox.dll --help</c>), both warm: the script's own cost.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class CliStartBenchmarks : IDisposable
{
    private readonly GuardAuditLog _audit = GuardAuditLog.InMemory();
    private SandboxGuard _guard = null!;
    private string _cli = string.Empty;
    private string _script = string.Empty;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _guard = new SandboxGuard(Denylist.BuiltIn, _audit);
        _cli = CliPaths.BuiltDll();
        _script = Path.Combine(CliPaths.Root(), "sandbox");
    }

    /// <summary>The built CLI.</summary>
    [Benchmark(Baseline = true)]
    public Task<CommandResult> BuiltBinary() => Run(Cli.Wrap("dotnet").WithArguments([_cli, "--help"]));

    /// <summary>The checkout's <c>./sandbox</c> script.</summary>
    [Benchmark]
    public Task<CommandResult> Script() => Run(Cli.Wrap(_script).WithArguments(["--help"]));

    /// <inheritdoc />
    public void Dispose()
    {
        _audit.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<CommandResult> Run(Command command)
    {
        var result = await _guard.GuardCommand(command.WithValidation(CommandResultValidation.None), "bench").ExecuteAsync().ConfigureAwait(false);
        return result.ExitCode == 0 ? result : throw new InvalidOperationException($"{command.TargetFilePath} --help exited {result.ExitCode}");
    }
}

/// <summary>Where the checkout and its built CLI are.</summary>
internal static class CliPaths
{
    public static string Root() =>
        new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.Select(SandboxCheckout.FindRoot).FirstOrDefault(r => r is not null)
        ?? throw new InvalidOperationException("Run the benchmarks from inside the Sandbox checkout.");

    /// <summary>Makes one output of the double the newest, so the CLI's locator runs it (fails when it is not built).</summary>
    /// <param name="output">The folder under <c>fixtures/Sandbox.VaultDouble/bin</c>: <c>composite</c> or <c>Release/net10.0</c>.</param>
    public static void DateDoubleOutputNow(string output)
    {
        var dll = VaultDouble.DoubleServerProcess.OutputDll(output);
        var now = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(dll, now);
        File.SetLastWriteTimeUtc(Path.Combine(Path.GetDirectoryName(dll)!, "Sandbox.Harness.dll"), now);
    }

    /// <summary>The CLI as <c>./sandbox</c> builds and runs it (the ReadyToRun publish in <c>harness/Sandbox.Cli/bin/cli/</c>).</summary>
    public static string BuiltDll()
    {
        var dll = Path.Combine(Root(), "harness", "Sandbox.Cli", "bin", "cli", "sandbox.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"Build the CLI first (./sandbox --help): {dll} is missing.");
    }
}
