using System.ComponentModel;
using Sandbox.Harness.Runtimes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox down [--name NAME | --all]</c>.</summary>
internal sealed class DownCommand : AsyncCommand<DownCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public DownCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : SandboxSettings
    {
        [CommandOption("--name <NAME>")]
        [Description("The sandbox to remove. Default: the only one there is.")]
        public string? Name { get; init; }

        [CommandOption("--all")]
        [Description("Remove every sandbox under the home.")]
        public bool All { get; init; }

        public override ValidationResult Validate()
        {
            if (Missing(Name) || Missing(Home))
            {
                return ValidationResult.Error("--name needs a NAME and --home a DIR.");
            }

            return All && Name is not null ? ValidationResult.Error("give --name NAME or --all, not both.") : ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var manager = new SandboxManager(home: settings.Home);
        IReadOnlyList<string> removed;
        if (settings.All)
        {
            removed = await manager.DownAllAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var name = settings.Name;
            if (name is null)
            {
                var existing = manager.List();
                name = existing.Count switch
                {
                    0 => null,
                    1 => existing[0],
                    _ => throw SandboxNotFoundException.Ambiguous(manager.Home, existing),
                };
            }

            // Idempotent: a sandbox that is already gone is nothing to remove, not an error.
            removed = name is not null && await manager.DownAsync(name, cancellationToken).ConfigureAwait(false) ? [name] : [];
        }

        if (settings.Json)
        {
            CliOutput.WriteJson(_console, new { removed });
        }
        else
        {
            _console.MarkupLine(removed.Count == 0
                ? settings.Name is null ? "Nothing to remove: there is no sandbox here." : $"Nothing to remove: there is no sandbox named '{Markup.Escape(settings.Name)}'."
                : $"Removed: {Markup.Escape(string.Join(", ", removed))}");
        }

        return 0;
    }
}
