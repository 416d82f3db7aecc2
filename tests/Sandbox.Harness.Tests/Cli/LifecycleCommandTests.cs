using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Tests.Runtimes;
using Sandbox.Harness.Vault;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

[TestFixture]
[NonParallelizable]
public sealed class LifecycleCommandTests() : CliHomeFixture("sandbox-cli-tests-")
{
    [Test]
    [CancelAfter(60000)]
    public async Task Up_WithAMalformedTopology_ExitsInvalidInput_AndCreatesNothing(CancellationToken cancellationToken)
    {
        var topology = Path.Combine(Home, "bad-topology.yaml");
        await File.WriteAllTextAsync(topology, "apps:\n  - slug: Not_A_Slug\n", cancellationToken);

        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--name", "never", "--home", Home, "--topology", topology);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(4), result.Output + result.Error);
            Assert.That(result.Output + result.Error, Does.Contain("bad-topology.yaml"));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox", "never")), Is.False, "nothing was created");
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task UpJson_StatusJson_Down_OnTheProcessRuntime(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        var up = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--name", "cli-e2e", "--home", Home, "--json");
        Assert.That(up.ExitCode, Is.Zero, up.Error);
        using var upJson = JsonDocument.Parse(up.Output);
        var root = upJson.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("name").GetString(), Is.EqualTo("cli-e2e"));
            Assert.That(root.GetProperty("runtime").GetString(), Is.EqualTo("process"));
            Assert.That(root.GetProperty("vault").GetProperty("kind").GetString(), Is.AnyOf("vault", "openbao", "double"));
            Assert.That(root.GetProperty("vault").GetProperty("version").GetString(), Is.Not.Empty);
            Assert.That(root.GetProperty("address").GetString(), Does.StartWith("http://127.0.0.1:"));
            Assert.That(File.Exists(root.GetProperty("keyFile").GetString()), Is.True);
            Assert.That(File.Exists(root.GetProperty("rootTokenFile").GetString()), Is.True);
            Assert.That(root.GetProperty("runFolder").GetString(), Is.EqualTo(Path.Combine(Home, ".sandbox", "cli-e2e")));
            Assert.That(root.GetProperty("replay").GetProperty("topology").GetString(), Does.EndWith(Path.Combine("fixtures", "topology.yaml")));
            Assert.That(root.GetProperty("replay").GetProperty("changeCount").GetInt32(), Is.GreaterThan(0), "up replays production's names");
        });
        var pgData = root.GetProperty("postgresData").GetString()!;
        Assert.That(PostgresDataPlacement.TryRead(new SandboxOptions(), out var choice, out _), Is.True);
        var inMemory = choice.InMemory(PostgresDataPlacement.Probe());
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Path.Combine(pgData, "PG_VERSION")), Is.True, "postgresData names the running cluster's data folder");
            Assert.That(root.GetProperty("postgresDataInMemory").GetBoolean(), Is.EqualTo(inMemory), "in memory exactly when /dev/shm has room and nothing else is asked");
            Assert.That(pgData, inMemory ? Does.StartWith(PostgresDataPlacement.MemoryRoot + "/" + PostgresDataPlacement.OutsideFolderPrefix + "cli-e2e-") : Does.Not.StartWith(PostgresDataPlacement.MemoryRoot + "/"));
        });
        if (root.GetProperty("vault").GetProperty("kind").GetString() == "double")
        {
            Assert.That(root.GetProperty("vault").GetProperty("description").GetString(), Does.Contain("NOT HashiCorp Vault"));
        }

        var status = await CliRunner.RunAsync(cancellationToken, "status", "--name", "cli-e2e", "--home", Home, "--json");
        Assert.That(status.ExitCode, Is.Zero, status.Error);
        using var statusJson = JsonDocument.Parse(status.Output);
        Assert.Multiple(() =>
        {
            Assert.That(statusJson.RootElement.GetProperty("initialized").GetBoolean(), Is.True);
            Assert.That(statusJson.RootElement.GetProperty("sealed").GetBoolean(), Is.False);
        });

        var text = await CliRunner.RunAsync(cancellationToken, "status", "--home", Home);
        Assert.That(text.Output, Does.Contain("process runtime").And.Contain("Vault:"));

        var down = await CliRunner.RunAsync(cancellationToken, "down", "--name", "cli-e2e", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(down.ExitCode, Is.Zero, down.Error);
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox", "cli-e2e")), Is.False);
            Assert.That(Directory.Exists(Path.GetDirectoryName(pgData)), Is.False, "down removes the cluster, in memory or not");
        });
    }

    [Test]
    [CancelAfter(180000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Up_SavesTheJwtIssuerKey_SoJwtRolesReplayWithoutDrift_AndItsGiteaTokensLogIn(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        const string Issuer = "https://gitea.arcodange.lab/api/actions"; // fixtures/topology.yaml's bound_issuer

        var up = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--name", "cli-jwt", "--home", Home, "--json");
        Assert.That(up.ExitCode, Is.Zero, up.Error);
        using var upJson = JsonDocument.Parse(up.Output);
        var keyFile = Path.Combine(Home, ".sandbox", "cli-jwt", "jwt-issuer.pem");
        Assert.Multiple(() =>
        {
            Assert.That(upJson.RootElement.GetProperty("jwtIssuerKeyFile").GetString(), Is.EqualTo(keyFile));
            Assert.That(File.GetUnixFileMode(keyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });

        // The drift check now covers JWT auth (the key comes from the run folder) and finds nothing.
        var check = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "cli-jwt", "--home", Home, "--check", "--json");
        Assert.That(check.ExitCode, Is.Zero, check.Output + check.Error);
        using var checkJson = JsonDocument.Parse(check.Output);
        var withJwt = checkJson.RootElement.GetProperty("compared").GetInt32();
        Assert.Multiple(() =>
        {
            Assert.That(checkJson.RootElement.GetProperty("drift").GetBoolean(), Is.False, check.Output);
            Assert.That(checkJson.RootElement.GetProperty("parts").GetString(), Does.Contain("JwtAuth"));
            Assert.That(checkJson.RootElement.GetProperty("items").GetArrayLength(), Is.Zero);
        });
        var text = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "cli-jwt", "--home", Home, "--check");
        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.Zero, text.Output + text.Error);
            Assert.That(text.Output, Does.Contain("no drift").And.Not.Contain("JWT config and roles"));
        });

        // Without the key file, JWT auth is left out of the comparison: fewer names compared.
        var aside = keyFile + ".aside";
        File.Move(keyFile, aside);
        var without = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "cli-jwt", "--home", Home, "--check", "--json");
        File.Move(aside, keyFile);
        using (var withoutJson = JsonDocument.Parse(without.Output))
        {
            Assert.That(withoutJson.RootElement.GetProperty("parts").GetString(), Does.Not.Contain("JwtAuth"));
            Assert.That(withoutJson.RootElement.GetProperty("compared").GetInt32(), Is.LessThan(withJwt), "the JWT config and gitea_cicd_<app> roles were compared");
        }

        // A corrupt key file is a clear error naming it, not a silent "JWT skipped".
        File.Move(keyFile, aside);
        await File.WriteAllTextAsync(keyFile, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", cancellationToken);
        var corrupt = await CliRunner.RunAsync(cancellationToken, "replay", "--name", "cli-jwt", "--home", Home, "--check");
        File.Move(aside, keyFile, overwrite: true);
        Assert.Multiple(() =>
        {
            Assert.That(corrupt.ExitCode, Is.EqualTo(8), corrupt.Output + corrupt.Error);
            Assert.That(corrupt.Output + corrupt.Error, Does.Contain(keyFile).And.Contain("not a usable RSA private key"));
        });

        // A Gitea-shaped token minted with the saved key logs in as gitea_cicd_webapp and gets webapp-ops.
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.BuiltIn, audit);
        using var issuer = await SandboxJwtIssuer.LoadAsync(keyFile, Issuer, guard, cancellationToken: cancellationToken);
        using var http = guard.CreateHttpClient("lifecycle-test");
        var vault = new VaultClient(new Uri(upJson.RootElement.GetProperty("address").GetString()!), http);
        var claims = new GiteaActionsClaims("arcodange/webapp") { Audience = "https://gitea.arcodange.lab" };

        var login = await vault.JwtLoginAsync("jwt", "gitea_cicd_webapp", issuer.MintGiteaToken(claims), cancellationToken);

        Assert.That(login.Policies, Does.Contain("webapp-ops"));
        Assert.That(login.Policies, Does.Not.Contain("webapp"));

        // A key that is not the saved one is refused: Vault trusts exactly the run folder's issuer.
        using var stranger = new SandboxJwtIssuer(Issuer);
        Assert.ThrowsAsync<VaultApiException>(() => vault.JwtLoginAsync("jwt", "gitea_cicd_webapp", stranger.MintGiteaToken(claims), cancellationToken));

        var down = await CliRunner.RunAsync(cancellationToken, "down", "--name", "cli-jwt", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(down.ExitCode, Is.Zero, down.Error);
            Assert.That(File.Exists(keyFile), Is.False, "down removes the issuer key with the run folder");
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Down_OfAMissingSandbox_ExitsOk_NothingToRemove(CancellationToken cancellationToken)
    {
        var named = await CliRunner.RunAsync(cancellationToken, "down", "--name", "ghost", "--home", Home);
        var bare = await CliRunner.RunAsync(cancellationToken, "down", "--home", Home);
        var all = await CliRunner.RunAsync(cancellationToken, "down", "--all", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(named.ExitCode, Is.Zero, named.Error);
            Assert.That(named.Output, Does.Contain("Nothing to remove").And.Contain("'ghost'"));
            Assert.That(bare.ExitCode, Is.Zero, bare.Error);
            Assert.That(bare.Output, Does.Contain("Nothing to remove"));
            Assert.That(all.ExitCode, Is.Zero, all.Error);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Up_WithAnUnknownRuntime_ExitsUsage(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "podman", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.Usage));
            Assert.That(result.Error, Does.Contain("'podman'").And.Contain("auto, process, docker or k3d"));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_PostgresDataOnDisk_KeepsTheClusterInTheRunFolder_AndDownRemovesIt(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        var up = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--postgres-data", "disk", "--no-replay", "--name", "on-disk", "--home", Home, "--json");
        Assert.That(up.ExitCode, Is.Zero, up.Error);
        using var json = JsonDocument.Parse(up.Output);
        var data = json.RootElement.GetProperty("postgresData").GetString()!;
        var runFolder = Path.Combine(Home, ".sandbox", "on-disk");
        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("postgresDataInMemory").GetBoolean(), Is.False);
            Assert.That(File.Exists(Path.Combine(data, "PG_VERSION")), Is.True, "a running cluster");
            // In the run folder, or, for root under a folder others cannot enter, a private temp folder.
            Assert.That(data, Does.StartWith(runFolder + "/").Or.StartWith(Path.Combine(Path.GetTempPath(), PostgresDataPlacement.OutsideFolderPrefix + "on-disk-")));
        });

        var down = await CliRunner.RunAsync(cancellationToken, "down", "--name", "on-disk", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(down.ExitCode, Is.Zero, down.Error);
            Assert.That(Directory.Exists(data), Is.False);
            Assert.That(Directory.Exists(runFolder), Is.False);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Up_WithAnUnknownPostgresDataPlace_ExitsUsage_AndCreatesNothing(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--postgres-data", "ram", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.Usage));
            Assert.That(result.Error, Does.Contain("--postgres-data 'ram' is not one of auto, memory, disk"));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox")), Is.False);
        });
    }

    [TestCase("docker")]
    [TestCase("k3d")]
    [CancelAfter(30000)]
    public async Task Up_PostgresDataOnAnotherRuntime_ExitsUsage_AndCreatesNothing(string runtime, CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", runtime, "--postgres-data", "memory", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.Usage));
            Assert.That(result.Error, Does.Contain("--postgres-data is for the process runtime only").And.Contain("--runtime " + runtime));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox")), Is.False);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Up_WithAnInvalidName_ExitsInvalidInput(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--name", "Not_A_Label", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.InvalidInput));
            Assert.That(result.Error, Does.Contain("'Not_A_Label'"));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox")), Is.False);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Doctor_ListsEveryRuntime_AndExitsZeroWhenOneIsUsable(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "doctor", "--json");
        using var json = JsonDocument.Parse(result.Output);
        var runtimes = json.RootElement.GetProperty("runtimes").EnumerateArray().ToList();
        var usable = runtimes.Where(r => r.GetProperty("usable").GetBoolean()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(runtimes.Select(r => r.GetProperty("runtime").GetString()), Is.EquivalentTo(new[] { "k3d", "docker", "process" }));
            Assert.That(result.ExitCode, Is.EqualTo(usable.Count > 0 ? 0 : (int)ExitCode.PreflightFailed));
            foreach (var r in runtimes.Where(r => !r.GetProperty("usable").GetBoolean()))
            {
                Assert.That(r.GetProperty("missing").EnumerateArray().All(m => m.GetProperty("howToGet").GetString()!.Length > 0), Is.True);
            }
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Sweep_WithNothingLeft_SaysSoAndExitsZero(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "sweep", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.Output, Does.Contain("Nothing to sweep"));
        });
    }
}
