extern alias sandboxcli;

using System.Text.Json;
using CliWrap;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>A real 'sandbox up' process killed with SIGKILL mid-way; 'sweep' removes what it left.</summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SweepAfterKilledCliTests
{
    [TestCase("StartPostgres")]
    [TestCase("StartVault")]
    [TestCase("Prepare")] // killed during the topology replay: the state must not say Ready with names missing
    [CancelAfter(180000)]
    public async Task Sweep_AfterSandboxUpIsKilledWithSigkill_RemovesWhatItStarted(string step, CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        var name = "killed-" + step.ToLowerInvariant();
        var cliDll = typeof(sandboxcli::Sandbox.Cli.Commands.UpCommand).Assembly.Location;
        var stateFile = Path.Combine(home.Folder, ".sandbox", name, "sandbox.json");

        using var forceful = new CancellationTokenSource();
        var cli = Cli.Wrap("dotnet").WithArguments([cliDll, "up", "--runtime", "process", "--name", name, "--home", home.Folder])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(forceful.Token);

        // Wait until the state says the step has begun and what it started is recorded.
        JsonElement state = default;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The process runtime starts PostgreSQL and Vault at once: while PostgreSQL comes up the state may say StartVault.
            if (TryRead(stateFile, out state) && (state.GetProperty("step").GetString() == step || (step == "StartPostgres" && state.GetProperty("step").GetString() == "StartVault"))
                && (step != "StartVault" || state.TryGetProperty("vaultPid", out var p) && p.ValueKind == JsonValueKind.Number)
                && (step != "StartPostgres" || File.Exists(Path.Combine(state.GetProperty("postgresDataDirectory").GetString() ?? "/nonexistent", "postmaster.pid"))))
            {
                break;
            }

            Assert.That(cli.Task.IsCompleted, Is.False, "sandbox up finished before the step was caught");
            await Task.Delay(10, cancellationToken);
        }

        System.Diagnostics.Process.GetProcessById(cli.ProcessId).Kill(); // SIGKILL: no teardown runs
        await forceful.CancelAsync();
        try
        {
            await cli;
        }
        catch (OperationCanceledException)
        {
        }

        TryRead(stateFile, out state);
        Assert.That(state.GetProperty("phase").GetString(), Is.EqualTo("Starting"), "killed mid-up");
        var vaultPid = state.TryGetProperty("vaultPid", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : (int?)null;
        var dataDir = state.GetProperty("postgresDataDirectory").GetString();
        var pidFile = dataDir is null ? null : Path.Combine(dataDir, "postmaster.pid");
        var postmaster = pidFile is not null && File.Exists(pidFile) ? int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture) : (int?)null;

        var swept = await home.Manager.SweepAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(swept.Single().Name, Is.EqualTo(name));
            Assert.That(swept.Single().Reason, Does.Contain("owner process"));
            Assert.That(swept.Single().Removed, Is.True, swept.Single().Problem);
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", name)), Is.False);
            Assert.That(vaultPid is null || !Alive(vaultPid.Value), Is.True, "Vault stopped");
            Assert.That(postmaster is null || !Alive(postmaster.Value), Is.True, "PostgreSQL stopped");
            Assert.That(dataDir is null || !Directory.Exists(dataDir), Is.True, "PostgreSQL folder removed");
        });
    }

    private static bool TryRead(string file, out JsonElement root)
    {
        root = default;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            root = doc.RootElement.Clone();
            return true;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return false;
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
