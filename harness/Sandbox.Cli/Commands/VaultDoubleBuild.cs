using System.Diagnostics;
using CliWrap;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Process;
using Spectre.Console;

namespace Sandbox.Cli.Commands;

/// <summary>
/// On a fresh clone the Vault double is not built yet: <c>doctor</c>, <c>up</c> and <c>drill</c> build it
/// (<c>dotnet build fixtures/Sandbox.VaultDouble -c Release</c>) with progress, instead of failing preflight.
/// Nothing is built when a vault/bao binary is chosen or found, or when <c>SANDBOX_VAULT_DOUBLE</c> names the double.
/// </summary>
internal static class VaultDoubleBuild
{
    /// <summary>The double's project, relative to the checkout root.</summary>
    public static readonly string ProjectPath = Path.Combine("fixtures", "Sandbox.VaultDouble", "Sandbox.VaultDouble.csproj");

    /// <summary>Builds the double when the process runtime would need it and it is missing. Returns true when it built.</summary>
    /// <param name="console">Where the progress goes.</param>
    /// <param name="vaultBinary">A binary the user chose (then nothing is built).</param>
    /// <param name="cancellationToken">Cancels the build.</param>
    public static Task<bool> EnsureAsync(IAnsiConsole console, string? vaultBinary, CancellationToken cancellationToken)
    {
        if (VaultBinaryLocator.Find(vaultBinary).Launch is not null
            || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(VaultBinaryLocator.DoubleVariable))
            || SandboxCheckout.FindRoot(AppContext.BaseDirectory) is not { } root)
        {
            return Task.FromResult(false);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        return BuildAsync(console, root, dotnet, cancellationToken);
    }

    /// <summary>Builds the double of the checkout at <paramref name="root"/> with <paramref name="dotnet"/>, printing progress.</summary>
    /// <exception cref="SandboxPreflightBuildException">The build failed; the message holds its last lines.</exception>
    internal static async Task<bool> BuildAsync(IAnsiConsole console, string root, string dotnet, CancellationToken cancellationToken)
    {
        var project = Path.Combine(root, ProjectPath);
        if (!File.Exists(project))
        {
            return false;
        }

        var shown = "dotnet build " + ProjectPath + " -c Release";
        console.MarkupLine($"The Vault double is not built yet; building it now ([grey]{Markup.Escape(shown)}[/]), once per checkout.");
        var clock = Stopwatch.StartNew();
        var tail = new Queue<string>();
        var gate = new Lock();
        var guard = new SandboxGuard(Denylist.Resolve(null), GuardAuditLog.InMemory());
        var command = guard.GuardCommand(
            CliWrap.Cli.Wrap(dotnet)
                .WithArguments(["build", project, "-c", "Release", "--nologo", "-v", "minimal"])
                .WithWorkingDirectory(root)
                // Plain build output (no terminal logger) through the environment: the guard's dotnet grammar knows
                // --nologo and -v, and refuses a flag it cannot classify, such as --tl:off.
                .WithEnvironmentVariables(e => e.Set("DOTNET_NOLOGO", "1").Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("MSBUILDTERMINALLOGGER", "off"))
                .WithValidation(CommandResultValidation.None),
            "sandbox-build-double");

        int exitCode;
        if (console.Profile.Capabilities.Interactive)
        {
            // A live line on a terminal: the step and the elapsed time.
            exitCode = await console.Status().StartAsync("building the Vault double", async ctx =>
            {
                var run = command.WithStandardOutputPipe(PipeTarget.ToDelegate(line => Remember(line, l => ctx.Status($"building the Vault double ({clock.Elapsed.TotalSeconds:0} s): {Markup.Escape(Shorten(l))}"))))
                    .WithStandardErrorPipe(PipeTarget.ToDelegate(line => Remember(line, null)))
                    .ExecuteAsync(cancellationToken);
                return (await run).ExitCode;
            }).ConfigureAwait(false);
        }
        else
        {
            // Plain lines elsewhere: each project as it is built, and a heartbeat so a log never falls silent.
            using var heartbeat = new Timer(_ => console.MarkupLine($"  still building the Vault double ({clock.Elapsed.TotalSeconds:0} s)"), null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
            var run = command.WithStandardOutputPipe(PipeTarget.ToDelegate(line => Remember(line, l =>
                {
                    if (l.Contains(" -> ", StringComparison.Ordinal))
                    {
                        console.MarkupLine($"  built {Markup.Escape(l.Trim().Split(" -> ")[0])} ({clock.Elapsed.TotalSeconds:0} s)");
                    }
                })))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line => Remember(line, null)))
                .ExecuteAsync(cancellationToken);
            exitCode = (await run).ExitCode;
        }

        if (exitCode != 0)
        {
            throw SandboxPreflightBuildException.Failed(shown, exitCode, [.. tail]);
        }

        console.MarkupLine($"Built the Vault double in {clock.Elapsed.TotalSeconds:0.0} s.");
        return true;

        void Remember(string line, Action<string>? then)
        {
            lock (gate)
            {
                tail.Enqueue(line);
                if (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }

            then?.Invoke(line);
        }
    }

    private static string Shorten(string line) => line.Trim() is { Length: > 80 } l ? l[..77] + "..." : line.Trim();
}
