using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Lab;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Tests.CommandLine;
using Sandbox.Harness.Tests.Runtimes;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Lab;

/// <summary>
/// The library's entry point refuses contradicting options at start, with the exceptions (and so the
/// exit codes) the CLI reports, and never leaves a half-made sandbox behind.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VaultSandboxBuilderTests
{
    private string _home = null!;
    private string _reports = null!;

    [SetUp]
    public void SetUp()
    {
        _home = Path.Combine(Path.GetTempPath(), "sbx-lib-" + Guid.NewGuid().ToString("N")[..8]);
        _reports = Path.Combine(_home, "reports");
        Directory.CreateDirectory(_home);
    }

    [TearDown]
    public async Task TearDown()
    {
        var manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()), _home);
        foreach (var name in manager.List())
        {
            await manager.DownAsync(name);
        }

        Directory.Delete(_home, recursive: true);
    }

    private VaultSandboxBuilder Builder() => new VaultSandboxBuilder().WithRuntime(RuntimeKind.Process).WithHome(_home).WithReportDirectory(_reports);

    private string[] RunFolders() => Directory.Exists(Path.Combine(_home, ".sandbox")) ? Directory.GetDirectories(Path.Combine(_home, ".sandbox")) : [];

    [Test]
    [CancelAfter(60_000)]
    public void Start_WithATopologyThatFailsToLoad_ThrowsTheLoadersErrorWithTheLine_AndStartsNothing(CancellationToken cancellationToken)
    {
        var topology = Path.Combine(_home, "typo.yaml");
        File.WriteAllText(topology, "version: 1\napps:\n  - slug: Not_A_Slug\n");

        var error = Assert.ThrowsAsync<TopologyException>(() => Builder().WithTopology(topology).StartAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(error.Message, Does.Contain("typo.yaml:"), "names the file and line");
            Assert.That(RunFolders(), Is.Empty, "nothing was started");
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public void Start_WithAVaultBinaryThatIsNotExecutable_IsAPreflightFailure_AndStartsNothing(CancellationToken cancellationToken)
    {
        var error = Assert.ThrowsAsync<SandboxPreflightException>(() =>
            Builder().WithoutReplay().WithVaultBinary(Path.Combine(_home, "no-such-vault")).StartAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(error.Message, Does.Contain("no-such-vault"));
            Assert.That(RunFolders(), Is.Empty);
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public void Start_WithAnInvalidName_ThrowsTheNameError(CancellationToken cancellationToken)
    {
        var error = Assert.ThrowsAsync<SandboxNameException>(() => Builder().WithoutReplay().WithName("Bad_Name").StartAsync(cancellationToken));
        Assert.That(error!.ExitCode, Is.Not.EqualTo(ExitCode.InternalError));
        Assert.That(RunFolders(), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public void Start_WithAMissingDenylist_ThrowsTheDenylistError(CancellationToken cancellationToken)
    {
        var error = Assert.ThrowsAsync<DenylistException>(() => Builder().WithoutReplay().WithDenylist(Path.Combine(_home, "missing.yaml")).StartAsync(cancellationToken));
        Assert.That(error!.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        Assert.That(RunFolders(), Is.Empty);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Start_WithANameInUse_IsRefused_AndLeavesTheFirstSandboxRunning(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var first = await Builder().WithoutReplay().WithName("lib-dup").StartAsync(cancellationToken);

        var error = Assert.ThrowsAsync<SandboxRuntimeException>(() => Builder().WithoutReplay().WithName("lib-dup").StartAsync(cancellationToken));

        Assert.That(error!.Message, Does.Contain("lib-dup").And.Contain("exists already"));
        Assert.That(error.ExitCode, Is.Not.EqualTo(ExitCode.InternalError));
        var health = await first.Unauthenticated.GetSealStatusAsync(cancellationToken);
        Assert.That(health.Sealed, Is.False, "the first sandbox is untouched");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheGuard_KeepsTheBuiltInList_AndAddsTheUsersDenylist(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var extra = Path.Combine(_home, "extra.yaml");
        File.WriteAllText(extra, "hosts: [\"vault.example-prod.test\"]\n");
        await using var lab = await Builder().WithoutReplay().WithDenylist(extra).StartAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(lab.Guard.CheckUrl("https://vault.example-prod.test/v1/sys/health", "test").Allowed, Is.False, "the user's entry is enforced");
            Assert.That(lab.Guard.CheckUrl("https://vault.arcodange.lab/v1/sys/health", "test").Allowed, Is.False, "the built-in production list is still enforced");
            Assert.That(lab.Guard.CheckUrl(lab.Address, "test").Allowed, Is.True, "the sandbox itself is reachable");
        });
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Dispose_RemovesTheSandbox_AndIsSafeTwice(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var lab = await Builder().WithoutReplay().WithName("lib-gone").StartAsync(cancellationToken);
        var folder = lab.Handle.RunFolder;
        Assert.That(Directory.Exists(folder), Is.True);

        await lab.DisposeAsync();
        await lab.DisposeAsync();

        Assert.That(Directory.Exists(folder), Is.False, "the run folder is gone");
        Assert.ThrowsAsync<InvalidOperationException>(() => lab.LoginAsAppAsync("webapp", cancellationToken), "no topology without replay");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Start_ReplaysInsideUp_SoTheSandboxIsReadyOnlyAfterTheReplay(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var steps = new List<UpStep>();
        var builder = Builder().WithTopology(CheckoutTopology()).WithStepHook((step, _) =>
        {
            lock (steps)
            {
                steps.Add(step);
            }

            return Task.CompletedTask;
        });

        await using var lab = await builder.StartAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Does.Contain(UpStep.Prepare), "the replay runs as up's Prepare step");
            Assert.That(steps.IndexOf(UpStep.Prepare), Is.LessThan(steps.IndexOf(UpStep.Ready)), "Ready comes after the replay");
            Assert.That(lab.Replay, Is.Not.Null);
            Assert.That(lab.Replay!.ChangeCount, Is.GreaterThan(0), "the replay wrote the topology's names");
        });
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Start_WhenTheReplayFails_FailsAsTheClisUpDoes_AndLeavesNoSandbox(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        // Loads (cubbyhole is a valid path for the loader) but cannot be replayed: Vault mounts its own
        // cubbyhole/ there, of type cubbyhole, so the replay stops on a mount of another type.
        var topology = Path.Combine(_home, "cubbyhole-topology.yaml");
        var text = await File.ReadAllTextAsync(CheckoutTopology(), cancellationToken);
        var policies = Path.Combine(_home, "policies");
        Directory.CreateDirectory(policies);
        foreach (var policy in Directory.GetFiles(Path.Combine(Path.GetDirectoryName(CheckoutTopology())!, "policies"), "*.hcl"))
        {
            File.Copy(policy, Path.Combine(policies, Path.GetFileName(policy)));
        }

        await File.WriteAllTextAsync(topology, text.Replace("mounts:\n", "mounts:\n  cubbyhole:\n    type: kv\n    version: 1\n", StringComparison.Ordinal), cancellationToken);
        Assert.That(await File.ReadAllTextAsync(topology, cancellationToken), Does.Contain("  cubbyhole:"), "the test's topology has the conflicting mount");

        var error = Assert.ThrowsAsync<SandboxRuntimeException>(() => Builder().WithTopology(topology).WithName("lib-replay-fails").StartAsync(cancellationToken));
        var cli = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--topology", topology, "--name", "cli-replay-fails", "--home", _home);

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("failed at step Prepare").And.Contain("cubbyhole"), "the error names up's step and the mount");
            Assert.That(error.InnerException, Is.TypeOf<ReplayException>(), "the replay's own error is kept");
            Assert.That(error.ExitCode, Is.EqualTo(((SandboxException)error.InnerException!).ExitCode), "the replay's exit code");
            Assert.That(cli.ExitCode, Is.EqualTo((int)error.ExitCode), "the CLI's up exits with the same code");
            Assert.That(cli.Output + cli.Error, Does.Contain("failed at step Prepare"), "the CLI says the same");
            Assert.That(RunFolders(), Is.Empty, "no run folder, no state: nothing half-made is left");
        });
    }

    private static string CheckoutTopology()
    {
        var root = SandboxCheckout.FindRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("the tests run inside a checkout");
        return Path.Combine(root, "fixtures", "topology.yaml");
    }
}
