using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Benchmarks.Runtimes;

/// <summary>
/// The lifecycle's figures: wall time of up and down on the process runtime (with the Vault double when
/// no vault/bao binary is on PATH), and of four sandboxes brought up in parallel.
/// Run: <c>dotnet build -c Release fixtures/Sandbox.VaultDouble &amp;&amp; dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter *SandboxLifecycle*</c>.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 8)]
public class SandboxLifecycleBenchmarks : IDisposable
{
    private readonly GuardAuditLog _audit = GuardAuditLog.InMemory();
    private string _home = string.Empty;
    private SandboxManager _manager = null!;
    private List<SandboxHandle> _up = [];

    [IterationSetup]
    public void Setup()
    {
        _home = Path.Combine(Path.GetTempPath(), "sandbox-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_home);
        _manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, _audit), _home);
        _up = [];
    }

    [IterationCleanup]
    public void Cleanup()
    {
        foreach (var sandbox in _up)
        {
            sandbox.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Directory.Delete(_home, recursive: true);
    }

    /// <summary>up (process runtime): PostgreSQL + Vault + init + key file + unseal.</summary>
    [Benchmark]
    public async Task Up() => _up.Add(await _manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.Process }).ConfigureAwait(false));

    /// <summary>up then down (the difference from <see cref="Up"/> is the down time).</summary>
    [Benchmark]
    public async Task UpThenDown()
    {
        var sandbox = await _manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.Process }).ConfigureAwait(false);
        await sandbox.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Four sandboxes brought up in parallel.</summary>
    [Benchmark]
    public async Task FourInParallel()
    {
        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.Process }))).ConfigureAwait(false);
        _up.AddRange(all);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _audit.Dispose();
        GC.SuppressFinalize(this);
    }
}
