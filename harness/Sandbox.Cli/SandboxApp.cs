using Sandbox.Cli.Commands;
using Sandbox.Harness;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli;

/// <summary>
/// The <c>sandbox</c> command: its verbs and the mapping of every failure to a named exit code.
/// To add a verb, write <c>Commands/&lt;Name&gt;Command.cs</c> and register it in <see cref="AddCommands"/>.
/// </summary>
internal static class SandboxApp
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken = default)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("sandbox");
            config.ConfigureConsole(console);
            config.CancellationExitCode((int)ExitCode.Cancelled);
            config.UseStrictParsing();
            config.SetExceptionHandler((exception, _) => HandleException(exception, error));
            AddCommands(config);
        });

        return await app.RunAsync(args, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every verb of the CLI. Keep one line (or one branch) per verb.</summary>
    internal static void AddCommands(IConfigurator config)
    {
        config.AddCommand<DoctorCommand>("doctor")
            .WithDescription("Which runtimes (process, docker, k3d) this machine can run; for the others, what is missing and how to get it. Exit 0 when at least one is usable.");
        config.AddCommand<UpCommand>("up")
            .WithDescription("Create a sandbox: PostgreSQL and Vault, initialized (1 share, threshold 1 by default), key file written, unsealed.")
            .WithExample("up", "--runtime", "process", "--name", "lab-1", "--json");
        config.AddCommand<StatusCommand>("status")
            .WithDescription("Show a sandbox: runtime, which Vault, address, files, initialized, sealed.");
        config.AddCommand<DownCommand>("down")
            .WithDescription("Remove a sandbox (--name) or every sandbox (--all): processes, containers, volumes, clusters, run folder. Safe to run again.");
        config.AddCommand<SweepCommand>("sweep")
            .WithDescription("Remove what crashed runs left (found by their state files, session labels and recorded pids).");
        config.AddBranch("guard", guard =>
        {
            guard.SetDescription("The production guard: what Sandbox may reach, open or name.");
            guard.AddCommand<GuardCheckCommand>("check")
                .WithDescription("Check a URL, host, IP address, context:NAME or file:PATH against the guard. Exit 0 when allowed, 3 when blocked.")
                .WithExample("guard", "check", "https://vault.arcodange.lab/v1/sys/health")
                .WithExample("guard", "check", "context:arcodange", "--json");
        });
        config.AddCommand<DrillCommand>("drill")
            .WithDescription("Run the scenario suites (the same NUnit code as CI) against a throw-away sandbox, with live progress and an evidence pack.")
            .WithExample("drill", "all")
            .WithExample("drill", "sealed-restart", "--report", "./report");
        config.AddCommand<ChaosCommand>("chaos")
            .WithDescription("Run a seeded sequence of faults with steady-state checks between them; the same seed replays the same sequence.")
            .WithExample("chaos", "--seed", "42", "--rounds", "5");
        config.AddCommand<RehearseCommand>("rehearse")
            .WithDescription("Rehearse a risky change (topology overlay, policy files, Vault version, Helm values) in place on a sandbox: GO (exit 0) or NO-GO (exit 12).")
            .WithExample("rehearse", "--change", "fixtures/changes/widen-webapp.yaml");
        config.AddBranch("topology", topology =>
        {
            topology.SetDescription("Production's names as a topology file.");
            topology.AddCommand<TopologyImportCommand>("import")
                .WithDescription("Write a topology (and its policy files) from the OpenTofu code that configures production: read statically, no tofu binary, no network, no secret. Exit 4 on invalid code.")
                .WithExample("topology", "import", "--tofu", "fixtures/tofu/vault", "--out", "lab.yaml");
        });
        config.AddCommand<ReplayCommand>("replay")
            .WithDescription("Apply the topology's names to a running sandbox Vault (only what differs), or compare them with --check (exit 13 on drift).")
            .WithExample("replay", "--name", "demo")
            .WithExample("replay", "--check", "--address", "http://127.0.0.1:8200", "--token-file", ".sandbox/demo/root-token");
    }

    /// <summary>Maps an exception to its exit code and prints a message without a stack trace.</summary>
    internal static int HandleException(Exception exception, TextWriter error)
    {
        var (code, message) = exception switch
        {
            SandboxException sandbox => (sandbox.ExitCode, sandbox.Message),
            CommandAppException usage => (ExitCode.Usage, $"{usage.Message}\nRun 'sandbox --help' (or 'sandbox VERB --help') for usage."),
            OperationCanceledException => (ExitCode.Cancelled, "Cancelled."),
            _ => (ExitCode.InternalError, $"Internal error ({exception.GetType().Name}): {exception.Message}\nThis is a bug in Sandbox; please report it with the command you ran."),
        };

        error.WriteLine($"sandbox: {message}");
        return (int)code;
    }
}
