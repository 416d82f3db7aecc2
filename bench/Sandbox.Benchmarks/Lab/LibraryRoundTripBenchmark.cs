using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Sandbox.Harness.Lab;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Benchmarks.Lab;

/// <summary>
/// A user's smallest test on the library: start one sandbox (process runtime, no replay), write and
/// read a secret, dispose it. Target: ≤ 2 s.
/// Run: <c>dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter *LibraryRoundTrip*</c>.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 8)]
public class LibraryRoundTripBenchmark
{
    private string _home = string.Empty;

    [IterationSetup]
    public void Setup()
    {
        _home = Path.Combine(Path.GetTempPath(), "sandbox-bench-lib-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_home);
    }

    [IterationCleanup]
    public void Cleanup() => Directory.Delete(_home, recursive: true);

    /// <summary>Start, enable kv v2, write, read, dispose.</summary>
    [Benchmark]
    public async Task<string?> StartWriteReadDispose()
    {
        var lab = await new VaultSandboxBuilder().WithRuntime(RuntimeKind.Process).WithoutReplay()
            .WithHome(_home).WithReportDirectory(Path.Combine(_home, "report")).StartAsync().ConfigureAwait(false);
        await using (lab.ConfigureAwait(false))
        {
            await lab.Root.EnableSecretsEngineAsync("kvv2", MountRequest.KvV2()).ConfigureAwait(false);
            await lab.Root.KvV2WriteAsync("kvv2", "webapp/config", new JsonObject { ["LOG_LEVEL"] = "debug" }).ConfigureAwait(false);
            var read = await lab.Root.KvV2ReadAsync("kvv2", "webapp/config").ConfigureAwait(false);
            return read?.Data?["LOG_LEVEL"]?.GetValue<string>();
        }
    }
}
