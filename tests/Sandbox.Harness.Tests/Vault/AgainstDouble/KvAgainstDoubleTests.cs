using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>KV v1 and KV v2 (cas, versions, patch, delete/undelete/destroy, metadata) through the typed client.</summary>
[TestFixture]
public sealed class KvAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(20_000)]
    public async Task KvV1_WriteReadListDelete(CancellationToken cancellationToken)
    {
        var mount = DoubleEnvironment.Unique("kv1");
        await Env.Root.EnableSecretsEngineAsync(mount, MountRequest.KvV1(), cancellationToken);

        await Env.Root.KvV1WriteAsync(mount, "app/config", new JsonObject { ["user"] = "app", ["port"] = 5432 }, cancellationToken);
        await Env.Root.KvV1WriteAsync(mount, "app/extra/deep", new JsonObject { ["k"] = "v" }, cancellationToken);
        await Env.Root.KvV1WriteAsync(mount, "top", new JsonObject { ["k"] = "v" }, cancellationToken);

        var read = await Env.Root.KvV1ReadAsync(mount, "app/config", cancellationToken);
        var rootList = await Env.Root.KvV1ListAsync(mount, cancellationToken: cancellationToken);
        var appList = await Env.Root.KvV1ListAsync(mount, "app", cancellationToken);
        var missing = await Env.Root.KvV1ReadAsync(mount, "app/nothing", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(read!["user"]!.GetValue<string>(), Is.EqualTo("app"));
            Assert.That(read["port"]!.GetValue<int>(), Is.EqualTo(5432));
            Assert.That(rootList, Is.EquivalentTo(new[] { "app/", "top" }));
            Assert.That(appList, Is.EquivalentTo(new[] { "config", "extra/" }));
            Assert.That(missing, Is.Null);
        });

        // A write replaces the whole entry (no merge in v1).
        await Env.Root.KvV1WriteAsync(mount, "app/config", new JsonObject { ["user"] = "app2" }, cancellationToken);
        var replaced = await Env.Root.KvV1ReadAsync(mount, "app/config", cancellationToken);
        Assert.That(replaced!.Select(p => p.Key), Is.EqualTo(new[] { "user" }));

        await Env.Root.KvV1DeleteAsync(mount, "app/config", cancellationToken);
        Assert.That(await Env.Root.KvV1ReadAsync(mount, "app/config", cancellationToken), Is.Null);
        Assert.That(await Env.Root.KvV1ListAsync(mount, "app", cancellationToken), Is.EqualTo(new[] { "extra/" }));
        await Env.Root.DisableSecretsEngineAsync(mount, cancellationToken);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task KvV2_CasVersionsPatchDeleteUndeleteDestroyMetadata(CancellationToken cancellationToken)
    {
        var mount = DoubleEnvironment.Unique("kv2");
        const string path = "app/config";
        await Env.Root.EnableSecretsEngineAsync(mount, MountRequest.KvV2(), cancellationToken);

        // cas=0: create only if absent; cas=N: only if N is current.
        var v1 = await Env.Root.KvV2WriteAsync(mount, path, new JsonObject { ["user"] = "a", ["password"] = "p1" }, cas: 0, cancellationToken);
        var v2 = await Env.Root.KvV2WriteAsync(mount, path, new JsonObject { ["user"] = "a", ["password"] = "p2" }, cas: 1, cancellationToken);
        var stale = Assert.ThrowsAsync<VaultApiException>(() => Env.Root.KvV2WriteAsync(mount, path, new JsonObject { ["x"] = "y" }, cas: 1, cancellationToken));
        var createOnly = Assert.ThrowsAsync<VaultApiException>(() => Env.Root.KvV2WriteAsync(mount, path, new JsonObject { ["x"] = "y" }, cas: 0, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(v1.Version, Is.EqualTo(1));
            Assert.That(v1.CreatedTime, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(2)));
            Assert.That(v1.DeletionTime, Is.Null);
            Assert.That(v1.Destroyed, Is.False);
            Assert.That(v2.Version, Is.EqualTo(2));
            Assert.That(stale!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(stale.HasError("check-and-set parameter did not match the current version"), Is.True, string.Join("; ", stale.Errors));
            Assert.That(createOnly!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        });

        // Read latest and by version.
        var latest = await Env.Root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken);
        var first = await Env.Root.KvV2ReadAsync(mount, path, version: 1, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(latest!.Metadata.Version, Is.EqualTo(2));
            Assert.That(latest.Data!["password"]!.GetValue<string>(), Is.EqualTo("p2"));
            Assert.That(first!.Metadata.Version, Is.EqualTo(1));
            Assert.That(first.Data!["password"]!.GetValue<string>(), Is.EqualTo("p1"));
            Assert.That(latest.ToString(), Does.Not.Contain("p2"), "ToString names the keys, never the values");
        });

        // Patch merges into the latest version.
        var v3 = await Env.Root.KvV2PatchAsync(mount, path, new JsonObject { ["password"] = "p3", ["extra"] = "e" }, cancellationToken: cancellationToken);
        var patched = await Env.Root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(v3.Version, Is.EqualTo(3));
            Assert.That(patched!.Data!.ToJsonString(), Is.EqualTo(new JsonObject { ["user"] = "a", ["password"] = "p3", ["extra"] = "e" }.ToJsonString()));
        });

        // Soft delete of the latest: a read says deleted, with no data; undelete brings it back.
        await Env.Root.KvV2DeleteLatestAsync(mount, path, cancellationToken);
        var deleted = await Env.Root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(deleted, Is.Not.Null, "a soft-deleted version is a 404 with a body, not 'nothing here'");
            Assert.That(deleted!.Data, Is.Null);
            Assert.That(deleted.IsDeleted, Is.True);
            Assert.That(deleted.IsDestroyed, Is.False);
            Assert.That(deleted.Metadata.Version, Is.EqualTo(3));
            Assert.That(deleted.Metadata.DeletionTime, Is.Not.Null);
        });
        await Env.Root.KvV2UndeleteAsync(mount, path, [3], cancellationToken);
        var undeleted = await Env.Root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken);
        Assert.That(undeleted!.Data!["password"]!.GetValue<string>(), Is.EqualTo("p3"));
        Assert.That(undeleted.IsDeleted, Is.False);

        // Delete a given version, destroy another.
        await Env.Root.KvV2DeleteVersionsAsync(mount, path, [2], cancellationToken);
        await Env.Root.KvV2DestroyAsync(mount, path, [1], cancellationToken);
        var second = await Env.Root.KvV2ReadAsync(mount, path, version: 2, cancellationToken);
        var destroyed = await Env.Root.KvV2ReadAsync(mount, path, version: 1, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(second!.IsDeleted, Is.True);
            Assert.That(destroyed!.Data, Is.Null);
            Assert.That(destroyed.IsDestroyed, Is.True);
            Assert.That(destroyed.IsDeleted, Is.False);
        });

        // Metadata reflects all of it.
        var metadata = await Env.Root.KvV2ReadMetadataAsync(mount, path, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(metadata!.CurrentVersion, Is.EqualTo(3));
            Assert.That(metadata.OldestVersion, Is.Zero.Or.EqualTo(1));
            Assert.That(metadata.Versions.Keys, Is.EquivalentTo(new[] { "1", "2", "3" }));
            Assert.That(metadata.Versions["1"].Destroyed, Is.True);
            Assert.That(metadata.Versions["2"].DeletionTime, Is.Not.Null);
            Assert.That(metadata.Versions["3"].DeletionTime, Is.Null);
            Assert.That(metadata.CreatedTime, Is.EqualTo(v1.CreatedTime));
            Assert.That(metadata.UpdatedTime, Is.EqualTo(v3.CreatedTime));
            Assert.That(metadata.CasRequired, Is.False);
        });

        // List, then delete the metadata: every version is gone.
        await Env.Root.KvV2WriteAsync(mount, "app/other", new JsonObject { ["k"] = "v" }, cancellationToken: cancellationToken);
        Assert.That(await Env.Root.KvV2ListAsync(mount, cancellationToken: cancellationToken), Is.EqualTo(new[] { "app/" }));
        Assert.That(await Env.Root.KvV2ListAsync(mount, "app", cancellationToken), Is.EquivalentTo(new[] { "config", "other" }));
        await Env.Root.KvV2DeleteMetadataAsync(mount, path, cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(await Env.Root.KvV2ReadMetadataAsync(mount, path, cancellationToken), Is.Null);
            Assert.That(await Env.Root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken), Is.Null);
            Assert.That(await Env.Root.KvV2ListAsync(mount, "app", cancellationToken), Is.EqualTo(new[] { "other" }));
        });
        await Env.Root.DisableSecretsEngineAsync(mount, cancellationToken);
    }
}
