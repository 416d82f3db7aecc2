using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;

namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// The <c>./sandbox</c> script of the checkout (with <c>scripts/publish-vault-double.sh</c>, which it
/// calls), run in a copy of the checkout's layout with a fake <c>dotnet</c> on PATH that records its
/// arguments (a publish writes the output; any other call prints its own pid), so that what the
/// scripts decide — build or not, and which process the script becomes — is observed without a
/// real two-minute build.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SandboxScriptTests
{
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        echo "$*" >> "$FAKE_DOTNET_LOG"
        if [[ "$1" == publish ]]; then
          sleep "${FAKE_BUILD_SECONDS:-0}"
          if [[ -n "${FAKE_BUILD_EXIT:-}" ]]; then echo "Program.cs(1,1): error CS1002: ; expected"; exit "$FAKE_BUILD_EXIT"; fi
          if [[ -n "${FAKE_DOUBLE_EXIT:-}" && "$2" == *Sandbox.VaultDouble.csproj ]]; then echo "Backend.cs(1,1): error CS0103: no such name"; exit "$FAKE_DOUBLE_EXIT"; fi
          out=""
          while [[ $# -gt 0 ]]; do if [[ "$1" == -o ]]; then out="$2"; fi; shift; done
          [[ -n "$out" ]] || { echo "publish without -o"; exit 9; }
          mkdir -p "$out" && echo built > "$out/sandbox.dll" && echo built > "$out/Sandbox.VaultDouble.dll"
          exit 0
        fi
        echo "cli pid=$$ dll=$1 args=${*:2} tier-up-delay=${DOTNET_TC_CallCountingDelayMs:-}"
        if [[ "${2:-}" == wait ]]; then sleep 120; fi
        """;

    private string _checkout = null!;
    private string _log = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        var root = SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)
            ?? throw new InvalidOperationException("The tests run from inside the Sandbox checkout.");
        _checkout = Directory.CreateTempSubdirectory("sandbox-script-").FullName;
        File.Copy(Path.Combine(root, "sandbox"), Path.Combine(_checkout, "sandbox"));
        File.SetUnixFileMode(Path.Combine(_checkout, "sandbox"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(_checkout, "harness", "Sandbox.Cli"));
        File.WriteAllText(Path.Combine(_checkout, "harness", "Sandbox.Cli", "Sandbox.Cli.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(_checkout, "harness", "Sandbox.Cli", "Program.cs"), "// the CLI");
        Directory.CreateDirectory(Path.Combine(_checkout, "scripts"));
        File.Copy(Path.Combine(root, "scripts", "publish-vault-double.sh"), Path.Combine(_checkout, "scripts", "publish-vault-double.sh"));
        File.SetUnixFileMode(Path.Combine(_checkout, "scripts", "publish-vault-double.sh"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(_checkout, "harness", "Sandbox.Harness"));
        File.WriteAllText(Path.Combine(_checkout, "harness", "Sandbox.Harness", "Guard.cs"), "// the library");
        Directory.CreateDirectory(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble"));
        File.WriteAllText(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "Sandbox.VaultDouble.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "Program.cs"), "// the double");
        File.WriteAllText(Path.Combine(_checkout, "fixtures", "denylist.yaml"), "hosts: []\n");
        File.WriteAllText(Path.Combine(_checkout, "Directory.Build.props"), "<Project />");
        var bin = Path.Combine(_checkout, "fakebin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "dotnet"), FakeDotnet.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(bin, "dotnet"), (UnixFileMode)0b111_101_101);
        _log = Path.Combine(_checkout, "dotnet-calls.log");
        _path = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        // The sources predate the first build, as they do in a checkout.
        foreach (var file in Directory.EnumerateFileSystemEntries(_checkout, "*", SearchOption.AllDirectories).Append(_checkout))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-10));
        }
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_checkout, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task SecondCall_DoesNotBuild_AndTheScriptBecomesTheCli(CancellationToken cancellationToken)
    {
        var first = await RunAsync(cancellationToken, "--help");
        var buildsAfterFirst = Builds();
        var second = await RunAsync(cancellationToken, "status", "--json");

        Assert.Multiple(() =>
        {
            Assert.That(first.Result.ExitCode, Is.EqualTo(0), first.Result.StandardError);
            Assert.That(buildsAfterFirst, Is.EqualTo(1), "the first call builds");
            Assert.That(File.ReadAllLines(_log)[0], Does.Contain("--use-current-runtime").And.Contain("--self-contained false").And.Contain("-p:PublishReadyToRun=true"),
                "the CLI is compiled ahead of time for this machine's runtime, so it does not start in the JIT");
            Assert.That(second.Result.StandardOutput, Does.Contain("dll=" + Path.Combine(_checkout, "harness", "Sandbox.Cli", "bin", "cli", "sandbox.dll") + " "), "the published CLI runs");
            Assert.That(File.ReadAllLines(_log)[0], Does.Contain("--artifacts-path " + Path.Combine(_checkout, "harness", "Sandbox.Cli", "bin", "cli-build") + " "),
                "the CLI's publish restores and compiles in its own folder, leaving obj/ to 'dotnet build'");
            Assert.That(first.Result.StandardError, Does.Contain("building the sandbox CLI (first run, ~1-2 min)"));
            Assert.That(first.Result.StandardOutput, Does.Not.Contain("building"), "progress goes to stderr, so --json output stays clean");
            Assert.That(second.Result.ExitCode, Is.EqualTo(0), second.Result.StandardError);
            Assert.That(Builds(), Is.EqualTo(1), "the second call does not build: nothing changed");
            Assert.That(DoublePublishes(), Is.EqualTo(1), "the double is published once, on the first call, and not again");
            Assert.That(first.Result.StandardError, Does.Contain("publishing the Vault double as a ReadyToRun composite (first run"));
            Assert.That(File.ReadAllLines(_log).Single(l => l.Contains("Sandbox.VaultDouble.csproj", StringComparison.Ordinal)),
                Does.Contain("--self-contained true").And.Contain("-p:PublishReadyToRun=true").And.Contain("-p:PublishReadyToRunComposite=true").And.Not.Contain("TieredCompilation")
                    .And.Contain("-o " + Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "bin", "composite.next") + " ")
                    .And.Contain("--artifacts-path " + Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "bin", "composite-build") + " "),
                "one composite image with its own runtime, published beside the folder it replaces");
            Assert.That(File.Exists(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "bin", "composite", "Sandbox.VaultDouble.dll")), Is.True, "swapped into bin/composite, where the locator looks");
            Assert.That(second.Result.StandardError, Is.Empty);
            Assert.That(second.Result.StandardOutput, Does.Contain("args=status --json tier-up-delay=5000"), "the CLI's tier-up waits for 5 s of quiet");
            Assert.That(second.Result.StandardOutput, Does.Contain($"cli pid={second.Pid} "), "the script execs the CLI: the process started is the CLI");
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ASourceEditedAfterTheBuild_Rebuilds(CancellationToken cancellationToken)
    {
        await RunAsync(cancellationToken, "--help");
        File.SetLastWriteTimeUtc(Path.Combine(_checkout, "harness", "Sandbox.Cli", "Program.cs"), DateTime.UtcNow.AddMinutes(1));

        var again = await RunAsync(cancellationToken, "--help");
        var third = await RunAsync(cancellationToken, "--help");

        Assert.Multiple(() =>
        {
            Assert.That(again.Result.StandardError, Does.Contain("building the sandbox CLI (sources changed since the last build)"));
            Assert.That(Builds(), Is.EqualTo(3), "an edit dated after the build keeps the CLI stale until it is older than the stamp");
        });

        File.SetLastWriteTimeUtc(Path.Combine(_checkout, "harness", "Sandbox.Cli", "Program.cs"), DateTime.UtcNow.AddMinutes(-1));
        await RunAsync(cancellationToken, "--help");
        Assert.That(Builds(), Is.EqualTo(3), "once the stamp is newer than every source, no build");
        _ = third;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AFailedBuild_ShowsItsOutput_ExitsWithItsCode_AndBuildsAgainNextTime(CancellationToken cancellationToken)
    {
        var failed = await RunAsync(new Dictionary<string, string?> { ["FAKE_BUILD_EXIT"] = "7" }, ["--help"], cancellationToken);
        var next = await RunAsync(cancellationToken, "--help");

        Assert.Multiple(() =>
        {
            Assert.That(failed.Result.ExitCode, Is.EqualTo(7));
            Assert.That(failed.Result.StandardError, Does.Contain("error CS1002").And.Contain("the sandbox CLI did not build (dotnet publish exit 7)"));
            Assert.That(failed.Result.StandardOutput, Does.Not.Contain("cli pid="), "a failed build never runs an old CLI");
            Assert.That(next.Result.ExitCode, Is.EqualTo(0));
            Assert.That(Builds(), Is.EqualTo(2), "no stamp was left by the failed build");
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task TwoCallsAtOnce_BuildOnce(CancellationToken cancellationToken)
    {
        var slow = new Dictionary<string, string?> { ["FAKE_BUILD_SECONDS"] = "1" };

        var both = await Task.WhenAll(RunAsync(slow, ["--help"], cancellationToken), RunAsync(slow, ["--version"], cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(both.Select(b => b.Result.ExitCode), Is.All.EqualTo(0));
            Assert.That(Builds(), Is.EqualTo(1), "the second call waits for the first one's build and uses it");
            Assert.That(DoublePublishes(), Is.EqualTo(1), "and for the first one's publish of the double");
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AnEditToTheDouble_RepublishesTheDoubleOnly_AndAnEditToTheLibrary_Both(CancellationToken cancellationToken)
    {
        await RunAsync(cancellationToken, "--help");
        File.SetLastWriteTimeUtc(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "Program.cs"), DateTime.UtcNow.AddMinutes(1));
        var doubleEdited = await RunAsync(cancellationToken, "--help");
        var (cliAfterDouble, doubleAfterDouble) = (Builds(), DoublePublishes());
        File.SetLastWriteTimeUtc(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "Program.cs"), DateTime.UtcNow.AddMinutes(-1));
        File.SetLastWriteTimeUtc(Path.Combine(_checkout, "harness", "Sandbox.Harness", "Guard.cs"), DateTime.UtcNow.AddMinutes(1));
        await RunAsync(cancellationToken, "--help");

        Assert.Multiple(() =>
        {
            Assert.That(doubleEdited.Result.StandardError, Does.Contain("publishing the Vault double as a ReadyToRun composite (sources changed since the last publish"));
            Assert.That((cliAfterDouble, doubleAfterDouble), Is.EqualTo((1, 2)), "the double's own source changes the double only");
            Assert.That((Builds(), DoublePublishes()), Is.EqualTo((2, 3)), "the library is built into both");
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AFailedPublishOfTheDouble_SaysSo_RunsTheCliAnyway_AndPublishesAgainNextTime(CancellationToken cancellationToken)
    {
        var failed = await RunAsync(new Dictionary<string, string?> { ["FAKE_DOUBLE_EXIT"] = "5" }, ["status"], cancellationToken);
        var leftAfterFailure = Directory.Exists(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "bin", "composite"))
            || Directory.Exists(Path.Combine(_checkout, "fixtures", "Sandbox.VaultDouble", "bin", "composite.next"));
        var next = await RunAsync(cancellationToken, "status");

        Assert.Multiple(() =>
        {
            Assert.That(failed.Result.ExitCode, Is.EqualTo(0), "the CLI still runs: it has the plain build of the double, or builds it");
            Assert.That(failed.Result.StandardOutput, Does.Contain("args=status"));
            Assert.That(failed.Result.StandardError, Does.Contain("error CS0103").And.Contain("the Vault double did not publish (dotnet publish exit 5)")
                .And.Contain("continuing without the composite Vault double"));
            Assert.That(leftAfterFailure, Is.False, "nothing half-published is left where the locator looks");
            Assert.That(DoublePublishes(), Is.EqualTo(2), "no stamp was left by the failed publish");
            Assert.That(next.Result.StandardError, Does.Not.Contain("continuing without"));
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task TheUsersOwnTierUpDelay_IsKept(CancellationToken cancellationToken)
    {
        var run = await RunAsync(new Dictionary<string, string?> { ["DOTNET_TC_CallCountingDelayMs"] = "0" }, ["status"], cancellationToken);

        Assert.That(run.Result.StandardOutput, Does.Contain("args=status tier-up-delay=0"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ARealVaultChosen_PublishesNoDouble(CancellationToken cancellationToken)
    {
        var run = await RunAsync(new Dictionary<string, string?> { ["SANDBOX_VAULT_BINARY"] = "/opt/vault/bin/vault" }, ["--help"], cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(run.Result.ExitCode, Is.EqualTo(0), run.Result.StandardError);
            Assert.That(DoublePublishes(), Is.EqualTo(0));
            Assert.That(Builds(), Is.EqualTo(1));
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Sigkill_OnTheScript_EndsTheCli(CancellationToken cancellationToken)
    {
        await RunAsync(cancellationToken, "--help");
        using var forceful = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stdout = new System.Text.StringBuilder();
        var running = Command(["wait"])
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .ExecuteAsync(forceful.Token);
        while (!stdout.ToString().Contains("cli pid=", StringComparison.Ordinal))
        {
            Assert.That(running.Task.IsCompleted, Is.False, "the CLI ended before it was killed");
            await Task.Delay(20, cancellationToken);
        }

        using var started = Process.GetProcessById(running.ProcessId);
        started.Kill(); // SIGKILL on the process the user started
        await started.WaitForExitAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(stdout.ToString(), Does.Contain($"cli pid={running.ProcessId} "), "the CLI is the very process that was killed");
            Assert.That(Process.GetProcesses().Any(p => p.Id == running.ProcessId), Is.False, "nothing of the CLI is left running");
        });
        await forceful.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int Builds() => Publishes("Sandbox.Cli.csproj");

    private int DoublePublishes() => Publishes("Sandbox.VaultDouble.csproj");

    private int Publishes(string project) =>
        File.Exists(_log) ? File.ReadAllLines(_log).Count(l => l.StartsWith("publish ", StringComparison.Ordinal) && l.Split(' ')[1].EndsWith(project, StringComparison.Ordinal)) : 0;

    private Command Command(string[] args, IReadOnlyDictionary<string, string?>? env = null) => Cli.Wrap(Path.Combine(_checkout, "sandbox"))
        .WithArguments(args)
        .WithWorkingDirectory(_checkout)
        .WithEnvironmentVariables(e => e.Set("PATH", _path).Set("FAKE_DOTNET_LOG", _log).Set("SANDBOX_VAULT_DOUBLE", null).Set("SANDBOX_VAULT_BINARY", null).Set(env ?? new Dictionary<string, string?>()))
        .WithValidation(CommandResultValidation.None);

    private Task<(BufferedCommandResult Result, int Pid)> RunAsync(CancellationToken cancellationToken, params string[] args) =>
        RunAsync(new Dictionary<string, string?>(), args, cancellationToken);

    private async Task<(BufferedCommandResult Result, int Pid)> RunAsync(IReadOnlyDictionary<string, string?> env, string[] args, CancellationToken cancellationToken)
    {
        var task = Command(args, env).ExecuteBufferedAsync(cancellationToken);
        var pid = task.ProcessId;
        return (await task, pid);
    }
}
