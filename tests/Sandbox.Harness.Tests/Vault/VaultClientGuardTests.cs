using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Vault;

/// <summary>The client over the guard's HttpClient: loopback works, a production address is refused with no connection.</summary>
[TestFixture]
public sealed class VaultClientGuardTests
{
    private static SandboxGuard Guard(string yaml, out GuardAuditLog audit)
    {
        audit = GuardAuditLog.InMemory();
        return new SandboxGuard(Denylist.Parse(yaml, "test-denylist.yaml"), audit);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task GuardedClient_ToLoopback_Works_AndIsAudited(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"initialized":true}"""));
        var guard = Guard("hosts: [vault.prod.example]\n", out var audit);
        using var http = guard.CreateHttpClient("vault-client");
        var client = new VaultClient(server.Address, http).WithToken(VaultTestClients.Token);

        Assert.That(await client.GetInitStatusAsync(cancellationToken), Is.True);
        Assert.That(server.Requests[0].Headers["X-Vault-Token"], Is.EqualTo(VaultTestClients.Token));
        Assert.That(audit.Entries.Where(e => e.Caller == "vault-client").Select(e => e.Allowed), Is.Not.Empty.And.All.True);
        audit.Dispose();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task GuardedClient_ToADenylistedAddress_ThrowsGuardBlocked_WithNoConnectionAndNoRetry(CancellationToken cancellationToken)
    {
        await using var production = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"initialized":true}"""), IPAddress.Parse("127.0.0.2"));
        var guard = Guard("addresses: [127.0.0.2]\n", out var audit);
        using var http = guard.CreateHttpClient("vault-client");
        var client = new VaultClient(production.Address, http, options: VaultTestClients.FastOptions).WithToken(VaultTestClients.Token);

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
        Assert.That(ex.Message, Does.Not.Contain(VaultTestClients.Token));
        Assert.That(production.ConnectionCount, Is.Zero);
        Assert.That(audit.Entries.Count(e => !e.Allowed), Is.EqualTo(1), "a refusal is final: the read is not retried");
        audit.Dispose();
        await Task.CompletedTask;
    }
}
