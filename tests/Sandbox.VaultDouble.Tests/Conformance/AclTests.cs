using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§5 policies and ACL precedence. Portable.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class AclTests : ConformanceFixture
{
    private string _kv = "";

    [OneTimeSetUp]
    public async Task MountAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _kv = await MountAsync("kv-v2", cts.Token);
        foreach (var p in new[] { "app/config", "app/other", "app/deep/x", "team/a/secret", "team/b/secret", "public/x", "admin" })
        {
            var r = await Http.PostAsync($"{_kv}/data/{p}", new JsonObject { ["data"] = new JsonObject { ["v"] = p } }, Root, cts.Token);
            Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        }
    }

    private async Task<string> TokenForAsync(string hcl, CancellationToken ct) => await TokenAsync(ct, await PolicyAsync(hcl.Replace("KV", _kv, StringComparison.Ordinal), ct));

    private async Task<int> ReadAsync(string token, string path, CancellationToken ct) => (await Http.GetAsync($"{_kv}/data/{path}", token, ct)).Code;

    [Test]
    public async Task Policy_Crud_WithHclAndJson(CancellationToken ct)
    {
        var name = Unique("crud");
        var hcl = """path "secret/*" { capabilities = ["read"] }""";
        var put = await Http.PutAsync("sys/policies/acl/" + name, new JsonObject { ["policy"] = hcl }, Root, ct);
        var get = await Http.GetAsync("sys/policies/acl/" + name, Root, ct);
        var json = await Http.PutAsync("sys/policies/acl/" + name, new JsonObject { ["policy"] = """{"path":{"secret/*":{"capabilities":["list"]}}}""" }, Root, ct);
        var list = await Http.ListAsync("sys/policies/acl", Root, ct);
        var listQuery = await Http.GetAsync("sys/policies/acl?list=true", Root, ct);
        var delete = await Http.DeleteAsync("sys/policies/acl/" + name, Root, ct);
        var gone = await Http.GetAsync("sys/policies/acl/" + name, Root, ct);
        var deleteAgain = await Http.DeleteAsync("sys/policies/acl/" + name, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(put.Code, Is.EqualTo(204));
            Assert.That(get.Data!["name"]!.GetValue<string>(), Is.EqualTo(name));
            Assert.That(get.Data!["policy"]!.GetValue<string>(), Is.EqualTo(hcl));
            Assert.That(json.Code, Is.EqualTo(204));
            var keys = list.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
            Assert.That(keys, Does.Contain("default").And.Contain("root").And.Contain(name));
            Assert.That(listQuery.Data!["keys"]!.AsArray().Count, Is.EqualTo(keys.Count));
            Assert.That(delete.Code, Is.EqualTo(204));
            Assert.That(gone.Code, Is.EqualTo(404));
            Assert.That(gone.Text, Is.EqualTo("""{"errors":[]}"""));
            Assert.That(deleteAgain.Code, Is.EqualTo(204));
        });
    }

    [TestCase("", "'policy' parameter not supplied or empty")]
    [TestCase("""path "x" { capabilities = ["foo"] }""", "failed to parse policy: path \"x\": invalid capability \"foo\"")]
    [TestCase("""path "x/+*" { capabilities = ["read"] }""", "failed to parse policy: path \"x/+*\": invalid use of wildcards ('+*' is forbidden)")]
    [TestCase("""path "x" { capabilities = ["read"] """, "failed to parse policy")]
    public async Task Policy_Invalid_Is400(string text, string message, CancellationToken ct)
    {
        var r = await Http.PutAsync("sys/policies/acl/" + Unique("bad"), new JsonObject { ["policy"] = text }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors.Single(), Does.StartWith(message));
    }

    [TestCase("root", "cannot update \"root\" policy")]
    [TestCase("response-wrapping", "cannot update \"response-wrapping\" policy")]
    public async Task Policy_ReservedName_CannotBeWritten(string name, string message, CancellationToken ct)
    {
        var r = await Http.PutAsync("sys/policies/acl/" + name, new JsonObject { ["policy"] = """path "x" { capabilities = ["read"] }""" }, Root, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task Policy_RootCannotBeDeleted(CancellationToken ct)
    {
        var r = await Http.DeleteAsync("sys/policies/acl/root", Root, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "cannot delete \"root\" policy" }));
    }

    [Test]
    public async Task Policy_UppercaseName_IsLowercasedWithWarning(CancellationToken ct)
    {
        var name = Unique("Upper");
        var r = await Http.PutAsync("sys/policies/acl/" + name, new JsonObject { ["policy"] = """path "x" { capabilities = ["read"] }""" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200));
        Assert.That(r.Warnings, Is.EqualTo(new[] { $"policy name was converted to {name.ToLowerInvariant()}" }));
        Assert.That((await Http.GetAsync("sys/policies/acl/" + name.ToLowerInvariant(), Root, ct)).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Denied_Is403Multierror(CancellationToken ct)
    {
        var token = await TokenForAsync("""path "KV/data/app/config" { capabilities = ["read"] }""", ct);
        var r = await Http.GetAsync($"{_kv}/data/app/other", token, ct);
        Assert.That(r.Code, Is.EqualTo(403));
        Assert.That(r.Errors, Has.Some.Contains("permission denied"));
    }

    [Test]
    public async Task ExactPath_BeatsGlob(CancellationToken ct)
    {
        var token = await TokenForAsync("""
            path "KV/data/app/*" { capabilities = ["read"] }
            path "KV/data/app/config" { capabilities = ["deny"] }
            """, ct);
        Assert.That(await ReadAsync(token, "app/config", ct), Is.EqualTo(403));
        Assert.That(await ReadAsync(token, "app/other", ct), Is.EqualTo(200));
    }

    [Test]
    public async Task LongerGlob_Wins_AndRulesAreNotMerged(CancellationToken ct)
    {
        var token = await TokenForAsync("""
            path "KV/data/*" { capabilities = ["read"] }
            path "KV/data/app/deep/*" { capabilities = ["list"] }
            """, ct);
        Assert.That(await ReadAsync(token, "app/config", ct), Is.EqualTo(200));
        Assert.That(await ReadAsync(token, "app/deep/x", ct), Is.EqualTo(403), "only the most specific rule applies");
    }

    [Test]
    public async Task PlusSegment_MatchesExactlyOneSegment(CancellationToken ct)
    {
        var token = await TokenForAsync("""path "KV/data/team/+/secret" { capabilities = ["read"] }""", ct);
        Assert.That(await ReadAsync(token, "team/a/secret", ct), Is.EqualTo(200));
        Assert.That(await ReadAsync(token, "team/b/secret", ct), Is.EqualTo(200));
        Assert.That(await ReadAsync(token, "app/config", ct), Is.EqualTo(403));
    }

    [Test]
    public async Task LaterWildcard_BeatsEarlierWildcard(CancellationToken ct)
    {
        var token = await TokenForAsync("""
            path "KV/data/+/a/secret" { capabilities = ["deny"] }
            path "KV/data/team/+/secret" { capabilities = ["read"] }
            """, ct);
        Assert.That(await ReadAsync(token, "team/a/secret", ct), Is.EqualTo(200), "first wildcard later in the pattern wins");
    }

    [Test]
    public async Task DenyOnSamePathAcrossPolicies_Wins(CancellationToken ct)
    {
        var allow = await PolicyAsync($$"""path "{{_kv}}/data/public/*" { capabilities = ["read", "sudo"] }""", ct);
        var deny = await PolicyAsync($$"""path "{{_kv}}/data/public/*" { capabilities = ["deny"] }""", ct);
        var both = await TokenAsync(ct, allow, deny);
        var onlyAllow = await TokenAsync(ct, allow);
        Assert.That(await ReadAsync(both, "public/x", ct), Is.EqualTo(403));
        Assert.That(await ReadAsync(onlyAllow, "public/x", ct), Is.EqualTo(200));
    }

    [Test]
    public async Task SamePathAcrossPolicies_CapabilitiesAreUnited(CancellationToken ct)
    {
        var read = await PolicyAsync($$"""path "{{_kv}}/data/app/config" { capabilities = ["read"] }""", ct);
        var update = await PolicyAsync($$"""path "{{_kv}}/data/app/config" { capabilities = ["update"] }""", ct);
        var token = await TokenAsync(ct, read, update);
        Assert.That(await ReadAsync(token, "app/config", ct), Is.EqualTo(200));
        var write = await Http.PostAsync($"{_kv}/data/app/config", new JsonObject { ["data"] = new JsonObject { ["v"] = "x" } }, token, ct);
        Assert.That(write.Code, Is.EqualTo(200), write.ToString());
    }

    [Test]
    public async Task CreateVsUpdate_UsesExistenceCheck(CancellationToken ct)
    {
        var token = await TokenForAsync("""path "KV/data/*" { capabilities = ["update", "read"] }""", ct);
        var existing = await Http.PostAsync($"{_kv}/data/app/config", new JsonObject { ["data"] = new JsonObject { ["v"] = "y" } }, token, ct);
        var fresh = await Http.PostAsync($"{_kv}/data/{Unique("new")}", new JsonObject { ["data"] = new JsonObject { ["v"] = "y" } }, token, ct);
        Assert.That(existing.Code, Is.EqualTo(200), existing.ToString());
        Assert.That(fresh.Code, Is.EqualTo(403), "writing a new key needs create");
    }

    [Test]
    public async Task List_OnFolder_NeedsListCapability(CancellationToken ct)
    {
        var token = await TokenForAsync("""path "KV/metadata/app/*" { capabilities = ["list"] }""", ct);
        var r = await Http.ListAsync($"{_kv}/metadata/app/", token, ct);
        var denied = await Http.ListAsync($"{_kv}/metadata/team/", token, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.That(r.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Is.EqualTo(new[] { "config", "deep/", "other" }));
        Assert.That(denied.Code, Is.EqualTo(403));
    }

    [Test]
    public async Task RootPath_NeedsSudo(CancellationToken ct)
    {
        var path = Unique("jwt");
        var noSudo = await TokenForAsync($$"""path "sys/auth/*" { capabilities = ["create", "update", "read"] }""", ct);
        var sudo = await TokenForAsync($$"""path "sys/auth/*" { capabilities = ["create", "update", "read", "sudo"] }""", ct);
        var denied = await Http.PostAsync("sys/auth/" + path, new JsonObject { ["type"] = "jwt" }, noSudo, ct);
        var allowed = await Http.PostAsync("sys/auth/" + path, new JsonObject { ["type"] = "jwt" }, sudo, ct);
        Assert.That(denied.Code, Is.EqualTo(403));
        Assert.That(allowed.Code, Is.EqualTo(204), allowed.ToString());
    }

    [Test]
    public async Task DefaultPolicyAlone_CannotReadSecrets_ButCanLookupSelf(CancellationToken ct)
    {
        var token = await TokenAsync(ct, "default");
        Assert.That(await ReadAsync(token, "app/config", ct), Is.EqualTo(403));
        Assert.That((await Http.GetAsync("auth/token/lookup-self", token, ct)).Code, Is.EqualTo(200));
        var unmounted = await Http.GetAsync("nomount/" + Unique("x"), token, ct);
        Assert.That(unmounted.Code, Is.EqualTo(403), "non-root tokens get the ACL 403 before the missing route");
    }

    [Test]
    public async Task CapabilitiesSelf_ReportsTheSelectedRule(CancellationToken ct)
    {
        var token = await TokenForAsync("""
            path "KV/data/app/*" { capabilities = ["read", "list"] }
            path "KV/data/app/config" { capabilities = ["deny"] }
            """, ct);
        var r = await Http.PostAsync("sys/capabilities-self", new JsonObject { ["paths"] = new JsonArray($"{_kv}/data/app/other", $"{_kv}/data/app/config") }, token, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.That(r.Data![$"{_kv}/data/app/other"]!.AsArray().Select(c => c!.GetValue<string>()), Is.EqualTo(new[] { "list", "read" }));
        Assert.That(r.Data![$"{_kv}/data/app/config"]!.AsArray().Select(c => c!.GetValue<string>()), Is.EqualTo(new[] { "deny" }));
    }
}
