using NUnit.Framework;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// A suite whose shared sandbox carries production's names and one app's world
/// (<see cref="AppWorld"/>): prepared once the suite's sandbox is ready, disposed after the suite.
/// </summary>
public abstract class AppWorldSuite : ScenarioSuite
{
    /// <summary>The app's world in the suite's sandbox.</summary>
    private protected AppWorld App { get; private set; } = null!;

    /// <inheritdoc />
    private protected override async Task OnSuiteSandboxReadyAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        App = await AppWorld.PrepareAsync(sandbox, cancellationToken);

    /// <summary>Releases the app's world (its TokenReview stand-in, its issuer).</summary>
    [OneTimeTearDown]
    public async Task DisposeAppAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
