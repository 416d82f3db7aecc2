using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>sys/seal → reads fail with <see cref="VaultSealedException"/> → unseal from the key file → the data is still there.</summary>
[TestFixture]
public sealed class SealCycleAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(30_000)]
    public async Task Seal_ReadsThrowSealed_UnsealFromTheKeyFile_DataStillThere(CancellationToken cancellationToken)
    {
        var mount = DoubleEnvironment.Unique("kvseal");
        await Env.Root.EnableSecretsEngineAsync(mount, MountRequest.KvV2(), cancellationToken);
        await Env.Root.KvV2WriteAsync(mount, "app/config", new JsonObject { ["kept"] = "across the seal" }, cancellationToken: cancellationToken);

        await Env.Root.SealAsync(cancellationToken);
        try
        {
            var sealedRead = Assert.ThrowsAsync<VaultSealedException>(() => Env.Root.KvV2ReadAsync(mount, "app/config", cancellationToken: cancellationToken));
            var sealedLookup = Assert.ThrowsAsync<VaultSealedException>(() => Env.Root.LookupSelfAsync(cancellationToken));
            var status = await Env.Anonymous.GetSealStatusAsync(cancellationToken);
            var health = await Env.Anonymous.GetHealthAsync(cancellationToken: cancellationToken);
            var overridden = await Env.Anonymous.GetHealthAsync(new HealthQuery { SealedCode = 200 }, cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(sealedRead!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(sealedRead.Errors, Is.EqualTo(new[] { "Vault is sealed" }));
                Assert.That(sealedRead.ExitCode, Is.EqualTo(ExitCode.VaultSealed));
                Assert.That(sealedRead.Path, Is.EqualTo($"/v1/{mount}/data/app/config"));
                Assert.That(sealedLookup, Is.Not.Null);
                Assert.That(status.Sealed, Is.True);
                Assert.That((status.T, status.N, status.Progress), Is.EqualTo((DoubleEnvironment.Threshold, DoubleEnvironment.Shares, 0)));
                Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(health.Status!.Sealed, Is.True);
                Assert.That(overridden.Code, Is.EqualTo(200));
            });

            // Sealing a sealed Vault is a 204 that does not even check the token (vault-api.md §1.5).
            Assert.DoesNotThrowAsync(() => Env.Anonymous.SealAsync(cancellationToken));
            Assert.That((await Env.Anonymous.GetSealStatusAsync(cancellationToken)).Sealed, Is.True);
        }
        finally
        {
            var keys = await Env.KeyStore.ReadAsync(Env.KeyFile, cancellationToken);
            var unsealed = await Env.Anonymous.UnsealWithAsync(keys, cancellationToken);
            Assert.That(unsealed.Sealed, Is.False, "the key file unseals");
        }

        var after = await Env.Root.KvV2ReadAsync(mount, "app/config", cancellationToken: cancellationToken);
        var mounts = await Env.Root.ListSecretsEnginesAsync(cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(after!.Data!["kept"]!.GetValue<string>(), Is.EqualTo("across the seal"));
            Assert.That(mounts.Keys, Does.Contain(mount + "/"));
            Assert.That((await Env.Root.LookupSelfAsync(cancellationToken)).Policies, Is.EqualTo(new[] { "root" }), "tokens survive a seal");
            Assert.That((await Env.Anonymous.GetHealthAsync(cancellationToken: cancellationToken)).Code, Is.EqualTo(200));
        });
        await Env.Root.DisableSecretsEngineAsync(mount, cancellationToken);
    }
}
