using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox guard check TARGET [--denylist FILE] [--json]</c>.</summary>
internal sealed class GuardCheckCommand : Command<GuardCheckCommand.Settings>
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IAnsiConsole _console;

    public GuardCheckCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<TARGET>")]
        [Description("A URL, host, IP address, host:port, context:NAME or file:PATH.")]
        public string Target { get; init; } = string.Empty;

        [CommandOption("--denylist <FILE>")]
        [Description("A denylist YAML file that adds to the built-in one. Default: $SANDBOX_DENYLIST, else only the built-in production denylist.")]
        public string? Denylist { get; init; }

        [CommandOption("--json")]
        [Description("Print one JSON object instead of text.")]
        public bool Json { get; init; }

        // Spectre.Console.Cli 0.57 fills a trailing value-less option with its internal
        // "__default_command" token instead of failing; treat that as the missing value it is.
        public override ValidationResult Validate() =>
            Denylist is not null && (string.IsNullOrWhiteSpace(Denylist) || Denylist == "__default_command")
                ? ValidationResult.Error("--denylist needs a FILE: sandbox guard check TARGET --denylist FILE")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var denylist = Harness.Guard.Denylist.Resolve(settings.Denylist);
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(denylist, audit);
        var decision = guard.CheckTarget(settings.Target, "sandbox guard check");

        if (settings.Json)
        {
            var json = JsonSerializer.Serialize(new
            {
                target = decision.Target,
                allowed = decision.Allowed,
                verdict = decision.Allowed ? "allowed" : "blocked",
                rule = decision.Rule,
                detail = decision.Detail,
                denylist = denylist.Source,
            }, JsonOptions);

            // Straight to the output writer: Spectre's renderer would wrap a long line.
            _console.Profile.Out.Writer.WriteLine(json);
        }
        else
        {
            var verdict = decision.Allowed ? "[green]ALLOWED[/]" : "[red]BLOCKED[/]";
            _console.MarkupLine($"{verdict} {Markup.Escape(decision.Target)}");
            _console.MarkupLine($"  rule:     {Markup.Escape(decision.Rule)}");
            _console.MarkupLine($"  why:      {Markup.Escape(decision.Detail)}");
            _console.MarkupLine($"  denylist: {Markup.Escape(denylist.Source)}");
        }

        return (int)(decision.Allowed ? ExitCode.Ok : ExitCode.GuardBlocked);
    }
}
