using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§6 mounts and auth methods. Portable.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class MountTests : ConformanceFixture
{
    [Test]
    public async Task Mounts_ListsBuiltinsWithShape_DataAlsoAtTopLevel(CancellationToken ct)
    {
        var r = await Http.GetAsync("sys/mounts", Root, ct);
        Assert.That(r.Code, Is.EqualTo(200));
        foreach (var path in new[] { "cubbyhole/", "identity/", "sys/" })
        {
            var m = r.Data![path];
            Assert.That(m, Is.Not.Null, path);
            Assert.That(r.Json![path], Is.Not.Null, "injected at top level");
            foreach (var key in new[] { "type", "description", "accessor", "local", "seal_wrap", "external_entropy_access", "options", "uuid", "config" })
            {
                Assert.That(m!.AsObject().ContainsKey(key), Is.True, $"{path} has {key}");
            }

            Assert.That(m!["config"]!["default_lease_ttl"]!.GetValue<long>(), Is.Zero);
        }
    }

    [Test]
    public async Task KvV2Alias_MountsKvWithVersion2(CancellationToken ct)
    {
        var path = await MountAsync("kv-v2", ct);
        var r = await Http.GetAsync("sys/mounts", Root, ct);
        Assert.That(r.Data![path + "/"]!["type"]!.GetValue<string>(), Is.EqualTo("kv"));
        Assert.That(r.Data![path + "/"]!["options"]!["version"]!.GetValue<string>(), Is.EqualTo("2"));
    }

    [Test]
    public async Task PlainKv_IsVersion1(CancellationToken ct)
    {
        var path = await MountAsync("kv", ct);
        var write = await Http.PutAsync($"{path}/foo", new JsonObject { ["a"] = "b" }, Root, ct);
        Assert.That(write.Code, Is.EqualTo(204), "a v1 write answers 204");
    }

    [Test]
    public async Task MountWithTtls_ShowsThemInConfig(CancellationToken ct)
    {
        var path = await MountAsync("transit", ct, config: new JsonObject { ["default_lease_ttl"] = "1h", ["max_lease_ttl"] = "24h" });
        var r = await Http.GetAsync("sys/mounts", Root, ct);
        Assert.That(r.Data![path + "/"]!["config"]!["default_lease_ttl"]!.GetValue<long>(), Is.EqualTo(3600));
        Assert.That(r.Data![path + "/"]!["config"]!["max_lease_ttl"]!.GetValue<long>(), Is.EqualTo(86400));
    }

    [Test]
    public async Task Overlap_NamesTheExistingMount(CancellationToken ct)
    {
        var path = await MountAsync("kv-v2", ct);
        var same = await Http.PostAsync($"sys/mounts/{path}", new JsonObject { ["type"] = "kv" }, Root, ct);
        var under = await Http.PostAsync($"sys/mounts/{path}/nested", new JsonObject { ["type"] = "kv" }, Root, ct);
        Assert.That(same.Code, Is.EqualTo(400));
        Assert.That(same.Errors.Single(), Does.Contain($"path is already in use at {path}/"));
        Assert.That(under.Code, Is.EqualTo(400));
        Assert.That(under.Errors.Single(), Does.Contain($"path is already in use at {path}/"));
    }

    [Test]
    public async Task UnknownType_PluginNotFound(CancellationToken ct)
    {
        var r = await Http.PostAsync("sys/mounts/" + Unique("x"), new JsonObject { ["type"] = "foo" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors.Single(), Does.Contain("plugin not found in the catalog: foo"));
    }

    [Test]
    public async Task VersionOnNonKv_IsRefused(CancellationToken ct)
    {
        var r = await Http.PostAsync("sys/mounts/" + Unique("t"), new JsonObject { ["type"] = "transit", ["options"] = new JsonObject { ["version"] = "2" } }, Root, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "secrets engine \"transit\" does not allow setting a version" }));
    }

    [Test]
    public async Task DefaultTtlAboveMax_IsRefused(CancellationToken ct)
    {
        var r = await Http.PostAsync("sys/mounts/" + Unique("t"), new JsonObject { ["type"] = "kv", ["config"] = new JsonObject { ["default_lease_ttl"] = "2h", ["max_lease_ttl"] = "1h" } }, Root, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "given default lease TTL greater than given max lease TTL" }));
    }

    [Test]
    public async Task Unmount_Is204_EvenWhenAbsent(CancellationToken ct)
    {
        var path = await MountAsync("kv", ct);
        Assert.That((await Http.DeleteAsync("sys/mounts/" + path, Root, ct)).Code, Is.EqualTo(204));
        Assert.That((await Http.DeleteAsync("sys/mounts/" + path, Root, ct)).Code, Is.EqualTo(204));
        var r = await Http.GetAsync("sys/mounts", Root, ct);
        Assert.That(r.Data![path + "/"], Is.Null);
    }

    [Test]
    public async Task Auth_ListsTokenAlways_AndMountsJwtAndKubernetes(CancellationToken ct)
    {
        var jwt = Unique("jwt");
        var k8s = Unique("k8s");
        Assert.That((await Http.PostAsync("sys/auth/" + jwt, new JsonObject { ["type"] = "jwt" }, Root, ct)).Code, Is.EqualTo(204));
        Assert.That((await Http.PostAsync("sys/auth/" + k8s, new JsonObject { ["type"] = "kubernetes" }, Root, ct)).Code, Is.EqualTo(204));
        var r = await Http.GetAsync("sys/auth", Root, ct);
        Assert.That(r.Data!["token/"]!["type"]!.GetValue<string>(), Is.EqualTo("token"));
        Assert.That(r.Data![jwt + "/"]!["type"]!.GetValue<string>(), Is.EqualTo("jwt"));
        Assert.That(r.Data![k8s + "/"]!["type"]!.GetValue<string>(), Is.EqualTo("kubernetes"));
        var overlap = await Http.PostAsync("sys/auth/" + jwt, new JsonObject { ["type"] = "jwt" }, Root, ct);
        Assert.That(overlap.Errors.Single(), Does.Contain($"path is already in use at {jwt}/"));
        var unknown = await Http.PostAsync("sys/auth/" + Unique("x"), new JsonObject { ["type"] = "foo" }, Root, ct);
        Assert.That(unknown.Errors.Single(), Does.Contain("plugin not found in the catalog: foo"));
    }

    [Test]
    public async Task NoMountAtPath_RootGets404NoHandler(CancellationToken ct)
    {
        var path = Unique("nothing") + "/bar";
        var r = await Http.GetAsync(path, Root, ct);
        Assert.That(r.Code, Is.EqualTo(404));
        Assert.That(r.Errors, Is.EqualTo(new[] { $"no handler for route \"{path}\". route entry not found." }));
    }
}
