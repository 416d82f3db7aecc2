extern alias sandboxcli;

using NUnit.Framework;
using sandboxcli::Sandbox.Cli.Commands;
using Spectre.Console;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// A fresh clone has no built Vault double: the CLI builds it with progress instead of failing preflight.
/// A fake <c>dotnet</c> records its arguments and writes the assembly, as a build would.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VaultDoubleBuildTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("sandbox-fresh-clone-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "fixtures", "Sandbox.VaultDouble"));
        File.WriteAllText(Path.Combine(_root, "Sandbox.sln"), string.Empty);
        File.WriteAllText(Path.Combine(_root, VaultDoubleBuild.ProjectPath), "<Project />");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task Build_OnAFreshClone_RunsDotnetBuildOfTheDouble_AndPrintsProgress(CancellationToken cancellationToken)
    {
        var args = Path.Combine(_root, "args.txt");
        var dll = Path.Combine(_root, "fixtures", "Sandbox.VaultDouble", "bin", "Release", "net10.0", "Sandbox.VaultDouble.dll");
        var dotnet = await FakeDotnetAsync($"""
            echo "$@" > '{args}'
            echo "  Sandbox.Harness -> /x/Sandbox.Harness.dll"
            mkdir -p '{Path.GetDirectoryName(dll)}' && : > '{dll}'
            echo "  Sandbox.VaultDouble -> {dll}"
            exit 0
            """, cancellationToken);
        using var output = new StringWriter();

        var built = await VaultDoubleBuild.BuildAsync(PlainConsole(output), _root, dotnet, cancellationToken);

        var text = output.ToString();
        Assert.Multiple(() =>
        {
            Assert.That(built, Is.True);
            Assert.That(File.ReadAllText(args), Does.StartWith("build " + Path.Combine(_root, VaultDoubleBuild.ProjectPath) + " -c Release"));
            Assert.That(text, Does.Contain("The Vault double is not built yet; building it now"));
            Assert.That(text, Does.Contain("built Sandbox.Harness").And.Contain("built Sandbox.VaultDouble"), "a line per project built");
            Assert.That(text, Does.Contain("Built the Vault double in"));
            Assert.That(File.Exists(dll), Is.True);
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Build_ThatFails_IsPreflightFailed_WithTheBuildsLastLines(CancellationToken cancellationToken)
    {
        var dotnet = await FakeDotnetAsync("""
            echo "Program.cs(3,1): error CS1002: ; expected"
            exit 1
            """, cancellationToken);
        using var output = new StringWriter();

        var e = Assert.ThrowsAsync<SandboxPreflightBuildException>(() => VaultDoubleBuild.BuildAsync(PlainConsole(output), _root, dotnet, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(e.Message, Does.Contain("error CS1002").And.Contain("exited 1"));
        });
    }

    private async Task<string> FakeDotnetAsync(string body, CancellationToken cancellationToken)
    {
        // Named dotnet, as the real one is: the guard judges a child by its program's name, so a fake
        // under another name would slip past the dotnet argument grammar the real build must pass.
        var folder = Directory.CreateDirectory(Path.Combine(_root, "fake-bin")).FullName;
        var path = Path.Combine(folder, "dotnet");
        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + body + "\n", cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static IAnsiConsole PlainConsole(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        return console;
    }
}
