using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Tests.CommandLine;

namespace Sandbox.Harness.Tests.Replay;

/// <summary><c>sandbox replay</c> end to end against the double, through <c>--address</c> and <c>--token-file</c>.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ReplayCommandTests
{
    private ReplaySandbox? _sandbox;
    private string? _folder;

    private ReplaySandbox Sandbox => _sandbox ?? throw new InvalidOperationException("no sandbox");

    private string TokenFile => Path.Combine(_folder!, "root-token");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _sandbox = await ReplaySandbox.StartAsync(cts.Token);
        _folder = Directory.CreateTempSubdirectory("sandbox-replay-cli-").FullName;
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

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(CancellationToken cancellationToken, params string[] extra) =>
        CliRunner.RunAsync(cancellationToken, ["replay", "--address", Sandbox.Process.Address.ToString(), "--token-file", TokenFile, "--topology", ReplaySandbox.FixtureTopology, .. extra]);

    [Test]
    [Order(1)]
    [CancelAfter(60_000)]
    public async Task Check_BeforeReplay_ExitsDrift_ListingTheMissingNames(CancellationToken cancellationToken)
    {
        var (code, output, _) = await RunAsync(cancellationToken, "--check");

        Assert.That(code, Is.EqualTo((int)ExitCode.Drift), output);
        Assert.That(output, Does.Contain("missing    mount kvv2/").And.Contain("missing    policy webapp-ops").And.Contain("missing    auth jwt/"));
        Assert.That(output, Does.Contain("Not compared: database"));
        Assert.That(output, Does.Not.Contain(Sandbox.Root.Token!));
    }

    [Test]
    [Order(2)]
    [CancelAfter(60_000)]
    public async Task Replay_ThenReplayAgain_ThenCheck_ReportsZeroChangesAndNoDrift(CancellationToken cancellationToken)
    {
        var first = await RunAsync(cancellationToken);
        Assert.That(first.ExitCode, Is.Zero, first.Output + first.Error);
        Assert.That(first.Output, Does.Contain("created   mount kvv2/").And.Contain("skipped   database connection"));

        var second = await RunAsync(cancellationToken, "--json");
        Assert.That(second.ExitCode, Is.Zero, second.Output + second.Error);
        using var json = JsonDocument.Parse(second.Output);
        Assert.That(json.RootElement.GetProperty("changeCount").GetInt32(), Is.Zero);
        Assert.That(json.RootElement.GetProperty("summary").GetString(), Does.StartWith("0 changes"));

        var check = await RunAsync(cancellationToken, "--check", "--parity");
        Assert.That(check.ExitCode, Is.Zero, check.Output + check.Error);
        Assert.That(check.Output, Does.Contain("no drift").And.Contain("name parity: passed"));
    }

    [Test]
    [Order(3)]
    [CancelAfter(60_000)]
    public async Task Check_AfterAPolicyIsDeleted_ExitsDriftNamingIt(CancellationToken cancellationToken)
    {
        await Sandbox.Root.DeletePolicyAsync("url-shortener", cancellationToken);

        var (code, output, _) = await RunAsync(cancellationToken, "--check", "--json");

        Assert.That(code, Is.EqualTo((int)ExitCode.Drift));
        using var json = JsonDocument.Parse(output);
        var items = json.RootElement.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("kind").GetString()} {i.GetProperty("category").GetString()} {i.GetProperty("name").GetString()}");
        Assert.That(items, Is.EqualTo(new[] { "missing policy url-shortener" }));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Replay_WithADenylistedKubernetesHost_ExitsGuardBlocked(CancellationToken cancellationToken)
    {
        var (code, _, error) = await RunAsync(cancellationToken, "--kubernetes-host", "https://vault.arcodange.lab:6443");

        Assert.That(code, Is.EqualTo((int)ExitCode.GuardBlocked));
        Assert.That(error, Does.Contain("kubernetes_host").And.Contain("Nothing was written"));
    }

    [Test]
    [Order(4)]
    [CancelAfter(60_000)]
    public async Task ReplayByName_ReadsTheRunFolder_AndAnUnknownNameExitsNotFound(CancellationToken cancellationToken)
    {
        // A run folder as 'sandbox up' leaves it (sandbox.json with the address, root-token 0600).
        var home = Path.Combine(_folder!, "home");
        var run = Directory.CreateDirectory(Path.Combine(home, ".sandbox", "named")).FullName;
        var state = new JsonObject { ["name"] = "named", ["runtime"] = "Process", ["vaultKind"] = "double", ["vaultVersion"] = "test", ["address"] = Sandbox.Process.Address.ToString() };
        await File.WriteAllTextAsync(Path.Combine(run, "sandbox.json"), state.ToJsonString(), cancellationToken);
        File.Copy(TokenFile, Path.Combine(run, "root-token"));
        var previous = Environment.GetEnvironmentVariable("SANDBOX_HOME");
        Environment.SetEnvironmentVariable("SANDBOX_HOME", home);
        try
        {
            var byName = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "named", "--topology", ReplaySandbox.FixtureTopology);
            Assert.That(byName.ExitCode, Is.Zero, byName.Output + byName.Error);
            Assert.That(byName.Output, Does.Contain("sandbox 'named' (process runtime").And.Contain("replay: "));

            var onlyOne = await CliRunner.RunAsync(cancellationToken, "replay", "--check", "--topology", ReplaySandbox.FixtureTopology);
            Assert.That(onlyOne.ExitCode, Is.Zero, "without --name the only sandbox is used: " + onlyOne.Output + onlyOne.Error);

            var missing = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "absent", "--topology", ReplaySandbox.FixtureTopology);
            Assert.That(missing.ExitCode, Is.EqualTo((int)ExitCode.SandboxNotFound), missing.Error);
            Assert.That(missing.Error, Does.Contain("absent"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SANDBOX_HOME", previous);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Replay_WithAnAddressButNoTokenFile_IsAUsageError(CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "replay", "--address", "http://127.0.0.1:1");

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain("--token-file"));
    }
}
