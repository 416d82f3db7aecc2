using System.Security.Cryptography;
using Sandbox.VaultDouble.Seal;

namespace Sandbox.VaultDouble.Tests.Seal;

/// <summary>Shamir over GF(2^8) (Seal/Shamir.cs): the field, split/combine, and Vault's error messages.</summary>
[TestFixture, CancelAfter(30_000)]
public sealed class ShamirTests
{
    [Test]
    public void Field_MultiplicationMatchesKnownAesValues_AndDivisionInverts()
    {
        Assert.That(Shamir.Mul(0x57, 0x83), Is.EqualTo(0xC1), "FIPS-197 §4.2 example");
        Assert.That(Shamir.Mul(0x57, 0x13), Is.EqualTo(0xFE), "FIPS-197 §4.2.1 example");
        for (var a = 1; a < 256; a++)
        {
            for (var b = 1; b < 256; b += 7)
            {
                Assert.That(Shamir.Div(Shamir.Mul((byte)a, (byte)b), (byte)b), Is.EqualTo(a));
            }
        }
    }

    [TestCase(2, 2)]
    [TestCase(5, 3)]
    [TestCase(10, 10)]
    [TestCase(255, 2)]
    public void Split_ThenAnyThresholdSubset_RecombinesTheSecret(int parts, int threshold)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = Shamir.Split(secret, parts, threshold);
        Assert.That(shares, Has.Length.EqualTo(parts));
        Assert.That(shares, Has.All.Length.EqualTo(33), "32 bytes + the x coordinate appended");
        Assert.That(shares.Select(s => s[^1]), Is.Unique.And.All.Not.EqualTo(0));
        var random = new Random(parts * 1000 + threshold);
        for (var round = 0; round < 5; round++)
        {
            var subset = shares.OrderBy(_ => random.Next()).Take(threshold).ToList();
            Assert.That(Shamir.Combine(subset), Is.EqualTo(secret));
        }
    }

    [Test]
    public void FewerThanThreshold_DoNotRevealTheSecret()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = Shamir.Split(secret, 5, 3);
        Assert.That(Shamir.Combine([shares[0], shares[1]]), Is.Not.EqualTo(secret));
    }

    [Test]
    public void Combine_Errors_UseVaultMessages()
    {
        var shares = Shamir.Split(RandomNumberGenerator.GetBytes(32), 3, 2);
        Assert.That(() => Shamir.Combine([shares[0]]), Throws.TypeOf<ShamirException>().With.Message.EqualTo("less than two parts cannot be used to reconstruct the secret"));
        Assert.That(() => Shamir.Combine([shares[0], shares[0]]), Throws.TypeOf<ShamirException>().With.Message.EqualTo("duplicate part detected"));
        Assert.That(() => Shamir.Combine([shares[0], shares[1][..20]]), Throws.TypeOf<ShamirException>().With.Message.EqualTo("all parts must be the same length"));
    }

    [Test]
    public void Split_RefusesBadParameters()
    {
        Assert.That(() => Shamir.Split(new byte[32], 2, 3), Throws.ArgumentException);
        Assert.That(() => Shamir.Split(new byte[32], 256, 2), Throws.ArgumentException);
        Assert.That(() => Shamir.Split(new byte[32], 3, 1), Throws.ArgumentException);
        Assert.That(() => Shamir.Split([], 3, 2), Throws.ArgumentException);
    }
}
