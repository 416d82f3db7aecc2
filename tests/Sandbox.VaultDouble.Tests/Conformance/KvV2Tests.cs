using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§7 KV version 2. Portable.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class KvV2Tests : ConformanceFixture
{
    private string _kv = "";

    [OneTimeSetUp]
    public async Task MountKvAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _kv = await MountAsync("kv-v2", cts.Token);
    }

    private Task<VaultResponse> WriteAsync(string path, JsonObject data, CancellationToken ct, long? cas = null)
    {
        var body = new JsonObject { ["data"] = data };
        if (cas is not null)
        {
            body["options"] = new JsonObject { ["cas"] = cas };
        }

        return Http.PostAsync($"{_kv}/data/{path}", body, Root, ct);
    }

    [Test]
    public async Task Write_ThenRead_ReturnsDataAndMetadata(CancellationToken ct)
    {
        var path = Unique("s");
        var w = await WriteAsync(path, new JsonObject { ["password"] = "p1" }, ct);
        var r = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(w.Code, Is.EqualTo(200));
            Assert.That(w.Data!["version"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(w.Data!["deletion_time"]!.GetValue<string>(), Is.Empty);
            Assert.That(w.Data!["destroyed"]!.GetValue<bool>(), Is.False);
            Assert.That(DateTimeOffset.TryParse(w.Data!["created_time"]!.GetValue<string>(), out _), Is.True);
            Assert.That(r.Data!["data"]!["password"]!.GetValue<string>(), Is.EqualTo("p1"));
            Assert.That(r.Data!["metadata"]!["version"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(r.Json!["lease_id"]!.GetValue<string>(), Is.Empty);
        });
    }

    [Test]
    public async Task Versions_IncrementAndOldVersionsStayReadable(CancellationToken ct)
    {
        var path = Unique("v");
        for (var i = 1; i <= 3; i++)
        {
            Assert.That((await WriteAsync(path, new JsonObject { ["n"] = i }, ct)).Data!["version"]!.GetValue<long>(), Is.EqualTo(i));
        }

        var latest = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        var v1 = await Http.GetAsync($"{_kv}/data/{path}?version=1", Root, ct);
        var v9 = await Http.GetAsync($"{_kv}/data/{path}?version=9", Root, ct);
        var meta = await Http.GetAsync($"{_kv}/metadata/{path}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(latest.Data!["data"]!["n"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(v1.Data!["data"]!["n"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(v9.Code, Is.EqualTo(404));
            Assert.That(meta.Data!["current_version"]!.GetValue<long>(), Is.EqualTo(3));
            Assert.That(meta.Data!["oldest_version"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(meta.Data!["versions"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "1", "2", "3" }));
            Assert.That(meta.Data!["delete_version_after"]!.GetValue<string>(), Is.EqualTo("0s"));
            Assert.That(meta.Data!["cas_required"]!.GetValue<bool>(), Is.False);
        });
    }

    [Test]
    public async Task Cas_MustMatchCurrentVersion(CancellationToken ct)
    {
        var path = Unique("cas");
        var first = await WriteAsync(path, new JsonObject { ["a"] = 1 }, ct, cas: 0);
        var again0 = await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct, cas: 0);
        var wrong = await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct, cas: 5);
        var right = await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct, cas: 1);
        Assert.Multiple(() =>
        {
            Assert.That(first.Code, Is.EqualTo(200));
            Assert.That(again0.Code, Is.EqualTo(400));
            Assert.That(again0.Errors, Is.EqualTo(new[] { "check-and-set parameter did not match the current version" }));
            Assert.That(wrong.Errors, Is.EqualTo(new[] { "check-and-set parameter did not match the current version" }));
            Assert.That(right.Data!["version"]!.GetValue<long>(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task CasRequired_OnMetadata_RefusesWritesWithoutCas(CancellationToken ct)
    {
        var path = Unique("casreq");
        await WriteAsync(path, new JsonObject { ["a"] = 1 }, ct);
        var meta = await Http.PostAsync($"{_kv}/metadata/{path}", new JsonObject { ["cas_required"] = true }, Root, ct);
        var without = await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct);
        var with = await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct, cas: 1);
        Assert.That(meta.Code, Is.EqualTo(204));
        Assert.That(without.Errors, Is.EqualTo(new[] { "check-and-set parameter required for this call" }));
        Assert.That(with.Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Write_WithoutData_IsNoDataProvided(CancellationToken ct)
    {
        var r = await Http.PostAsync($"{_kv}/data/{Unique("x")}", new JsonObject { ["foo"] = "bar" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { "no data provided" }));
    }

    [Test]
    public async Task SoftDeletedVersion_Is404WithDataBody_AndUndeleteRestores(CancellationToken ct)
    {
        var path = Unique("del");
        await WriteAsync(path, new JsonObject { ["a"] = 1 }, ct);
        var del = await Http.DeleteAsync($"{_kv}/data/{path}", Root, ct);
        var read = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(del.Code, Is.EqualTo(204));
            Assert.That(read.Code, Is.EqualTo(404));
            Assert.That(read.Json!["errors"], Is.Null, "a deleted version answers the normal envelope, not errors");
            Assert.That(read.Data!["data"], Is.Null);
            Assert.That(read.Data!["metadata"]!["deletion_time"]!.GetValue<string>(), Is.Not.Empty);
        });
        var undelete = await Http.PostAsync($"{_kv}/undelete/{path}", new JsonObject { ["versions"] = new JsonArray(1) }, Root, ct);
        var back = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        Assert.That(undelete.Code, Is.EqualTo(204));
        Assert.That(back.Code, Is.EqualTo(200));
        Assert.That(back.Data!["data"]!["a"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task DeleteVersions_ThenDestroy_IsPermanent(CancellationToken ct)
    {
        var path = Unique("destroy");
        await WriteAsync(path, new JsonObject { ["a"] = 1 }, ct);
        await WriteAsync(path, new JsonObject { ["a"] = 2 }, ct);
        var delete = await Http.PostAsync($"{_kv}/delete/{path}", new JsonObject { ["versions"] = new JsonArray(1) }, Root, ct);
        var destroy = await Http.PostAsync($"{_kv}/destroy/{path}", new JsonObject { ["versions"] = new JsonArray(2) }, Root, ct);
        var undelete = await Http.PostAsync($"{_kv}/undelete/{path}", new JsonObject { ["versions"] = new JsonArray(2) }, Root, ct);
        var v2 = await Http.GetAsync($"{_kv}/data/{path}?version=2", Root, ct);
        var v1 = await Http.GetAsync($"{_kv}/data/{path}?version=1", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(delete.Code, Is.EqualTo(204));
            Assert.That(destroy.Code, Is.EqualTo(204));
            Assert.That(undelete.Code, Is.EqualTo(204));
            Assert.That(v2.Code, Is.EqualTo(404));
            Assert.That(v2.Data!["metadata"]!["destroyed"]!.GetValue<bool>(), Is.True);
            Assert.That(v1.Code, Is.EqualTo(404));
            Assert.That(v1.Data!["metadata"]!["deletion_time"]!.GetValue<string>(), Is.Not.Empty);
        });
    }

    [Test]
    public async Task DeleteMetadata_RemovesAllVersions(CancellationToken ct)
    {
        var path = Unique("meta");
        await WriteAsync(path, new JsonObject { ["a"] = 1 }, ct);
        Assert.That((await Http.DeleteAsync($"{_kv}/metadata/{path}", Root, ct)).Code, Is.EqualTo(204));
        var read = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        Assert.That(read.Code, Is.EqualTo(404));
        Assert.That(read.Text, Is.EqualTo("""{"errors":[]}"""));
    }

    [Test]
    public async Task ListMetadata_ShowsKeysAndFolders_MissingIs404(CancellationToken ct)
    {
        var folder = Unique("list");
        await WriteAsync($"{folder}/a", new JsonObject { ["x"] = 1 }, ct);
        await WriteAsync($"{folder}/b/c", new JsonObject { ["x"] = 1 }, ct);
        var list = await Http.ListAsync($"{_kv}/metadata/{folder}", Root, ct);
        var query = await Http.GetAsync($"{_kv}/metadata/{folder}/?list=true", Root, ct);
        var missing = await Http.ListAsync($"{_kv}/metadata/{Unique("none")}", Root, ct);
        Assert.That(list.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Is.EqualTo(new[] { "a", "b/" }));
        Assert.That(query.Data!["keys"]!.AsArray().Count, Is.EqualTo(2));
        Assert.That(missing.Code, Is.EqualTo(404));
    }

    [Test]
    public async Task Patch_MergesIntoLatest_MissingIs404(CancellationToken ct)
    {
        var path = Unique("patch");
        await WriteAsync(path, new JsonObject { ["a"] = 1, ["b"] = 2 }, ct);
        var patch = await Http.SendAsync("PATCH", $"{_kv}/data/{path}", new JsonObject { ["data"] = new JsonObject { ["b"] = 3, ["c"] = 4 } }, Root, ct, contentType: "application/merge-patch+json");
        var read = await Http.GetAsync($"{_kv}/data/{path}", Root, ct);
        var missing = await Http.SendAsync("PATCH", $"{_kv}/data/{Unique("none")}", new JsonObject { ["data"] = new JsonObject { ["b"] = 3 } }, Root, ct, contentType: "application/merge-patch+json");
        Assert.That(patch.Code, Is.EqualTo(200), patch.ToString());
        Assert.That(patch.Data!["version"]!.GetValue<long>(), Is.EqualTo(2));
        Assert.That(read.Data!["data"]!.ToJsonString(), Is.EqualTo("""{"a":1,"b":3,"c":4}"""));
        Assert.That(missing.Code, Is.EqualTo(404));
    }

    [Test]
    public async Task MaxVersions_DropsOldest(CancellationToken ct)
    {
        var path = Unique("max");
        await Http.PostAsync($"{_kv}/metadata/{path}", new JsonObject { ["max_versions"] = 2 }, Root, ct);
        for (var i = 0; i < 4; i++)
        {
            await WriteAsync(path, new JsonObject { ["i"] = i }, ct);
        }

        var meta = await Http.GetAsync($"{_kv}/metadata/{path}", Root, ct);
        Assert.That(meta.Data!["oldest_version"]!.GetValue<long>(), Is.EqualTo(3));
        Assert.That((await Http.GetAsync($"{_kv}/data/{path}?version=1", Root, ct)).Code, Is.EqualTo(404));
    }

    [Test]
    public async Task PathWithoutDataPrefix_Is404WithVaultCliWarning(CancellationToken ct)
    {
        var r = await Http.GetAsync($"{_kv}/{Unique("foo")}", Root, ct);
        Assert.That(r.Code, Is.EqualTo(404));
        Assert.That(r.Warnings.Single(), Does.StartWith("Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use."));
        Assert.That(r.Warnings.Single(), Does.Contain("'vault kv get'"), "the double follows HashiCorp Vault's CLI wording");
    }

    [Test]
    public async Task MissingKey_Is404EmptyErrors(CancellationToken ct)
    {
        var r = await Http.GetAsync($"{_kv}/data/{Unique("none")}", Root, ct);
        Assert.That(r.Code, Is.EqualTo(404));
        Assert.That(r.Text, Is.EqualTo("""{"errors":[]}"""));
    }
}
