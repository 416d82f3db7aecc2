using Sandbox.Harness.Runtimes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox sweep [--json]</c>: removes what crashed runs left.</summary>
internal sealed class SweepCommand : AsyncCommand<SandboxSettings>
{
    private readonly IAnsiConsole _console;

    public SweepCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, SandboxSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var manager = new SandboxManager(home: settings.Home);
        var swept = await manager.SweepAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Json)
        {
            CliOutput.WriteJson(_console, new { swept = swept.Select(s => new { name = s.Name, reason = s.Reason, removed = s.Removed, problem = s.Problem }) });
        }
        else if (swept.Count == 0)
        {
            _console.MarkupLine("Nothing to sweep: no leftovers of crashed runs.");
        }
        else
        {
            foreach (var s in swept)
            {
                _console.MarkupLine($"{(s.Removed ? "[green]removed[/]" : "[red]NOT removed[/]")} {Markup.Escape(s.Name)}: {Markup.Escape(s.Reason)}{(s.Problem is null ? string.Empty : " — " + Markup.Escape(s.Problem))}");
            }
        }

        return swept.All(s => s.Removed) ? 0 : (int)Harness.ExitCode.RuntimeFailed;
    }
}
