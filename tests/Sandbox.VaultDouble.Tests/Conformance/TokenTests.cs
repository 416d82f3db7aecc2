using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§4 tokens. Portable: runs against a real Vault too (with VAULT_ADDR/VAULT_TOKEN).</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class TokenTests : ConformanceFixture
{
    [Test]
    public async Task MissingOrUnknownToken_Is403PlainPermissionDenied(CancellationToken ct)
    {
        var none = await Http.GetAsync("auth/token/lookup-self", null, ct);
        var unknown = await Http.GetAsync("auth/token/lookup-self", "hvs.AAAAAAAAAAAAAAAAAAAAAAAA", ct);
        Assert.That(none.Code, Is.EqualTo(403));
        Assert.That(none.Errors, Has.Some.Contains("permission denied"));
        Assert.That(unknown.Code, Is.EqualTo(403));
        Assert.That(unknown.Errors, Has.Some.Contains("permission denied"));
    }

    [Test]
    public async Task RootToken_LookupSelf_HasRootPolicyAndNoExpiry(CancellationToken ct)
    {
        var r = await Http.GetAsync("auth/token/lookup-self", Root, ct);
        Assert.That(r.Code, Is.EqualTo(200));
        Assert.That(r.Data!["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "root" }));
        Assert.That(r.Data!["ttl"]!.GetValue<long>(), Is.Zero);
        Assert.That(r.Data!["expire_time"], Is.Null);
        Assert.That(r.Data!["id"]!.GetValue<string>(), Is.EqualTo(Root));
    }

    [Test]
    public async Task BearerHeader_IsAcceptedAsFallback(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/auth/token/lookup-self");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Root);
        var r = await Http.SendAsync(request, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
    }

    [Test]
    public async Task Create_WithPolicies_SortsAddsDefault_AndWarnsForMissingPolicy(CancellationToken ct)
    {
        var missing = Unique("missing");
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("Zeta-" + missing, "alpha-" + missing, "alpha-" + missing) }, Root, ct);
        var auth = r.Json!["auth"]!;
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.EqualTo(200), r.ToString());
            Assert.That(r.Data, Is.Null);
            Assert.That(auth["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "alpha-" + missing, "default", "zeta-" + missing }));
            Assert.That(auth["token_policies"]!.AsArray().Count, Is.EqualTo(3));
            Assert.That(auth["lease_duration"]!.GetValue<long>(), Is.EqualTo(2764800), "system default 768h");
            Assert.That(auth["renewable"]!.GetValue<bool>(), Is.True);
            Assert.That(auth["token_type"]!.GetValue<string>(), Is.EqualTo("service"));
            Assert.That(auth["orphan"]!.GetValue<bool>(), Is.False);
            Assert.That(r.Warnings, Has.Some.EqualTo($"Policy \"alpha-{missing}\" does not exist"));
        });
    }

    [Test]
    public async Task Create_ByRootWithoutPolicies_GivesAnotherRootToken(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject(), Root, ct);
        Assert.That(r.Json!["auth"]!["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "root" }));
        Assert.That(r.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.Zero);
        var renew = await Http.PostAsync("auth/token/renew-self", null, r.Json!["auth"]!["client_token"]!.GetValue<string>(), ct);
        Assert.That(renew.Code, Is.EqualTo(400));
        Assert.That(renew.Errors, Has.Some.Contains("lease is not renewable"));
    }

    [Test]
    public async Task Create_TtlDisplayNameMetaNumUses_AreReflectedInLookupSelf(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject
        {
            ["policies"] = new JsonArray("default"),
            ["ttl"] = "1h",
            ["display_name"] = "ci",
            ["meta"] = new JsonObject { ["app"] = "billing" },
            ["num_uses"] = 5,
        }, Root, ct);
        var token = r.Json!["auth"]!["client_token"]!.GetValue<string>();
        var self = await Http.GetAsync("auth/token/lookup-self", token, ct);
        Assert.Multiple(() =>
        {
            Assert.That(r.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(3600));
            Assert.That(self.Data!["display_name"]!.GetValue<string>(), Is.EqualTo("token-ci"));
            Assert.That(self.Data!["meta"]!["app"]!.GetValue<string>(), Is.EqualTo("billing"));
            Assert.That(self.Data!["ttl"]!.GetValue<long>(), Is.InRange(3590, 3600));
            Assert.That(self.Data!["num_uses"]!.GetValue<int>(), Is.EqualTo(4), "lookup-self used one use");
            Assert.That(self.Data!["expire_time"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(self.Data!["creation_ttl"]!.GetValue<long>(), Is.EqualTo(3600));
        });
    }

    [Test]
    public async Task Create_TtlAboveMax_IsCappedWithWarning(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "10000h" }, Root, ct);
        Assert.That(r.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(2764800));
        Assert.That(r.Warnings, Has.Some.Contains("exceeded the effective max_ttl of \"768h\""));
    }

    [Test]
    public async Task Create_ChildPoliciesMustBeSubsetOfParent(CancellationToken ct)
    {
        var name = await PolicyAsync("""path "auth/token/create" { capabilities = ["update"] }""", ct);
        var parent = await TokenAsync(ct, name);
        var subset = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray(name) }, parent, ct);
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray(name, "admin") }, parent, ct);
        var defaultOnly = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default") }, await TokenAsync(ct, "default"), ct);
        Assert.That(subset.Code, Is.EqualTo(200), subset.ToString());
        Assert.That(r.Code, Is.EqualTo(400), r.ToString());
        Assert.That(r.Errors, Is.EqualTo(new[] { "child policies must be subset of parent" }));
        Assert.That(defaultOnly.Code, Is.EqualTo(403), "the default policy does not grant auth/token/create");
    }

    [Test]
    public async Task Create_NoParentWithoutSudo_Is400(CancellationToken ct)
    {
        var name = await PolicyAsync("""path "auth/token/create" { capabilities = ["update"] }""", ct);
        var parent = await TokenAsync(ct, name);
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["no_parent"] = true, ["policies"] = new JsonArray(name) }, parent, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { "root or sudo privileges required to create orphan token" }));
    }

    [Test]
    public async Task RenewSelf_ExtendsTtl_InitRootIsInvalidLease(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "10m" }, Root, ct);
        var token = r.Json!["auth"]!["client_token"]!.GetValue<string>();
        var renew = await Http.PostAsync("auth/token/renew-self", new JsonObject { ["increment"] = "20m" }, token, ct);
        Assert.That(renew.Code, Is.EqualTo(200), renew.ToString());
        Assert.That(renew.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(1200));
        if (!VaultTarget.UsesRealVault)
        {
            var root = await Http.PostAsync("auth/token/renew-self", null, Root, ct);
            Assert.That(root.Code, Is.EqualTo(400));
            Assert.That(root.Errors, Is.EqualTo(new[] { "invalid lease ID" }));
        }
    }

    [Test]
    public async Task RevokeSelf_RevokesTokenAndItsChildren(CancellationToken ct)
    {
        var name = await PolicyAsync("""path "auth/token/create" { capabilities = ["update"] }""", ct);
        var parent = await TokenAsync(ct, name);
        var childResponse = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray(name) }, parent, ct);
        var child = childResponse.Json!["auth"]!["client_token"]!.GetValue<string>();
        var revoke = await Http.PostAsync("auth/token/revoke-self", null, parent, ct);
        var parentAfter = await Http.GetAsync("auth/token/lookup-self", parent, ct);
        var childAfter = await Http.GetAsync("auth/token/lookup-self", child, ct);
        Assert.Multiple(() =>
        {
            Assert.That(revoke.Code, Is.EqualTo(204));
            Assert.That(parentAfter.Code, Is.EqualTo(403));
            Assert.That(childAfter.Code, Is.EqualTo(403));
        });
    }

    [Test]
    public async Task ShortTtlToken_StopsWorkingAfterExpiry(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "3s" }, Root, ct);
        var token = r.Json!["auth"]!["client_token"]!.GetValue<string>();
        Assert.That((await Http.GetAsync("auth/token/lookup-self", token, ct)).Code, Is.EqualTo(200));
        await Task.Delay(4000, ct);
        Assert.That((await Http.GetAsync("auth/token/lookup-self", token, ct)).Code, Is.EqualTo(403));
    }

    [Test]
    public async Task DefaultPolicy_ExistsAndCannotBeDeleted(CancellationToken ct)
    {
        var read = await Http.GetAsync("sys/policies/acl/default", Root, ct);
        var delete = await Http.DeleteAsync("sys/policies/acl/default", Root, ct);
        Assert.That(read.Code, Is.EqualTo(200));
        Assert.That(read.Data!["policy"]!.GetValue<string>(), Does.Contain("auth/token/lookup-self").And.Contain("cubbyhole/*").And.Contain("sys/leases/renew"));
        Assert.That(delete.Code, Is.EqualTo(400));
        Assert.That(delete.Errors, Is.EqualTo(new[] { "cannot delete default policy" }));
    }

    [Test]
    public async Task RevokedToken_ItsCubbyholeDataIsDropped(CancellationToken ct)
    {
        DoubleOnly("inspects the server's storage folder");
        var created = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default") }, Root, ct);
        var token = created.Json!["auth"]!["client_token"]!.GetValue<string>();
        var accessor = created.Json!["auth"]!["accessor"]!.GetValue<string>();
        Assert.That((await Http.PostAsync("cubbyhole/notes/a", new JsonObject { ["v"] = "1" }, token, ct)).Code, Is.EqualTo(204));
        Assert.That((await Http.PostAsync("cubbyhole/b", new JsonObject { ["v"] = "2" }, token, ct)).Code, Is.EqualTo(204));
        var before = CubbyholeFiles(accessor);

        Assert.That((await Http.PostAsync("auth/token/revoke-self", null, token, ct)).Code, Is.EqualTo(204));

        Assert.That(before, Has.Count.EqualTo(2), "the writes landed in the token's cubbyhole folder");
        Assert.That(CubbyholeFiles(accessor), Is.Empty);
    }

    private List<string> CubbyholeFiles(string accessor)
    {
        // File storage removes folders that become empty, up to the root, so "logical" may be gone.
        var logical = Path.Combine(Target.Server!.StoragePath, "logical");
        return !Directory.Exists(logical) ? [] : Directory.EnumerateDirectories(logical)
            .Select(mount => Path.Combine(mount, "t", accessor))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "_*", SearchOption.AllDirectories))
            .ToList();
    }
}
