using System.ComponentModel;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary>Options every lifecycle verb shares.</summary>
internal class SandboxSettings : CommandSettings
{
    [CommandOption("--home <DIR>")]
    [Description("The folder holding .sandbox/. Default: $SANDBOX_HOME, else the current directory.")]
    public string? Home { get; init; }

    [CommandOption("--json")]
    [Description("Print one JSON object instead of text.")]
    public bool Json { get; init; }

    // Spectre.Console.Cli 0.57 fills a trailing value-less option with its internal token.
    protected static bool Missing(string? value) => value is not null && (string.IsNullOrWhiteSpace(value) || value == "__default_command");
}
