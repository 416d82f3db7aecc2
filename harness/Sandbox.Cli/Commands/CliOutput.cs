using System.Text.Encodings.Web;
using System.Text.Json;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Spectre.Console;

namespace Sandbox.Cli.Commands;

/// <summary>How the lifecycle verbs print a sandbox: JSON objects and text lines that always name the Vault that ran.</summary>
internal static class CliOutput
{
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static void WriteJson(IAnsiConsole console, object value) =>
        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A plain console on stderr: progress that must not mix with JSON on stdout.</summary>
    public static IAnsiConsole StderrConsole { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static string RuntimeName(RuntimeKind kind) => kind.ToString().ToLowerInvariant();

    public static Dictionary<string, object?> Describe(SandboxStatus status, bool withState)
    {
        var result = new Dictionary<string, object?>
        {
            ["name"] = status.Name,
            ["runtime"] = RuntimeName(status.Runtime),
            ["vault"] = VaultJson(status.Vault),
            ["address"] = status.Address?.ToString().TrimEnd('/'),
            ["keyFile"] = status.Paths.KeyFile,
            ["rootTokenFile"] = status.Paths.RootTokenFile,
            ["runFolder"] = status.Paths.RunFolder,
            ["kubeconfig"] = status.Runtime == RuntimeKind.K3d ? status.Paths.Kubeconfig : null,
            ["postgresData"] = status.PostgresData,
            ["postgresDataInMemory"] = status.PostgresData is null ? null : PostgresDataPlacement.IsInMemory(status.PostgresData),
        };
        if (withState)
        {
            result["phase"] = status.Phase.ToString();
            result["initialized"] = status.Initialized;
            result["sealed"] = status.Sealed;
            result["vaultRunning"] = status.VaultRunning;
            result["postgresRunning"] = status.PostgresRunning;
            result["problem"] = status.Problem;
            result["keyFileProblem"] = status.KeyFileProblem;
            result["exitCode"] = (int)status.ExitCode;
            result["sessionId"] = status.SessionId;
        }

        return result;
    }

    public static Dictionary<string, object?> VaultJson(VaultFlavor vault) => new()
    {
        ["kind"] = vault.KindName,
        ["version"] = vault.Version,
        ["source"] = vault.Source,
        ["description"] = vault.Describe(),
    };

    public static void WriteText(IAnsiConsole console, SandboxStatus status, bool withState)
    {
        console.MarkupLine($"Sandbox [bold]{Markup.Escape(status.Name)}[/] on the [bold]{RuntimeName(status.Runtime)}[/] runtime");
        var vault = status.Vault.Kind == VaultKind.Double ? $"[yellow]{Markup.Escape(status.Vault.Describe())}[/]" : Markup.Escape(status.Vault.Describe());
        console.MarkupLine($"  Vault:        {vault}");
        console.MarkupLine($"  address:      {Markup.Escape(status.Address?.ToString().TrimEnd('/') ?? "(not started)")}");
        console.MarkupLine($"  key file:     {Markup.Escape(status.Paths.KeyFile)}");
        console.MarkupLine($"  token file:   {Markup.Escape(status.Paths.RootTokenFile)}");
        console.MarkupLine($"  run folder:   {Markup.Escape(status.Paths.RunFolder)}");
        if (status.Runtime == RuntimeKind.K3d)
        {
            console.MarkupLine($"  kubeconfig:   {Markup.Escape(status.Paths.Kubeconfig)}");
        }

        if (status.PostgresData is { } data)
        {
            console.MarkupLine($"  pg data:      {Markup.Escape(data)}{(PostgresDataPlacement.IsInMemory(data) ? " (in memory: gone after a reboot)" : "")}");
        }

        if (withState)
        {
            console.MarkupLine($"  phase:        {status.Phase}");
            console.MarkupLine($"  initialized:  {Text(status.Initialized)}");
            console.MarkupLine($"  sealed:       {Text(status.Sealed)}");
            console.MarkupLine($"  processes:    Vault {(status.VaultRunning ? "running" : "not running")}, PostgreSQL {(status.PostgresRunning ? "running" : "not running")}");
            if (status.Problem is not null)
            {
                console.MarkupLine($"  problem:      {Markup.Escape(status.Problem)}");
            }
        }
    }

    private static string Text(bool? value) => value switch { true => "yes", false => "no", null => "unknown" };
}
