using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§10 sys/leases. The error table is portable; the token-lease tests rely on the double's lease ids.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class LeaseTests : ConformanceFixture
{
    [TestCase("sys/leases/lookup")]
    [TestCase("sys/leases/renew")]
    [TestCase("sys/leases/revoke")]
    public async Task EmptyLeaseId_Is400(string path, CancellationToken ct)
    {
        var r = await Http.PutAsync(path, new JsonObject(), Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { "lease_id must be specified" }));
    }

    [Test]
    public async Task UnknownLease_LookupInvalid_RenewNotFound_RevokeIdempotent(CancellationToken ct)
    {
        var id = "kv/creds/x/" + Guid.NewGuid().ToString("N");
        var lookup = await Http.PutAsync("sys/leases/lookup", new JsonObject { ["lease_id"] = id }, Root, ct);
        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = id }, Root, ct);
        var revoke = await Http.PutAsync("sys/leases/revoke", new JsonObject { ["lease_id"] = id }, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(lookup.Code, Is.EqualTo(400));
            Assert.That(lookup.Errors, Is.EqualTo(new[] { "invalid lease" }));
            Assert.That(renew.Code, Is.EqualTo(400));
            Assert.That(renew.Errors, Is.EqualTo(new[] { "lease not found" }));
            Assert.That(revoke.Code, Is.EqualTo(204));
        });
    }

    [Test]
    public async Task RevokePrefix_NeedsSudo(CancellationToken ct)
    {
        var policy = await PolicyAsync("""path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }""", ct);
        var token = await TokenAsync(ct, policy);
        var denied = await Http.PutAsync("sys/leases/revoke-prefix/nothing", null, token, ct);
        var root = await Http.PutAsync("sys/leases/revoke-prefix/nothing", null, Root, ct);
        Assert.That(denied.Code, Is.EqualTo(403));
        Assert.That(root.Code, Is.EqualTo(204));
    }

    private static string TokenLeaseId(string token) => "auth/token/create/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    [Test]
    public async Task TokenLease_LookupShowsTtl_RenewIsRefused_RevokeRevokesToken(CancellationToken ct)
    {
        DoubleOnly("token lease ids are derived from the double's token hash");
        var created = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "1h" }, Root, ct);
        var token = created.Json!["auth"]!["client_token"]!.GetValue<string>();
        var leaseId = TokenLeaseId(token);
        var lookup = await Http.PutAsync("sys/leases/lookup", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        var list = await Http.ListAsync("sys/leases/lookup/auth/token/create/", Root, ct);
        var revoke = await Http.PutAsync("sys/leases/revoke/" + leaseId, null, Root, ct);
        var after = await Http.GetAsync("auth/token/lookup-self", token, ct);
        Assert.Multiple(() =>
        {
            Assert.That(lookup.Code, Is.EqualTo(200), lookup.ToString());
            Assert.That(lookup.Data!["id"]!.GetValue<string>(), Is.EqualTo(leaseId));
            Assert.That(lookup.Data!["ttl"]!.GetValue<long>(), Is.InRange(3590, 3600));
            Assert.That(lookup.Data!["renewable"]!.GetValue<bool>(), Is.True);
            Assert.That(lookup.Data!["last_renewal"], Is.Null);
            Assert.That(DateTimeOffset.TryParse(lookup.Data!["expire_time"]!.GetValue<string>(), out _), Is.True);
            Assert.That(renew.Errors, Is.EqualTo(new[] { "tokens cannot be renewed through this endpoint" }));
            Assert.That(list.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Does.Contain(leaseId["auth/token/create/".Length..]));
            Assert.That(revoke.Code, Is.EqualTo(204));
            Assert.That(after.Code, Is.EqualTo(403));
        });
    }

    [Test]
    public async Task RevokePrefix_RevokesEveryTokenLeaseUnderIt(CancellationToken ct)
    {
        DoubleOnly("revokes every token lease of the server");
        var tokens = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            tokens.Add(await TokenAsync(ct, "default"));
        }

        var r = await Http.PutAsync("sys/leases/revoke-prefix/auth/token/create", null, Root, ct);
        Assert.That(r.Code, Is.EqualTo(204));
        foreach (var t in tokens)
        {
            Assert.That((await Http.GetAsync("auth/token/lookup-self", t, ct)).Code, Is.EqualTo(403));
        }

        Assert.That((await Http.GetAsync("auth/token/lookup-self", Root, ct)).Code, Is.EqualTo(200), "the root token has no lease");
    }

    [Test]
    public async Task ExpiringTokenLease_IsRevokedByTheTimer(CancellationToken ct)
    {
        DoubleOnly("watches the double's log");
        var created = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "1s" }, Root, ct);
        var leaseId = TokenLeaseId(created.Json!["auth"]!["client_token"]!.GetValue<string>());
        while (!Target.Server!.Output.Contains("revoked lease: lease_id=" + leaseId, StringComparison.Ordinal))
        {
            await Task.Delay(100, ct);
        }

        var lookup = await Http.PutAsync("sys/leases/lookup", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        Assert.That(lookup.Errors, Is.EqualTo(new[] { "invalid lease" }), "the lease is gone from the store");
    }

    [Test]
    public async Task NumUses_TokenStopsAfterItsLastUse(CancellationToken ct)
    {
        var created = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["num_uses"] = 2 }, Root, ct);
        var token = created.Json!["auth"]!["client_token"]!.GetValue<string>();
        var first = await Http.GetAsync("auth/token/lookup-self", token, ct);
        var second = await Http.GetAsync("auth/token/lookup-self", token, ct);
        var third = await Http.GetAsync("auth/token/lookup-self", token, ct);
        Assert.That(first.Code, Is.EqualTo(200));
        Assert.That(second.Code, Is.EqualTo(200));
        Assert.That(third.Code, Is.EqualTo(403));
    }
}
