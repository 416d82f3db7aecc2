using System.ComponentModel;
using Sandbox.Cli.Drills;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox drill [SUITE] [--runtime R] [--vault-image IMAGE] [--postgres-image IMAGE] [--report DIR] [--denylist FILE]</c>: runs the scenario suites.</summary>
internal sealed class DrillCommand : AsyncCommand<DrillCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public DrillCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : ScenarioRunSettings
    {
        [CommandArgument(0, "[SUITE]")]
        [Description("sealed-restart, lease-expiry, lost-key, broken-unseal, name-parity, denylist or all (the default).")]
        public string Suite { get; init; } = "all";

        public override ValidationResult Validate()
        {
            if (Suite != "all" && !DrillSuites.Categories.ContainsKey(Suite))
            {
                return ValidationResult.Error($"'{Suite}' is not a drill. Use one of: {DrillSuites.Known}.");
            }

            return base.Validate();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var request = new ScenarioRunRequest("drill " + settings.Suite, DrillSuites.FilterFor(settings.Suite), settings.Runtime, settings.Report, settings.Denylist)
        {
            Variables = settings.ImageVariables(),
            Suites = settings.Suite == "all" ? [.. DrillSuites.Categories.Values] : [DrillSuites.Categories[settings.Suite]],
            Parallel = settings.ParallelOrDefault,
        };
        return new ScenarioRunner(_console).RunAsync(request, cancellationToken);
    }
}
