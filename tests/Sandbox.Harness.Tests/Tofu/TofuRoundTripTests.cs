using NUnit.Framework;
using Sandbox.Harness.Tests.CommandLine;
using Sandbox.Harness.Tests.Replay;

namespace Sandbox.Harness.Tests.Tofu;

/// <summary>
/// <c>sandbox topology import --tofu</c>, then <c>sandbox replay</c> of what it wrote, then
/// <c>sandbox replay --check --against-tofu</c>, end to end against the Vault double.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TofuRoundTripTests
{
    private ReplaySandbox? _sandbox;
    private TofuWorkspace? _ws;

    private ReplaySandbox Sandbox => _sandbox ?? throw new InvalidOperationException("no sandbox");

    private string TokenFile => Path.Combine(_ws!.Root, "root-token");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _sandbox = await ReplaySandbox.StartAsync(cts.Token);
        _ws = new TofuWorkspace();
        await File.WriteAllTextAsync(TokenFile, Sandbox.Root.Token + "\n", cts.Token);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }

        _ws?.Dispose();
    }

    private Task<(int ExitCode, string Output, string Error)> ReplayAsync(CancellationToken cancellationToken, params string[] extra) =>
        CliRunner.RunAsync(cancellationToken, ["replay", "--address", Sandbox.Process.Address.ToString(), "--token-file", TokenFile, .. extra]);

    [Test]
    [Order(1)]
    [CancelAfter(60_000)]
    public async Task CheckAgainstTofu_OnAnEmptySandbox_ExitsDriftNamingTheCodesNames(CancellationToken cancellationToken)
    {
        var (code, output, _) = await ReplayAsync(cancellationToken, "--check", "--against-tofu", TofuWorkspace.FixtureTofu);

        Assert.That(code, Is.EqualTo((int)ExitCode.Drift), output);
        Assert.That(output, Does.Contain("missing    policy webapp-ops").And.Contain("missing    mount kvv2/").And.Contain("tofu import: 3 apps"));
    }

    [Test]
    [Order(2)]
    [CancelAfter(60_000)]
    public async Task ImportThenReplay_ThenCheckAgainstTofu_ReportsNoDrift(CancellationToken cancellationToken)
    {
        var topology = Path.Combine(_ws!.Root, "out", "lab.yaml");
        var import = await CliRunner.RunAsync(cancellationToken, "topology", "import", "--tofu", TofuWorkspace.FixtureTofu, "--out", topology);
        Assert.That(import.ExitCode, Is.Zero, import.Output + import.Error);
        Assert.That(import.Output, Does.Contain("secrets never read").And.Contain("wrote " + topology));

        var replay = await ReplayAsync(cancellationToken, "--topology", topology);
        Assert.That(replay.ExitCode, Is.Zero, replay.Output + replay.Error);
        Assert.That(replay.Output, Does.Contain("created   policy url-shortener-ops"));

        var check = await ReplayAsync(cancellationToken, "--check", "--against-tofu", TofuWorkspace.FixtureTofu, "--json");
        Assert.That(check.ExitCode, Is.Zero, check.Output + check.Error);
        Assert.That(check.Output, Does.Contain("\"drift\":false"));
    }

    [Test]
    [Order(3)]
    [CancelAfter(60_000)]
    public async Task CheckAgainstTofu_AfterTheCodeChanges_ExitsDriftNameByName(CancellationToken cancellationToken)
    {
        var dir = _ws!.CopyFixture();
        File.WriteAllText(Path.Combine(dir, "terraform.tfvars"), "apps = [\"webapp\", \"erp\", \"url-shortener\", \"billing\"]\n");
        var template = Path.Combine(dir, "modules", "vault-app", "policies", "app.hcl.tftpl");
        File.WriteAllText(template, File.ReadAllText(template).Replace("[\"read\", \"list\"]", "[\"read\"]", StringComparison.Ordinal));

        var (code, output, _) = await ReplayAsync(cancellationToken, "--check", "--against-tofu", dir);

        Assert.That(code, Is.EqualTo((int)ExitCode.Drift), output);
        Assert.That(output, Does.Contain("missing    policy billing").And.Contain("missing    transit key transit/keys/billing"));
        Assert.That(output, Does.Contain("different  policy webapp").And.Contain("~ path \"kvv2/metadata/webapp/*\" gained [list]"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AgainstTofu_WithoutCheck_IsAUsageError(CancellationToken cancellationToken)
    {
        var (code, _, error) = await ReplayAsync(cancellationToken, "--against-tofu", TofuWorkspace.FixtureTofu);

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain("--against-tofu DIR goes with --check"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Import_OfInvalidCode_ExitsInvalidInput_AndWritesNothing(CancellationToken cancellationToken)
    {
        var bad = _ws!.Write("bad/main.tf", "resource \"vault_policy\" \"p\" {\n  name = \"p\n}\n");
        var output = Path.Combine(_ws.Root, "bad-out", "t.yaml");

        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "topology", "import", "--tofu", Path.GetDirectoryName(bad)!, "--out", output);

        Assert.That(code, Is.EqualTo((int)ExitCode.InvalidInput));
        Assert.That(error, Does.Contain("main.tf:2:10: HCL syntax error").And.Contain("Fix:"));
        Assert.That(Directory.Exists(Path.GetDirectoryName(output)), Is.False);
    }
}
