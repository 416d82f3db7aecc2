using System.ComponentModel;
using Sandbox.Harness.Runtimes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox status [--name NAME] [--json]</c>.</summary>
internal sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public StatusCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : SandboxSettings
    {
        [CommandOption("--name <NAME>")]
        [Description("The sandbox. Default: the only one there is.")]
        public string? Name { get; init; }

        public override ValidationResult Validate() =>
            Missing(Name) || Missing(Home) ? ValidationResult.Error("--name needs a NAME and --home a DIR.") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var manager = new SandboxManager(home: settings.Home);
        var status = await manager.StatusAsync(settings.Name, cancellationToken).ConfigureAwait(false);
        if (settings.Json)
        {
            CliOutput.WriteJson(_console, CliOutput.Describe(status, withState: true));
        }
        else
        {
            CliOutput.WriteText(_console, status, withState: true);
        }

        // Not usable (Vault down, sealed, key file unusable, an unfinished up) is a named non-zero code.
        return (int)status.ExitCode;
    }
}
