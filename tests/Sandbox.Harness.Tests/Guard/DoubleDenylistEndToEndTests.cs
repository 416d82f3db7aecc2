using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Tests.Runtimes;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// A user's denylist (what the CLI's --denylist resolves to) reaches the Vault double's own guard in a
/// real sandbox on the process runtime: the double is asked, through its raw HTTP API (a plain client,
/// so the harness's config guard does not judge the write), to verify a database connection whose
/// connection_url names a host only the user's denylist refuses; the double itself refuses to dial it.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DoubleDenylistEndToEndTests
{
    /// <summary>A name the guard takes as loopback without asking DNS (RFC 6761 §6.3), so the control dials 127.0.0.1.</summary>
    private const string CanaryHost = "canary-db.localhost";

    private string _folder = null!;

    [SetUp]
    public void SetUp()
    {
        SandboxTestHome.RequireProcessRuntime();
        Requires.That(VaultBinaryLocator.Find().Launch?.Kind == VaultKind.Double, "the Vault double as the sandbox's Vault (no vault or bao on PATH, SANDBOX_VAULT_BINARY unset)", VaultBinaryLocator.BuildDoubleHint);
        _folder = Directory.CreateTempSubdirectory("double-denylist-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(180000)]
    public async Task UserDenylist_ReachesTheRunningDouble_WhichRefusesToDialTheHost(bool userDenylistNamesTheHost, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_folder, "user-denylist.yaml");
        await File.WriteAllTextAsync(file, userDenylistNamesTheHost ? $"hosts: [{CanaryHost}]\n" : "hosts: [unrelated.example]\n", cancellationToken);

        // Denylist.Resolve(file) without its process-wide side effect: the built-in list plus the file.
        await using var home = new SandboxTestHome(Denylist.BuiltIn.Merge(Denylist.Load(file)));
        await using var sbx = await home.Manager.UpAsync(home.Options(), cancellationToken);
        Assert.That(sbx.Vault.Kind, Is.EqualTo(VaultKind.Double));

        using var http = new HttpClient { BaseAddress = sbx.Address };
        http.DefaultRequestHeaders.Add("X-Vault-Token", sbx.Root.Token);
        using (var mount = await http.PostAsJsonAsync("v1/sys/mounts/db", new JsonObject { ["type"] = "database" }, cancellationToken))
        {
            Assert.That(mount.IsSuccessStatusCode, Is.True, await mount.Content.ReadAsStringAsync(cancellationToken));
        }

        // A port nothing listens on: the control's dial is refused by the kernel, not by a guard.
        var port = FreePort();
        using var write = await http.PostAsJsonAsync(
            "v1/db/config/canary",
            new JsonObject
            {
                ["plugin_name"] = "postgresql-database-plugin",
                ["connection_url"] = $"postgresql://{{{{username}}}}:{{{{password}}}}@{CanaryHost}:{port}/postgres",
                ["username"] = "vault",
                ["password"] = "not-a-secret",
                ["allowed_roles"] = "*",
            },
            cancellationToken);
        var body = await write.Content.ReadAsStringAsync(cancellationToken);
        await TestContext.Out.WriteLineAsync(body);

        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "verify_connection fails either way: " + body);
        if (userDenylistNamesTheHost)
        {
            Assert.Multiple(() =>
            {
                Assert.That(body, Does.Contain("error creating database object: The production guard blocked"), "the double's own guard refused the dial");
                Assert.That(body, Does.Contain($"rule hosts:{CanaryHost}"), "by the user's denylist entry");
            });
        }
        else
        {
            Assert.Multiple(() =>
            {
                Assert.That(body, Does.Contain("error creating database object: Unable to connect"), "the double dialed, and the kernel refused (nothing listens on the port)");
                Assert.That(body, Does.Not.Contain("production guard").And.Not.Contain($"hosts:{CanaryHost}"), "without the entry, no guard refuses the host");
            });
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
