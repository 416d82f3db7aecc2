extern alias sandboxcli;

using sandboxcli::Sandbox.Cli;
using Spectre.Console;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>Runs the <c>sandbox</c> command app in-process and captures its output and exit code.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;

        var code = await SandboxApp.RunAsync(args, console, error, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
