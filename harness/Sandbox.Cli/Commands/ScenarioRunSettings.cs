using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary>The options drill and chaos share.</summary>
internal class ScenarioRunSettings : CommandSettings
{
    private static readonly string[] Runtimes = ["process", "docker", "k3d", "auto"];

    [CommandOption("--runtime <RUNTIME>")]
    [Description("process (the default), docker, k3d or auto.")]
    public string Runtime { get; init; } = "process";

    [CommandOption("--report <DIR>")]
    [Description("The report folder. Default: .sandbox-reports/<command>-<time> in the checkout.")]
    public string? Report { get; init; }

    [CommandOption("--denylist <FILE>")]
    [Description("A denylist YAML file that adds to the built-in one. Default: $SANDBOX_DENYLIST, else only the built-in production denylist.")]
    public string? Denylist { get; init; }

    public override ValidationResult Validate()
    {
        if (!Runtimes.Contains(Runtime, StringComparer.Ordinal))
        {
            return ValidationResult.Error($"--runtime '{Runtime}' is not a runtime. Use one of: {string.Join(", ", Runtimes)}.");
        }

        foreach (var (name, value) in new[] { ("--report", Report), ("--denylist", Denylist) })
        {
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value == "__default_command"))
            {
                return ValidationResult.Error($"{name} needs a value.");
            }
        }

        return ValidationResult.Success();
    }
}
