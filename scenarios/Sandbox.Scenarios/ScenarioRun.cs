using NUnit.Framework;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios;

/// <summary>
/// Owns what the whole run shares (<see cref="ScenarioEnvironment"/>): the canary "production"
/// listener on 127.0.0.2, the run's denylist that names it, the guard and the audit log.
/// </summary>
[SetUpFixture]
public sealed class ScenarioRun
{
    [OneTimeSetUp]
    public void StartRun()
    {
        var env = ScenarioEnvironment.Start();
        TestContext.Progress.WriteLine($"scenarios: runtime={env.Runtime.ToString().ToLowerInvariant()} report={env.ReportDirectory} canary={CanaryListener.Address}:{env.Canary.Port}");
    }

    [OneTimeTearDown]
    public async Task EndRunAsync()
    {
        var env = ScenarioEnvironment.Current;
        var connections = env.Canary.Connections;
        await env.DisposeAsync();
        Assert.That(connections, Is.Zero, "the canary 'production' listener on 127.0.0.2 accepted connections during the run: the guard let something through");
    }
}
