using System.Text;
using NUnit.Framework;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>transit: create, read, encrypt, decrypt, rotate (old ciphertext still decrypts, new one is v2).</summary>
[TestFixture]
public sealed class TransitAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(20_000)]
    public async Task Transit_CreateReadEncryptDecryptRotate(CancellationToken cancellationToken)
    {
        var mount = DoubleEnvironment.Unique("transit");
        await Env.Root.EnableSecretsEngineAsync(mount, new MountRequest("transit"), cancellationToken);
        var plaintext = Encoding.UTF8.GetBytes("card 4111-1111-1111-1111");

        var created = await Env.Root.TransitCreateKeyAsync(mount, "app", cancellationToken: cancellationToken);
        var key = await Env.Root.TransitReadKeyAsync(mount, "app", cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(created is null || created.Name == "app", Is.True, "create answers the key (200) or nothing (204)");
            Assert.That(key!.Name, Is.EqualTo("app"));
            Assert.That(key.Type, Is.EqualTo("aes256-gcm96"));
            Assert.That(key.LatestVersion, Is.EqualTo(1));
            Assert.That(key.MinDecryptionVersion, Is.EqualTo(1));
            Assert.That(key.SupportsEncryption, Is.True);
            Assert.That(key.SupportsDecryption, Is.True);
            Assert.That(key.Keys.Keys, Is.EqualTo(new[] { "1" }));
        });

        var old = await Env.Root.TransitEncryptAsync(mount, "app", plaintext, cancellationToken);
        var again = await Env.Root.TransitEncryptAsync(mount, "app", plaintext, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(old.Ciphertext, Does.StartWith("vault:v1:"));
            Assert.That(old.KeyVersion, Is.EqualTo(1));
            Assert.That(again.Ciphertext, Is.Not.EqualTo(old.Ciphertext), "a fresh nonce per encryption");
            Assert.That(old.Ciphertext, Does.Not.Contain(Convert.ToBase64String(plaintext)));
        });
        Assert.That(await Env.Root.TransitDecryptAsync(mount, "app", old.Ciphertext, cancellationToken), Is.EqualTo(plaintext));

        var rotated = await Env.Root.TransitRotateKeyAsync(mount, "app", cancellationToken);
        var afterRotate = await Env.Root.TransitReadKeyAsync(mount, "app", cancellationToken);
        var fresh = await Env.Root.TransitEncryptAsync(mount, "app", plaintext, cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(rotated is null || rotated.LatestVersion == 2, Is.True);
            Assert.That(afterRotate!.LatestVersion, Is.EqualTo(2));
            Assert.That(afterRotate.Keys.Keys, Is.EquivalentTo(new[] { "1", "2" }));
            Assert.That(fresh.Ciphertext, Does.StartWith("vault:v2:"));
            Assert.That(fresh.KeyVersion, Is.EqualTo(2));
            Assert.That(await Env.Root.TransitDecryptAsync(mount, "app", old.Ciphertext, cancellationToken), Is.EqualTo(plaintext), "old ciphertext still decrypts");
            Assert.That(await Env.Root.TransitDecryptAsync(mount, "app", fresh.Ciphertext, cancellationToken), Is.EqualTo(plaintext));
        });

        Assert.That(await Env.Root.TransitReadKeyAsync(mount, "missing", cancellationToken), Is.Null);
        await Env.Root.DisableSecretsEngineAsync(mount, cancellationToken);
    }
}
