using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>auth/token: create, lookup-self, renew-self, revoke-self through the typed client.</summary>
[TestFixture]
public sealed class TokensAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(15_000)]
    public async Task RootToken_LookupSelf_IsRootWithNoExpiry(CancellationToken cancellationToken)
    {
        var self = await Env.Root.LookupSelfAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(self.Policies, Is.EqualTo(new[] { "root" }));
            Assert.That(self.Id, Is.EqualTo(Env.Init.RootToken));
            Assert.That(self.Ttl, Is.EqualTo(TimeSpan.Zero).Or.Null, "the root token does not expire");
            Assert.That(self.ExpireTime, Is.Null);
            Assert.That(self.ToString(), Does.Not.Contain(Env.Init.RootToken));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ChildToken_Create_LookupSelf_RenewSelf_RevokeSelf_ThenPermissionDenied(CancellationToken cancellationToken)
    {
        var created = await Env.Root.CreateTokenAsync(
            new TokenCreateRequest { Policies = ["default"], Ttl = TimeSpan.FromHours(1), Renewable = true, DisplayName = "happy", Meta = new Dictionary<string, string> { ["purpose"] = "client-test" } },
            cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(created.ClientToken, Does.StartWith("hvs."));
            Assert.That(created.Accessor, Is.Not.Null.And.Not.Empty);
            Assert.That(created.Policies, Is.EqualTo(new[] { "default" }));
            Assert.That(created.LeaseDuration, Is.EqualTo(3600));
            Assert.That(created.Renewable, Is.True);
            Assert.That(created.Orphan, Is.False);
            Assert.That(created.TokenType, Is.EqualTo("service"));
            Assert.That(created.Warnings, Is.Empty);
        });

        var child = Env.Anonymous.WithToken(created.ClientToken);
        var self = await child.LookupSelfAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(self.Id, Is.EqualTo(created.ClientToken));
            Assert.That(self.Accessor, Is.EqualTo(created.Accessor));
            Assert.That(self.Policies, Is.EqualTo(new[] { "default" }));
            Assert.That(self.DisplayName, Is.EqualTo("token-happy"));
            Assert.That(self.Path, Is.EqualTo("auth/token/create"));
            Assert.That(self.Meta, Is.EquivalentTo(new Dictionary<string, string> { ["purpose"] = "client-test" }));
            Assert.That(self.CreationTtl, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(self.Ttl!.Value.TotalSeconds, Is.InRange(3500, 3600));
            Assert.That(self.ExpireTime, Is.EqualTo(DateTimeOffset.UtcNow.AddHours(1)).Within(TimeSpan.FromMinutes(2)));
            Assert.That(self.Renewable, Is.True);
            Assert.That(self.Type, Is.EqualTo("service"));
            Assert.That(self.Orphan, Is.False);
            Assert.That(self.NumUses, Is.Zero);
            Assert.That(self.CreationTime, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(2)));
        });

        var renewed = await child.RenewSelfAsync(TimeSpan.FromHours(2), cancellationToken);
        var afterRenew = await child.LookupSelfAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(renewed.ClientToken, Is.EqualTo(created.ClientToken));
            Assert.That(renewed.LeaseDuration, Is.EqualTo(7200));
            Assert.That(renewed.Renewable, Is.True);
            Assert.That(afterRenew.Ttl!.Value.TotalSeconds, Is.InRange(7100, 7200));
        });

        await child.RevokeSelfAsync(cancellationToken);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => child.LookupSelfAsync(cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(ex!, Is.Not.InstanceOf<VaultSealedException>());
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(ex.Errors, Does.Contain("permission denied"));
            Assert.That(ex.HasError("permission denied"), Is.True);
            Assert.That(ex.Path, Is.EqualTo("/v1/auth/token/lookup-self"));
            Assert.That(ex.Message, Does.Not.Contain(created.ClientToken));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task ChildToken_NotRenewable_RenewSelfIsRefused(CancellationToken cancellationToken)
    {
        var created = await Env.Root.CreateTokenAsync(new TokenCreateRequest { Policies = ["default"], Ttl = TimeSpan.FromMinutes(10), Renewable = false }, cancellationToken);
        var child = Env.Anonymous.WithToken(created.ClientToken);

        Assert.That(created.Renewable, Is.False);
        var ex = Assert.ThrowsAsync<VaultApiException>(() => child.RenewSelfAsync(cancellationToken: cancellationToken));
        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(ex.Errors.Single(), Does.Contain("not renewable"));
        await child.RevokeSelfAsync(cancellationToken);
    }
}
