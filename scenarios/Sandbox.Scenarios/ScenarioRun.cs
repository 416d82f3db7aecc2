using NUnit.Framework;
using Sandbox.Scenarios.Infrastructure;

// Suites whose tests mostly wait on time (lease expiry) run their tests at once, each with its own
// sandbox: three at once covers the largest such suite; every other suite is [NonParallelizable].
[assembly: LevelOfParallelism(3)]

namespace Sandbox.Scenarios;

/// <summary>
/// Owns what the whole run shares (<see cref="ScenarioEnvironment"/>): the canary "production"
/// listener on 127.0.0.2, the run's denylist that names it, the guard and the audit log.
/// </summary>
[SetUpFixture]
public sealed class ScenarioRun
{
    private long _started;

    [OneTimeSetUp]
    public void StartRun()
    {
        _started = TimeProvider.System.GetTimestamp();
        var env = ScenarioEnvironment.Start();
        TestContext.Progress.WriteLine($"scenarios: runtime={env.Runtime.ToString().ToLowerInvariant()} report={env.ReportDirectory} canary={CanaryListener.Address}:{env.Canary.Port}");
    }

    [OneTimeTearDown]
    public async Task EndRunAsync()
    {
        var env = ScenarioEnvironment.Current;
        var connections = env.Canary.Connections;
        await env.DisposeAsync();
        var elapsed = TimeProvider.System.GetElapsedTime(_started);
        await File.WriteAllTextAsync(
            Path.Combine(env.ReportDirectory, ScenarioEnvironment.RawFolder, "test-run.json"),
            $"{{\"wallMs\": {elapsed.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}}}\n");
        Assert.That(connections, Is.Zero, "the canary 'production' listener on 127.0.0.2 accepted connections during the run: the guard let something through");
    }
}
