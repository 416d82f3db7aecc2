using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§7 KV version 1. Portable.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class KvV1Tests : ConformanceFixture
{
    private string _kv = "";

    [OneTimeSetUp]
    public async Task MountKvAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _kv = await MountAsync("kv", cts.Token, options: new JsonObject { ["version"] = "1" });
    }

    [Test]
    public async Task Write_Is204_ReadReturnsObjectAsWritten_WithMountTtl(CancellationToken ct)
    {
        var path = Unique("a");
        var w = await Http.PutAsync($"{_kv}/{path}", new JsonObject { ["user"] = "u", ["n"] = 3, ["nested"] = new JsonObject { ["x"] = true } }, Root, ct);
        var r = await Http.GetAsync($"{_kv}/{path}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(w.Code, Is.EqualTo(204));
            Assert.That(r.Code, Is.EqualTo(200));
            Assert.That(r.Data!.ToJsonString(), Is.EqualTo("""{"user":"u","n":3,"nested":{"x":true}}"""));
            Assert.That(r.Json!["lease_id"]!.GetValue<string>(), Is.Empty);
            Assert.That(r.Json!["renewable"]!.GetValue<bool>(), Is.False);
            Assert.That(r.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(2764800));
        });
    }

    [Test]
    public async Task EmptyBody_IsMissingDataFields(CancellationToken ct)
    {
        var r = await Http.PutAsync($"{_kv}/{Unique("e")}", new JsonObject(), Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { "missing data fields" }));
    }

    [Test]
    public async Task List_Delete_AndMissing404(CancellationToken ct)
    {
        var folder = Unique("f");
        await Http.PutAsync($"{_kv}/{folder}/a", new JsonObject { ["x"] = 1 }, Root, ct);
        await Http.PutAsync($"{_kv}/{folder}/sub/b", new JsonObject { ["x"] = 1 }, Root, ct);
        var list = await Http.ListAsync($"{_kv}/{folder}", Root, ct);
        var delete = await Http.DeleteAsync($"{_kv}/{folder}/a", Root, ct);
        var gone = await Http.GetAsync($"{_kv}/{folder}/a", Root, ct);
        var emptyList = await Http.ListAsync($"{_kv}/{Unique("none")}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(list.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Is.EqualTo(new[] { "a", "sub/" }));
            Assert.That(delete.Code, Is.EqualTo(204));
            Assert.That(gone.Code, Is.EqualTo(404));
            Assert.That(gone.Text, Is.EqualTo("""{"errors":[]}"""));
            Assert.That(emptyList.Code, Is.EqualTo(404));
        });
    }

    [Test]
    public async Task TtlField_SetsLeaseDuration(CancellationToken ct)
    {
        var path = Unique("ttl");
        await Http.PutAsync($"{_kv}/{path}", new JsonObject { ["v"] = "x", ["ttl"] = "1h" }, Root, ct);
        var r = await Http.GetAsync($"{_kv}/{path}", Root, ct);
        Assert.That(r.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(3600));
    }
}
