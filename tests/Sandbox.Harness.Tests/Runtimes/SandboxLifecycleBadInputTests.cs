using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SandboxLifecycleBadInputTests
{
    [TestCase("UPPER")]
    [TestCase("-leading")]
    [TestCase("trailing-")]
    [TestCase("has_underscore")]
    [TestCase("1starts-with-digit")]
    [TestCase("a-name-that-is-much-longer-than-thirty")]
    [TestCase("")]
    [CancelAfter(10000)]
    public async Task Up_WithAnInvalidName_FailsWithInvalidInputBeforeAnythingStarts(string name, CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var e = Assert.ThrowsAsync<SandboxNameException>(() => home.Manager.UpAsync(home.Options(name), cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain($"'{name}'").And.Contain("Fix:"));
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox")), Is.False);
        });
    }

    [TestCase(0, 1)]
    [TestCase(3, 4)]
    [TestCase(3, 1)]
    [TestCase(256, 2)]
    [CancelAfter(10000)]
    public async Task Up_WithSharesOrThresholdOutOfRange_FailsWithInvalidInput(int shares, int threshold, CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var e = Assert.ThrowsAsync<SandboxOptionsException>(() => home.Manager.UpAsync(home.Options() with { Shares = shares, Threshold = threshold }, cancellationToken));
        Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task Down_OfASandboxThatDoesNotExist_IsNothingToRemove(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();

        var removed = await home.Manager.DownAsync("nope", cancellationToken);

        Assert.That(removed, Is.False, "down is idempotent: a sandbox that is gone is nothing to remove");
    }

    [Test]
    [CancelAfter(10000)]
    public async Task Status_WithNoNameAndNoSandbox_SaysThereIsNone(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var e = Assert.ThrowsAsync<SandboxNotFoundException>(() => home.Manager.StatusAsync(null, cancellationToken));
        Assert.That(e!.Message, Does.Contain("sandbox up"));
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Up_OnAnUnimplementedRuntime_FailsPreflightNamingTheUsableOne(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        var e = Assert.ThrowsAsync<SandboxPreflightException>(() => home.Manager.UpAsync(home.Options() with { Runtime = RuntimeKind.K3d }, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(e.Message, Does.Contain("--runtime process"));
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox")), Is.False, "nothing was started");
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task ClusterOperations_OnAProcessSandbox_SayItHasNoClusterAndWhichRuntimeItRuns(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("no-cluster"), cancellationToken);
        var topology = Sandbox.Harness.Topology.TopologyLoader.Load(Sandbox.Harness.Tests.Topology.TopologyWorkspace.FixtureTopology);

        var token = Assert.ThrowsAsync<InvalidOperationException>(() => sbx.ServiceAccountTokenAsync("webapp", "webapp", null, cancellationToken))!;
        var kill = Assert.ThrowsAsync<InvalidOperationException>(() => sbx.KillOperatorAndAppPodsAsync(topology, cancellationToken))!;
        var read = Assert.ThrowsAsync<InvalidOperationException>(() => sbx.ReadAppDeliveryAsync(topology.Apps[0], cancellationToken))!;

        Assert.Multiple(() =>
        {
            foreach (var e in new[] { token, kill, read })
            {
                Assert.That(e.Message, Does.Contain("'no-cluster'").And.Contain("process runtime").And.Contain("only a k3d sandbox"));
            }

            Assert.That(token.Message, Does.Contain("issue ServiceAccount tokens"));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WhenVaultExitsAtStart_TearsDownPostgresAndTheFolder_AndShowsVaultsLog(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        var fake = Path.Combine(home.Folder, "bin", "vault");
        Directory.CreateDirectory(Path.GetDirectoryName(fake)!);
        // A Vault by its own word (preflight asks 'vault version') whose server then dies at start.
        await File.WriteAllTextAsync(fake, "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Vault v1.21.1 (sha), built 2026-06-01T00:00:00Z'; exit 0; fi\necho 'Error parsing config: fake vault for a test'\nexit 1\n", cancellationToken);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => home.Manager.UpAsync(home.Options("broken-vault") with { VaultBinary = fake }, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Does.Contain("step StartVault").And.Contain("fake vault for a test").And.Contain("torn down"));
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.RuntimeFailed));
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", "broken-vault")), Is.False);
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WhenVaultsPortIsTaken_RetriesOnAnotherPort(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var calls = 0;
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder)
        {
            RuntimeFactory = _ => new ProcessRuntime { PortSource = () => Interlocked.Increment(ref calls) == 1 ? taken : Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free() },
        };

        await using var sbx = await manager.UpAsync(home.Options("port-clash"), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EqualTo(2));
            Assert.That(sbx.Address.Port, Is.Not.EqualTo(taken));
        });
        Assert.That((await sbx.StatusAsync(cancellationToken)).Sealed, Is.False);
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WithTheApiPortPlusOneTaken_UnsealsOnTheReservedClusterPort_AgainAfterARestart(CancellationToken cancellationToken)
    {
        // Vault binds its cluster listener at every unseal, at the API port + 1 unless told otherwise.
        SandboxTestHome.RequireProcessRuntime();
        var (api, squatter) = PortWithNeighbourTaken();
        using var held = squatter;
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => new ProcessRuntime { PortSource = () => api } };

        await using var sbx = await manager.UpAsync(home.Options("cluster-port"), cancellationToken);
        Assert.That((await sbx.StatusAsync(cancellationToken)).Sealed, Is.False, "unseal worked although the API port + 1 is taken");
        await sbx.RestartVaultAsync(kill: false, cancellationToken);
        var unsealed = await sbx.UnsealFromKeyFileAsync(cancellationToken);

        var config = await File.ReadAllTextAsync(sbx.Paths.VaultConfig, cancellationToken);
        var cluster = System.Text.RegularExpressions.Regex.Match(config, @"cluster_address\s*=\s*""127\.0\.0\.1:(\d+)""");
        Assert.Multiple(() =>
        {
            Assert.That(unsealed.Sealed, Is.False, "a restarted Vault unseals again: the cluster port is still reserved");
            Assert.That(sbx.Address.Port, Is.EqualTo(api));
            Assert.That(cluster.Success, Is.True, "the listener names its cluster_address:\n" + config);
            Assert.That(config, Does.Contain($"cluster_addr  = \"https://127.0.0.1:{cluster.Groups[1].Value}\""));
            Assert.That(int.Parse(cluster.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.Not.EqualTo(api + 1).And.Not.EqualTo(api));
        });
        if (sbx.Vault.Kind == VaultKind.Double)
        {
            // the double binds the cluster listener at unseal as Vault does, so this is what the unseal used
            Assert.That(await File.ReadAllTextAsync(sbx.VaultLog, cancellationToken), Does.Contain("starting cluster listeners: address=127.0.0.1:" + cluster.Groups[1].Value));
        }
    }

    [Test]
    [CancelAfter(180000)]
    public async Task VaultLicense_ReachesTheVaultChild_AndNotPostgres(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        const string licence = "02MV4UU43BK5HGYYTOJZWFQMTMNNEWU33JTEST";
        Environment.SetEnvironmentVariable("VAULT_LICENSE", licence);
        Environment.SetEnvironmentVariable("VAULT_LICENSE_PATH", "/etc/vault.d/test.hclic");
        try
        {
            await using var home = new SandboxTestHome();
            await using var sbx = await home.Manager.UpAsync(home.Options("licence"), cancellationToken);
            var state = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sbx.RunFolder, "sandbox.json"), cancellationToken)).RootElement;
            var vaultPid = state.GetProperty("vaultPid").GetInt32();
            var dataDir = state.GetProperty("postgresDataDirectory").GetString()!;
            var pgPid = int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

            static string[] Environ(int pid) => File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            Assert.Multiple(() =>
            {
                Assert.That(Environ(vaultPid), Does.Contain("VAULT_LICENSE=" + licence), "the Vault child gets VAULT_LICENSE");
                Assert.That(Environ(vaultPid), Does.Contain("VAULT_LICENSE_PATH=/etc/vault.d/test.hclic"));
                Assert.That(Environ(pgPid).Where(e => e.StartsWith("VAULT_LICENSE", StringComparison.Ordinal)), Is.Empty, "PostgreSQL gets neither");
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAULT_LICENSE", null);
            Environment.SetEnvironmentVariable("VAULT_LICENSE_PATH", null);
        }
    }

    [Test]
    public void ReservedPorts_LieBelowTheKernelsEphemeralRange()
    {
        var (low, _) = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.EphemeralRange();
        var port = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.FreeReserved();

        Assert.That(port, Is.LessThan(low), "a port the kernel never hands to an 'any free port' request");
        Assert.That(Sandbox.Harness.Runtimes.Internal.LoopbackPorts.CanBind(port), Is.True);
    }

    private static (int Port, TcpListener Squatter) PortWithNeighbourTaken()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free();
            var squatter = new TcpListener(IPAddress.Loopback, port + 1);
            try
            {
                squatter.Start();
                return (port, squatter);
            }
            catch (SocketException) when (attempt < 20)
            {
                squatter.Dispose();
            }
        }
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WhenEveryPortIsTaken_FailsClearlyAndLeavesNothingHalfStarted(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => new ProcessRuntime { PortSource = () => taken } };

        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => manager.UpAsync(home.Options("all-taken"), cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Does.Contain("StartVault").And.Contain(taken.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", "all-taken")), Is.False);
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Down_InterruptedHalfway_CanBeRunAgain(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        var sbx = await home.Manager.UpAsync(home.Options("half-down") with { Detached = true }, cancellationToken);
        // Half a teardown: Vault killed and the phase recorded, PostgreSQL and the folder still there.
        await sbx.StopVaultAsync(kill: true, cancellationToken);
        await sbx.DisposeAsync();
        var file = Path.Combine(home.Folder, ".sandbox", "half-down", "sandbox.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))!;
        json["phase"] = "TearingDown";
        await File.WriteAllTextAsync(file, json.ToJsonString(), cancellationToken);
        var pgPort = sbx.Postgres.Port;

        await home.Manager.DownAsync("half-down", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(home.Manager.List(), Is.Empty);
            Assert.That(ProcessRuntimeEndToEndTests.IsListening(pgPort), Is.False);
        });
        Assert.That(await home.Manager.DownAsync("half-down", cancellationToken), Is.False, "a second down finds nothing to remove");
    }
}
