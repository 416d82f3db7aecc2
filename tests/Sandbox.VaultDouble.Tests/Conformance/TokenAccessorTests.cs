using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// §4 token accessors and <c>auth/token/renew</c> (vault/token_store.go: tokenStoreAccessorList,
/// handleUpdateLookupAccessor, handleUpdateRenewAccessor, handleUpdateRevokeAccessor, handleRenew).
/// Portable: runs against a real Vault too.
/// </summary>
[TestFixture, CancelAfter(60_000)]
public sealed class TokenAccessorTests : ConformanceFixture
{
    private async Task<(string Token, string Accessor)> ChildAsync(CancellationToken ct, string ttl = "1h", params string[] policies)
    {
        var body = new JsonObject { ["ttl"] = ttl, ["policies"] = new JsonArray(policies.DefaultIfEmpty("default").Select(p => (JsonNode?)p).ToArray()) };
        var r = await Http.PostAsync("auth/token/create", body, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        return (r.Json!["auth"]!["client_token"]!.GetValue<string>(), r.Json!["auth"]!["accessor"]!.GetValue<string>());
    }

    [Test]
    public async Task ListAccessors_NeedsSudo_AndListsLiveTokens(CancellationToken ct)
    {
        var (_, accessor) = await ChildAsync(ct);
        var listOnly = await PolicyAsync("""path "auth/token/accessors/" { capabilities = ["list"] }""", ct);
        var withSudo = await PolicyAsync("""path "auth/token/accessors/" { capabilities = ["list", "sudo"] }""", ct);
        var (weak, _) = await ChildAsync(ct, "1h", listOnly);
        var (strong, _) = await ChildAsync(ct, "1h", withSudo);

        var root = await Http.ListAsync("auth/token/accessors", Root, ct);
        var denied = await Http.ListAsync("auth/token/accessors", weak, ct);
        var allowed = await Http.SendAsync("GET", "auth/token/accessors?list=true", null, strong, ct);
        Assert.Multiple(() =>
        {
            Assert.That(root.Code, Is.EqualTo(200), root.ToString());
            Assert.That(root.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Does.Contain(accessor));
            Assert.That(denied.Code, Is.EqualTo(403));
            Assert.That(allowed.Code, Is.EqualTo(200), allowed.ToString());
        });
    }

    [Test]
    public async Task LookupAccessor_BlanksTheId_AndAnswersTheTokensProperties(CancellationToken ct)
    {
        var (_, accessor) = await ChildAsync(ct);
        var r = await Http.PostAsync("auth/token/lookup-accessor", new JsonObject { ["accessor"] = accessor }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(r.Data!["id"]!.GetValue<string>(), Is.Empty);
            Assert.That(r.Data!["accessor"]!.GetValue<string>(), Is.EqualTo(accessor));
            Assert.That(r.Data!["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "default" }));
            Assert.That(r.Data!["ttl"]!.GetValue<long>(), Is.InRange(3500, 3600));
        });
    }

    [Test]
    public async Task AccessorEndpoints_MissingOrUnknownAccessor_AnswerVaultsErrors(CancellationToken ct)
    {
        var missing = await Http.PostAsync("auth/token/lookup-accessor", new JsonObject(), Root, ct);
        var unknown = await Http.PostAsync("auth/token/lookup-accessor", new JsonObject { ["accessor"] = "AAAAAAAAAAAAAAAAAAAAAAAA" }, Root, ct);
        var renewUnknown = await Http.PostAsync("auth/token/renew-accessor", new JsonObject { ["accessor"] = "AAAAAAAAAAAAAAAAAAAAAAAA" }, Root, ct);
        var revokeMissing = await Http.PostAsync("auth/token/revoke-accessor", new JsonObject(), Root, ct);
        var revokeUnknown = await Http.PostAsync("auth/token/revoke-accessor", new JsonObject { ["accessor"] = "AAAAAAAAAAAAAAAAAAAAAAAA" }, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(missing.Code, Is.EqualTo(400));
            Assert.That(missing.Errors.Single(), Does.Contain("missing accessor"));
            Assert.That(unknown.Code, Is.EqualTo(400));
            Assert.That(unknown.Errors.Single(), Does.Contain("invalid accessor"));
            Assert.That(renewUnknown.Code, Is.EqualTo(400));
            Assert.That(renewUnknown.Errors.Single(), Does.Contain("invalid accessor"));
            Assert.That(revokeMissing.Code, Is.EqualTo(400));
            Assert.That(revokeMissing.Errors.Single(), Does.Contain("missing accessor"));
            Assert.That(revokeUnknown.Code, Is.EqualTo(200), revokeUnknown.ToString());
            Assert.That(revokeUnknown.Warnings, Is.EqualTo(new[] { "No token found with this accessor" }));
        });
    }

    [Test]
    public async Task RenewAccessor_RenewsWithoutRevealingTheToken(CancellationToken ct)
    {
        var (token, accessor) = await ChildAsync(ct, "10m");
        var r = await Http.PostAsync("auth/token/renew-accessor", new JsonObject { ["accessor"] = accessor, ["increment"] = "30m" }, Root, ct);
        var self = await Http.GetAsync("auth/token/lookup-self", token, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(r.Json!["auth"]!["client_token"]!.GetValue<string>(), Is.Empty);
            Assert.That(r.Json!["auth"]!["accessor"]!.GetValue<string>(), Is.EqualTo(accessor));
            Assert.That(r.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(1800));
            Assert.That(self.Data!["ttl"]!.GetValue<long>(), Is.InRange(1790, 1800));
        });
    }

    [Test]
    public async Task RevokeAccessor_RevokesTheTokenAndItsChildren(CancellationToken ct)
    {
        var creator = await PolicyAsync("""path "auth/token/create" { capabilities = ["update"] }""", ct);
        var (parent, accessor) = await ChildAsync(ct, "1h", creator);
        var child = await Http.PostAsync("auth/token/create", new JsonObject { ["ttl"] = "1h" }, parent, ct);
        Assert.That(child.Code, Is.EqualTo(200), child.ToString());
        var childToken = child.Json!["auth"]!["client_token"]!.GetValue<string>();
        var revoke = await Http.PostAsync("auth/token/revoke-accessor", new JsonObject { ["accessor"] = accessor }, Root, ct);
        var parentAfter = await Http.GetAsync("auth/token/lookup-self", parent, ct);
        var childAfter = await Http.GetAsync("auth/token/lookup-self", childToken, ct);
        var lookup = await Http.PostAsync("auth/token/lookup-accessor", new JsonObject { ["accessor"] = accessor }, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(revoke.Code, Is.EqualTo(204), revoke.ToString());
            Assert.That(parentAfter.Code, Is.EqualTo(403));
            Assert.That(childAfter.Code, Is.EqualTo(403));
            Assert.That(lookup.Code, Is.EqualTo(400));
        });
    }

    [Test]
    public async Task Renew_TakesTheTokenFromTheBody(CancellationToken ct)
    {
        var (token, accessor) = await ChildAsync(ct, "10m");
        var r = await Http.PostAsync("auth/token/renew", new JsonObject { ["token"] = token, ["increment"] = 1200 }, Root, ct);
        var missing = await Http.PostAsync("auth/token/renew", new JsonObject(), Root, ct);
        var unknown = await Http.PostAsync("auth/token/renew", new JsonObject { ["token"] = "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" }, Root, ct);
        var get = await Http.GetAsync("auth/token/renew", Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(r.Json!["auth"]!["client_token"]!.GetValue<string>(), Is.EqualTo(token));
            Assert.That(r.Json!["auth"]!["accessor"]!.GetValue<string>(), Is.EqualTo(accessor));
            Assert.That(r.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(1200));
            Assert.That(missing.Errors, Is.EqualTo(new[] { "missing token ID" }));
            Assert.That(unknown.Code, Is.EqualTo(400));
            Assert.That(unknown.Errors, Is.EqualTo(new[] { "token not found" }));
            Assert.That(get.Code, Is.EqualTo(405));
        });
    }

    [Test]
    public async Task Lookup_UnknownToken_Is403BadToken(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/lookup", new JsonObject { ["token"] = "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(403));
        Assert.That(r.Errors, Is.EqualTo(new[] { "bad token" }));
    }
}
