using System.ComponentModel;
using System.Globalization;
using Sandbox.Cli.Drills;
using Sandbox.Harness.Faults;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox chaos --seed N --rounds K [--report DIR]</c>: a seeded sequence of faults with steady-state checks between them.</summary>
internal sealed class ChaosCommand : AsyncCommand<ChaosCommand.Settings>
{
    /// <summary>The variable the chaos suite reads its seed from.</summary>
    public const string SeedVariable = "SANDBOX_CHAOS_SEED";

    /// <summary>The variable the chaos suite reads its round count from.</summary>
    public const string RoundsVariable = "SANDBOX_CHAOS_ROUNDS";

    private readonly IAnsiConsole _console;

    public ChaosCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : ScenarioRunSettings
    {
        [CommandOption("--seed <N>")]
        [Description("The seed; the same seed replays the same sequence. Default 1.")]
        public int Seed { get; init; } = 1;

        [CommandOption("--rounds <K>")]
        [Description("How many rounds. Default 3.")]
        public int Rounds { get; init; } = 3;

        public override ValidationResult Validate() =>
            Rounds is < 1 or > ChaosPlan.MaxRounds
                ? ValidationResult.Error($"--rounds must be between 1 and {ChaosPlan.MaxRounds}.")
                : base.Validate();
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var plan = ChaosPlan.Create(settings.Seed, settings.Rounds);
        var printed = plan.Describe();
        _console.WriteLine(printed.TrimEnd());
        _console.MarkupLine("[grey]Only non-destructive faults are drawn; the destructive ones (corrupt-key-file, delete-key-file, wipe-storage) are rehearsed by 'sandbox drill lost-key' and 'sandbox drill broken-unseal'.[/]");

        var request = new ScenarioRunRequest("chaos", $"TestCategory={DrillSuites.ChaosCategory}", settings.Runtime, settings.Report, settings.Denylist)
        {
            Seed = settings.Seed,
            ChaosPlan = printed,
            Variables = new Dictionary<string, string>(settings.ImageVariables(), StringComparer.Ordinal)
            {
                [SeedVariable] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                [RoundsVariable] = settings.Rounds.ToString(CultureInfo.InvariantCulture),
            },
        };
        return new ScenarioRunner(_console).RunAsync(request, cancellationToken);
    }
}
