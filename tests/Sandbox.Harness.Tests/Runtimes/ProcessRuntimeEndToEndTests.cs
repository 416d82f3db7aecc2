using System.Net.Sockets;
using Npgsql;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Runtimes;

[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessRuntimeEndToEndTests
{
    [SetUp]
    public void SetUp() => SandboxTestHome.RequireProcessRuntime();

    [Test]
    [CancelAfter(180000)]
    public async Task Up_Status_RestartSealed_Unseal_Down_LeavesNoProcessPortOrFolder(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var sbx = await home.Manager.UpAsync(home.Options("e2e-one"), cancellationToken);
        int vaultPid, pgPort, vaultPort;
        string runFolder;
        await using (sbx)
        {
            // Ready: initialized, unsealed, key file 0600 in the key store's format, root token works.
            var status = await sbx.StatusAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(status.Initialized, Is.True);
                Assert.That(status.Sealed, Is.False);
                Assert.That(status.VaultRunning, Is.True);
                Assert.That(status.PostgresRunning, Is.True);
                Assert.That(status.Phase, Is.EqualTo(SandboxPhase.Ready));
                Assert.That(sbx.Address.Host, Is.EqualTo("127.0.0.1"));
                Assert.That(File.GetUnixFileMode(sbx.KeyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(File.GetUnixFileMode(sbx.RootTokenFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(sbx.RunFolder, Is.EqualTo(Path.Combine(home.Folder, ".sandbox", "e2e-one")));
            });
            if (sbx.Vault.Kind == VaultKind.Double)
            {
                Assert.That(sbx.Vault.Describe(), Does.Contain("NOT HashiCorp Vault"));
                Assert.That(sbx.Vault.Version, Does.Contain("sandbox-double"));
            }

            var keys = await sbx.KeyStore.ReadAsync(sbx.KeyFile, cancellationToken);
            Assert.That(keys.UnsealShares, Is.EqualTo(1));
            await sbx.Root.EnableSecretsEngineAsync("kvv2", Sandbox.Harness.Vault.Models.MountRequest.KvV2(), cancellationToken);
            await sbx.Root.KvV2WriteAsync("kvv2", "app/config", new System.Text.Json.Nodes.JsonObject { ["k"] = "v1" }, cancellationToken: cancellationToken);

            // PostgreSQL accepts the superuser.
            await using (var connection = new NpgsqlConnection(sbx.Postgres.ConnectionString()))
            {
                await connection.OpenAsync(cancellationToken);
            }

            // Restart (graceful) -> sealed, data intact after unseal from the key file.
            var before = File.ReadAllText(Path.Combine(sbx.RunFolder, "sandbox.json"));
            await sbx.RestartVaultAsync(kill: false, cancellationToken);
            var sealedStatus = await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken);
            Assert.That(sealedStatus is { Initialized: true, Sealed: true }, Is.True, "a restarted Vault comes back sealed");
            Assert.ThrowsAsync<VaultSealedException>(() => sbx.Root.KvV2ReadAsync("kvv2", "app/config", cancellationToken: cancellationToken));

            var unsealed = await sbx.UnsealFromKeyFileAsync(cancellationToken);
            Assert.That(unsealed.Sealed, Is.False);
            var secret = await sbx.Root.KvV2ReadAsync("kvv2", "app/config", cancellationToken: cancellationToken);
            Assert.That(secret?.Data?["k"]?.GetValue<string>(), Is.EqualTo("v1"));

            // kill -9 -> sealed too.
            await sbx.RestartVaultAsync(kill: true, cancellationToken);
            Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True);
            Assert.That((await sbx.UnsealFromKeyFileAsync(cancellationToken)).Sealed, Is.False);

            var state = await home.Manager.StatusAsync("e2e-one", cancellationToken);
            vaultPid = int.Parse(System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(sbx.RunFolder, "sandbox.json"))).RootElement.GetProperty("vaultPid").GetRawText(), System.Globalization.CultureInfo.InvariantCulture);
            if (sbx.Vault.Kind == VaultKind.Double)
            {
                // The double (restarted above, so this is the launch a restart makes) waits 5 s before tier-up
                // unless this process set the delay itself.
                var environ = File.ReadAllText($"/proc/{vaultPid}/environ").Split('\0');
                var expected = Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") ?? "5000";
                Assert.That(environ, Does.Contain("DOTNET_TC_CallCountingDelayMs=" + expected), "the double's tier-up delay");
            }

            pgPort = sbx.Postgres.Port;
            vaultPort = sbx.Address.Port;
            runFolder = sbx.RunFolder;
            Assert.That(state.Sealed, Is.False);
            Assert.That(before, Does.Not.Contain(keys.RootToken), "the state file holds no secret");
        }

        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(runFolder), Is.False, "run folder removed");
            Assert.That(Directory.Exists($"/proc/{vaultPid}") && !File.ReadAllText($"/proc/{vaultPid}/stat").Contains(") Z ", StringComparison.Ordinal), Is.False, "Vault process gone");
            Assert.That(IsListening(vaultPort), Is.False, "Vault port closed");
            Assert.That(IsListening(pgPort), Is.False, "PostgreSQL port closed");
            Assert.That(home.Manager.List(), Is.Empty);
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WithThreeSharesThresholdTwo_WritesThreeKeysAndUnseals(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options() with { Shares = 3, Threshold = 2 }, cancellationToken);
        var keys = await sbx.KeyStore.ReadAsync(sbx.KeyFile, cancellationToken);
        var status = await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(keys.UnsealKeysB64, Has.Count.EqualTo(3));
            Assert.That(status is { Sealed: false, N: 3, T: 2 }, Is.True);
            Assert.That(sbx.Name, Does.StartWith("sbx-"));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task UnsealFromKeyFile_AfterTheKeyFileIsDeleted_FailsWithTheKeyStoresMissingError(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options(), cancellationToken);
        await sbx.SealAsync(cancellationToken);
        sbx.DeleteKeyFile();

        var e = Assert.ThrowsAsync<KeyFileException>(() => sbx.UnsealFromKeyFileAsync(cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(e!.Problem, Is.EqualTo(KeyFileProblem.Missing));
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.KeyFileError));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task CorruptKeyFile_ThenUnseal_FailsAsTruncated(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options(), cancellationToken);
        await sbx.SealAsync(cancellationToken);
        await sbx.CorruptKeyFileAsync(cancellationToken);

        var e = Assert.ThrowsAsync<KeyFileException>(() => sbx.UnsealFromKeyFileAsync(cancellationToken));
        Assert.That(e!.Problem, Is.AnyOf(KeyFileProblem.Truncated, KeyFileProblem.NotJson));
        Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True);
    }

    [Test]
    [CancelAfter(180000)]
    public async Task WipeVaultStorage_StartsUninitialized_AndInitializeMakesItUsableWithANewRootToken(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options(), cancellationToken);
        var oldRoot = await sbx.KeyStore.ReadRootTokenAsync(sbx.RootTokenFile, cancellationToken);

        await sbx.WipeVaultStorageAsync(kill: true, cancellationToken);
        Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Initialized, Is.False);

        await sbx.InitializeAsync(cancellationToken: cancellationToken);
        var newRoot = await sbx.KeyStore.ReadRootTokenAsync(sbx.RootTokenFile, cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(newRoot, Is.Not.EqualTo(oldRoot));
            Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.False);
        });
        Assert.DoesNotThrowAsync(() => sbx.Root.ListSecretsEnginesAsync(cancellationToken));
    }

    [Test]
    [CancelAfter(180000)]
    public async Task StopPostgres_RefusesLogins_StartPostgres_AcceptsThemAgain(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options(), cancellationToken);

        await sbx.StopPostgresAsync(cancellationToken);
        Assert.That((await sbx.StatusAsync(cancellationToken)).PostgresRunning, Is.False);
        await using (var refused = new NpgsqlConnection(sbx.Postgres.ConnectionString()))
        {
            Assert.ThrowsAsync<NpgsqlException>(() => refused.OpenAsync(cancellationToken));
        }

        await sbx.StartPostgresAsync(cancellationToken);
        await using var connection = new NpgsqlConnection(sbx.Postgres.ConnectionString());
        await connection.OpenAsync(cancellationToken);
        Assert.That((await sbx.StatusAsync(cancellationToken)).PostgresRunning, Is.True);
    }

    [Test]
    [CancelAfter(300000)]
    public async Task TwoSandboxes_InParallel_GetDistinctNamesPortsAndFolders(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var a = home.Manager.UpAsync(home.Options(), cancellationToken);
        var b = home.Manager.UpAsync(home.Options(), cancellationToken);
        await using var first = await a;
        await using var second = await b;
        Assert.Multiple(() =>
        {
            Assert.That(first.Name, Is.Not.EqualTo(second.Name));
            Assert.That(first.Address.Port, Is.Not.EqualTo(second.Address.Port));
            Assert.That(first.Postgres.Port, Is.Not.EqualTo(second.Postgres.Port));
            Assert.That(first.RunFolder, Is.Not.EqualTo(second.RunFolder));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_StartsVaultWithoutAShell_InItsOwnSession_WithoutTheCanaryToken_AndDownLeavesNoZombie(CancellationToken cancellationToken)
    {
        var savedToken = Environment.GetEnvironmentVariable("GITHUB_TOKEN");
        Environment.SetEnvironmentVariable("GITHUB_TOKEN", "ghs_canary_must_not_reach_vault");
        int pid;
        try
        {
            await using var home = new SandboxTestHome();
            await using (var sbx = await home.Manager.UpAsync(home.Options("e2e-detached"), cancellationToken))
            {
                pid = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(sbx.RunFolder, "sandbox.json"))).RootElement.GetProperty("vaultPid").GetInt32();
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var environ = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(e => e[..e.IndexOf('=', StringComparison.Ordinal)]).ToList();
                var tool = sbx.Vault.Kind == VaultKind.Double ? Sandbox.Harness.Guard.Internal.ChildTools.VaultDouble : Sandbox.Harness.Guard.Internal.ChildTools.Vault;
                Assert.Multiple(() =>
                {
                    Assert.That(fields[3], Is.EqualTo(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), "Vault leads its own session");
                    Assert.That(Path.GetFileName(argv[0]), Is.Not.AnyOf("sh", "dash", "bash", "setsid"), "Vault itself, no shell or setsid");
                    Assert.That(argv[^3..], Is.EqualTo(new[] { "server", "-config", Path.Combine(sbx.RunFolder, "vault.hcl") }));
                    Assert.That(environ, Does.Not.Contain("GITHUB_TOKEN"), "the canary token of this process");
                    Assert.That(environ.Where(n => !tool.Allows(n) && n is not ("HOME" or "PWD" or "SANDBOX_DENYLIST")), Is.Empty, $"variables outside the {tool.Name} allow-list");
                    Assert.That(new FileInfo(Path.Combine(sbx.RunFolder, "logs", "vault.log")).Length, Is.GreaterThan(0), "Vault's output reaches logs/vault.log");
                });
            }

            // Down stopped it; the process runtime's reaper waited for it, so no zombie stays behind.
            for (var attempt = 0; Directory.Exists($"/proc/{pid}") && attempt < 1000; attempt++)
            {
                await Task.Delay(10, cancellationToken);
            }

            Assert.That(Directory.Exists($"/proc/{pid}"), Is.False, $"Vault (pid {pid}) is gone after down, not a zombie");
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_TOKEN", savedToken);
        }
    }

    internal static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
