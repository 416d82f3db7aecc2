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

    [CommandOption("--vault-image <IMAGE>")]
    [Description("docker runtime: the Vault image (default: $SANDBOX_VAULT_IMAGE, else the pinned hashicorp/vault). Stand-in here: sandbox-standin/vault-double:0.1.0.")]
    public string? VaultImage { get; init; }

    [CommandOption("--postgres-image <IMAGE>")]
    [Description("docker runtime: the PostgreSQL image (default: $SANDBOX_POSTGRES_IMAGE, else postgres:15). Stand-in here: sandbox-standin/postgres:15.")]
    public string? PostgresImage { get; init; }

    [CommandOption("--parallel <N>")]
    [Description("How many independent suites run at once, each in its own dotnet test process with its own sandboxes (default: the machine's cores; 1 runs them one after another in one process).")]
    public int? Parallel { get; init; }

    /// <summary>The suites that run at once: <c>--parallel</c>, else the machine's cores.</summary>
    public int ParallelOrDefault => ParallelOrCores(Parallel);

    /// <summary><c>--parallel</c> as given, else the machine's cores (drill and rehearse).</summary>
    /// <param name="parallel">The option's value.</param>
    public static int ParallelOrCores(int? parallel) => parallel ?? Environment.ProcessorCount;

    /// <summary>The range <c>--parallel</c> accepts (drill and rehearse), or null when it is in range.</summary>
    /// <param name="parallel">The option's value.</param>
    public static ValidationResult? ValidateParallel(int? parallel) => parallel is < 1 or > 64
        ? ValidationResult.Error($"--parallel {parallel} is out of range; use a number of suites from 1 to 64 (1 runs them one after another).")
        : null;

    /// <summary>The variables that hand the chosen images to the suites' sandboxes.</summary>
    public Dictionary<string, string> ImageVariables()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (VaultImage is not null)
        {
            variables[Sandbox.Harness.Runtimes.Docker.DockerRuntime.VaultImageVariable] = VaultImage;
        }

        if (PostgresImage is not null)
        {
            variables[Sandbox.Harness.Runtimes.Docker.DockerRuntime.PostgresImageVariable] = PostgresImage;
        }

        return variables;
    }

    public override ValidationResult Validate()
    {
        if (!Runtimes.Contains(Runtime, StringComparer.Ordinal))
        {
            return ValidationResult.Error($"--runtime '{Runtime}' is not a runtime. Use one of: {string.Join(", ", Runtimes)}.");
        }

        if (ValidateParallel(Parallel) is { } outOfRange)
        {
            return outOfRange;
        }

        foreach (var (name, value) in new[] { ("--report", Report), ("--denylist", Denylist), ("--vault-image", VaultImage), ("--postgres-image", PostgresImage) })
        {
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value == "__default_command"))
            {
                return ValidationResult.Error($"{name} needs a value.");
            }
        }

        return ValidationResult.Success();
    }
}
