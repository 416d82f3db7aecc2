using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Tofu;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary>
/// <c>sandbox topology import --tofu DIR --out FILE [--var NAME=VALUE]... [--var-file FILE]... [--denylist FILE] [--json]</c>:
/// production's names from the OpenTofu code that configures production.
/// </summary>
internal sealed class TopologyImportCommand : Command<TopologyImportCommand.Settings>
{
    private const string Caller = "sandbox topology import";
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IAnsiConsole _console;

    public TopologyImportCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--tofu <DIR>")]
        [Description("The folder of the OpenTofu root module (its .tf files; local modules it calls are read too). Required.")]
        public string? Tofu { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("The topology file to write; its policy files go to <name>-policies/ beside it. Required.")]
        public string? Out { get; init; }

        [CommandOption("--var <NAME=VALUE>")]
        [Description("A root module variable, as tofu's -var. Repeatable.")]
        public string[] Vars { get; init; } = [];

        [CommandOption("--var-file <FILE>")]
        [Description("A .tfvars file, read after terraform.tfvars and *.auto.tfvars. Repeatable.")]
        public string[] VarFiles { get; init; } = [];

        [CommandOption("--denylist <FILE>")]
        [Description("A denylist YAML file that adds to the built-in one. Default: $SANDBOX_DENYLIST, else only the built-in production denylist.")]
        public string? Denylist { get; init; }

        [CommandOption("--json")]
        [Description("Print one JSON object instead of text.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            foreach (var (value, option) in new[] { (Tofu, "--tofu DIR"), (Out, "--out FILE"), (Denylist, "--denylist FILE") })
            {
                if (value is not null && (string.IsNullOrWhiteSpace(value) || value == "__default_command"))
                {
                    return ValidationResult.Error($"{option.Split(' ')[0]} needs a value: sandbox topology import {option}");
                }
            }

            if (Tofu is null || Out is null)
            {
                return ValidationResult.Error("give both --tofu DIR (the OpenTofu root module) and --out FILE (the topology to write)");
            }

            return TofuVars.Parse(Vars, out _) is { } error ? ValidationResult.Error(error) : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var denylist = Denylist.Resolve(settings.Denylist);
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(denylist, audit);
        _ = TofuVars.Parse(settings.Vars, out var vars);
        var result = TofuImporter.Import(settings.Tofu!, guard, new TofuImportOptions { Vars = vars, VarFiles = settings.VarFiles, Caller = Caller });
        var written = result.WriteTo(settings.Out!, guard, Caller);
        if (settings.Json)
        {
            _console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
            {
                command = "topology import",
                tofu = result.Directory,
                written,
                apps = result.Apps,
                files = result.FileCount,
                resources = result.ResourceCount,
                secretsNotRead = result.SecretsNotRead,
                endpointsNotImported = result.EndpointsNotImported,
                unknownResourceTypes = result.UnknownResourceTypes,
                leftOut = result.Notes,
            }, JsonOptions));
        }
        else
        {
            _console.Profile.Out.Writer.Write(result.Describe());
            _console.Profile.Out.Writer.WriteLine($"wrote {written[0]} and {written.Count - 1} policy file{(written.Count == 2 ? "" : "s")}; replay it with: sandbox replay --topology {written[0]}");
        }

        return 0;
    }
}
