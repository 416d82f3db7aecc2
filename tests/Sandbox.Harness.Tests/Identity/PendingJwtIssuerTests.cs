using NUnit.Framework;
using Sandbox.Harness.Identity;

namespace Sandbox.Harness.Tests.Identity;

/// <summary>The issuer made in the background while a sandbox starts: handed over once made, disposed with its owner.</summary>
[TestFixture]
public sealed class PendingJwtIssuerTests
{
    private static readonly GiteaActionsClaims Claims = new("arcodange/webapp") { Audience = "vault.sandbox" };

    [Test]
    [CancelAfter(30_000)]
    public async Task WaitAsync_HandsOverTheIssuer_AndDisposingDisposesIt(CancellationToken cancellationToken)
    {
        var pending = new PendingJwtIssuer("https://sandbox.invalid");
        var issuer = await pending.WaitAsync(cancellationToken);
        var token = issuer.MintGiteaToken(Claims);

        await pending.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(issuer.Issuer, Is.EqualTo("https://sandbox.invalid"));
            Assert.That(token.Split('.'), Has.Length.EqualTo(3), "a signed JWT while it lived");
            Assert.Throws<ObjectDisposedException>(() => issuer.MintGiteaToken(Claims), "disposed with its owner");
        });
    }

    [Test]
    public void AnEmptyIssuer_IsRefusedAtOnce() =>
        Assert.Throws<ArgumentException>(() => _ = new PendingJwtIssuer(" "));
}
