using NUnit.Framework;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// Base of the fixtures that drive the CLI against a home folder of their own: each test gets a fresh
/// folder under the temp directory, and after it <c>down --all</c> removes whatever it left running
/// before the folder is deleted.
/// </summary>
/// <param name="prefix">The start of the folder's name, so a leftover folder says which fixture made it.</param>
public abstract class CliHomeFixture(string prefix)
{
    /// <summary>The test's home folder (passed as <c>--home</c>).</summary>
    protected string Home { get; private set; } = null!;

    [SetUp]
    public void CreateHome()
    {
        Home = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Home);
    }

    [TearDown]
    public async Task RemoveHomeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await CliRunner.RunAsync(cts.Token, "down", "--all", "--home", Home);
        Directory.Delete(Home, recursive: true);
    }
}
