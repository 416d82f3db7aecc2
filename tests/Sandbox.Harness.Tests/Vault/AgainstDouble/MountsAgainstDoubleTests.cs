using NUnit.Framework;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>sys/mounts and sys/auth: enable, list (typed), disable.</summary>
[TestFixture]
public sealed class MountsAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(20_000)]
    public async Task SecretsEngines_EnableListDisable_KvV1KvV2TransitDatabase(CancellationToken cancellationToken)
    {
        var kv1 = DoubleEnvironment.Unique("kv1");
        var kv2 = DoubleEnvironment.Unique("kv2");
        var transit = DoubleEnvironment.Unique("transit");
        var database = DoubleEnvironment.Unique("db");
        await Env.Root.EnableSecretsEngineAsync(kv1, MountRequest.KvV1("v1 store"), cancellationToken);
        await Env.Root.EnableSecretsEngineAsync(kv2, MountRequest.KvV2("v2 store"), cancellationToken);
        await Env.Root.EnableSecretsEngineAsync(transit, new MountRequest("transit") { DefaultLeaseTtl = TimeSpan.FromMinutes(30), MaxLeaseTtl = TimeSpan.FromHours(2) }, cancellationToken);
        await Env.Root.EnableSecretsEngineAsync(database, new MountRequest("database"), cancellationToken);

        var mounts = await Env.Root.ListSecretsEnginesAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(mounts.Keys, Is.SupersetOf(new[] { kv1 + "/", kv2 + "/", transit + "/", database + "/", "sys/", "cubbyhole/" }));
            Assert.That(mounts[kv1 + "/"].Type, Is.EqualTo("kv"));
            Assert.That(mounts[kv1 + "/"].KvVersion, Is.EqualTo(1));
            Assert.That(mounts[kv1 + "/"].Description, Is.EqualTo("v1 store"));
            Assert.That(mounts[kv2 + "/"].KvVersion, Is.EqualTo(2));
            Assert.That(mounts[kv2 + "/"].Options!["version"], Is.EqualTo("2"));
            Assert.That(mounts[transit + "/"].Type, Is.EqualTo("transit"));
            Assert.That(mounts[transit + "/"].KvVersion, Is.Null);
            Assert.That(mounts[transit + "/"].Config!.DefaultLeaseTtl, Is.EqualTo(TimeSpan.FromMinutes(30)));
            Assert.That(mounts[transit + "/"].Config!.MaxLeaseTtl, Is.EqualTo(TimeSpan.FromHours(2)));
            Assert.That(mounts[database + "/"].Type, Is.EqualTo("database"));
            Assert.That(mounts[database + "/"].Accessor, Does.StartWith("database_"));
            Assert.That(mounts[kv1 + "/"].Uuid, Is.Not.EqualTo(mounts[kv2 + "/"].Uuid));
        });

        await Env.Root.DisableSecretsEngineAsync(kv1, cancellationToken);
        await Env.Root.DisableSecretsEngineAsync(transit, cancellationToken);
        var after = await Env.Root.ListSecretsEnginesAsync(cancellationToken);
        Assert.That(after.Keys, Does.Not.Contain(kv1 + "/").And.Not.Contain(transit + "/"));
        Assert.That(after.Keys, Does.Contain(kv2 + "/").And.Contain(database + "/"));
        await Env.Root.DisableSecretsEngineAsync(kv2, cancellationToken);
        await Env.Root.DisableSecretsEngineAsync(database, cancellationToken);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task AuthMethods_EnableListDisable_JwtKubernetes(CancellationToken cancellationToken)
    {
        var jwt = DoubleEnvironment.Unique("jwt");
        var k8s = DoubleEnvironment.Unique("k8s");
        await Env.Root.EnableAuthMethodAsync(jwt, new MountRequest("jwt") { Description = "gitea ci" }, cancellationToken);
        await Env.Root.EnableAuthMethodAsync(k8s, new MountRequest("kubernetes"), cancellationToken);

        var methods = await Env.Root.ListAuthMethodsAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(methods.Keys, Is.SupersetOf(new[] { jwt + "/", k8s + "/", "token/" }));
            Assert.That(methods[jwt + "/"].Type, Is.EqualTo("jwt"));
            Assert.That(methods[jwt + "/"].Description, Is.EqualTo("gitea ci"));
            Assert.That(methods[jwt + "/"].Accessor, Does.StartWith("auth_jwt_"));
            Assert.That(methods[k8s + "/"].Type, Is.EqualTo("kubernetes"));
            Assert.That(methods["token/"].Type, Is.EqualTo("token"));
        });

        await Env.Root.DisableAuthMethodAsync(jwt, cancellationToken);
        var after = await Env.Root.ListAuthMethodsAsync(cancellationToken);
        Assert.That(after.Keys, Does.Not.Contain(jwt + "/"));
        Assert.That(after.Keys, Does.Contain(k8s + "/"));
        await Env.Root.DisableAuthMethodAsync(k8s, cancellationToken);
        Assert.That((await Env.Root.ListAuthMethodsAsync(cancellationToken)).Keys, Does.Not.Contain(k8s + "/"));
    }
}
