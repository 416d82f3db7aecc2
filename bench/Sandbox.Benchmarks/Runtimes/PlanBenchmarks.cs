using BenchmarkDotNet.Attributes;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Plan;
using Sandbox.Harness.Topology;

namespace Sandbox.Benchmarks.Runtimes;

/// <summary>
/// <c>sandbox up --runtime k3d --plan DIR</c> (target ≤ 1 s): <see cref="PlanK3dInProcess"/> is the
/// planner call the CLI makes (the runtime's own up code in plan mode, the replay recorded against
/// the empty-Vault stand-in, every file and <c>plan.json</c> written) with the fixture topology;
/// <see cref="PlanK3dCliProcess"/> is the built CLI as a process (its apphost, through the guard),
/// start-up and topology load included. The plan folder is overwritten by each call, as the CLI
/// allows for a previous plan. Run (the job comes from the command line):
/// <c>./sandbox --help &gt;/dev/null &amp;&amp; dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*PlanBenchmarks*' --inProcess --strategy Monitoring --launchCount 1 --warmupCount 2 --iterationCount 10</c>.
/// </summary>
public class PlanBenchmarks : IDisposable
{
    private readonly GuardAuditLog _audit = GuardAuditLog.InMemory();
    private SandboxGuard _guard = null!;
    private SandboxManager _manager = null!;
    private TopologySpec _topology = null!;
    private string _root = string.Empty;
    private string _cli = string.Empty;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _guard = new SandboxGuard(Denylist.BuiltIn, _audit);
        _root = Path.Combine(Path.GetTempPath(), "sandbox-bench-plan-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
        _manager = new SandboxManager(_guard, Path.Combine(_root, "home"));
        _topology = TopologyLoader.Load(Path.Combine(CliPaths.Root(), "fixtures", "topology.yaml"));
        _cli = Path.Combine(Path.GetDirectoryName(CliPaths.BuiltDll())!, "sandbox");
    }

    [GlobalCleanup]
    public void GlobalCleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>The planner call of <c>up --runtime k3d --plan DIR</c>, in this process.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> PlanK3dInProcess()
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab" }, Path.Combine(_root, "plan-in-process"), _topology).ConfigureAwait(false);
        return plan.Commands.Count;
    }

    /// <summary>The built CLI: <c>sandbox up --runtime k3d --name lab --plan DIR</c>.</summary>
    [Benchmark]
    public async Task<int> PlanK3dCliProcess()
    {
        var result = await _guard.GuardCommand(
                Cli.Wrap(_cli).WithArguments(["up", "--runtime", "k3d", "--name", "lab", "--home", Path.Combine(_root, "home"), "--plan", Path.Combine(_root, "plan-cli")])
                    .WithValidation(CommandResultValidation.None),
                "bench")
            .ExecuteBufferedAsync().ConfigureAwait(false);
        return result.ExitCode == 0 ? result.ExitCode : throw new InvalidOperationException($"sandbox up --plan exited {result.ExitCode}: {result.StandardError}");
    }

    /// <summary>The built CLI's <c>--help</c>: its start-up alone, to read the plan's own share of the figure above.</summary>
    [Benchmark]
    public async Task<int> CliHelpProcess()
    {
        var result = await _guard.GuardCommand(Cli.Wrap(_cli).WithArguments(["--help"]).WithValidation(CommandResultValidation.None), "bench")
            .ExecuteBufferedAsync().ConfigureAwait(false);
        return result.ExitCode == 0 ? result.ExitCode : throw new InvalidOperationException($"sandbox --help exited {result.ExitCode}: {result.StandardError}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _audit.Dispose();
        GC.SuppressFinalize(this);
    }
}
