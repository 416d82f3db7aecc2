using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;
using Sandbox.VaultDouble.Tests.Engines;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>
/// auth/jwt with the sandbox issuer's PEM (Gitea-shaped tokens) and auth/kubernetes with a
/// fake TokenReview API server on 127.0.0.1: config, role, login, and the token that results.
/// </summary>
[TestFixture]
public sealed class AuthAgainstDoubleTests
{
    private const string Repository = "arcodange/webapp";
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    private static async Task<string> KvPolicyAsync(string mount, CancellationToken cancellationToken)
    {
        var policy = DoubleEnvironment.Unique("ops");
        await Env.Root.WritePolicyAsync(policy, $$"""path "{{mount}}/data/webapp/*" { capabilities = ["create", "update", "read"] }""", cancellationToken);
        return policy;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Jwt_ConfigRoleLogin_WithTheSandboxIssuer_GivesTheRolesPolicies(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer("https://gitea.sandbox.invalid");
        var mount = DoubleEnvironment.Unique("jwt");
        var kv = DoubleEnvironment.Unique("kvjwt");
        await Env.Root.EnableAuthMethodAsync(mount, new MountRequest("jwt"), cancellationToken);
        await Env.Root.EnableSecretsEngineAsync(kv, MountRequest.KvV2(), cancellationToken);
        var policy = await KvPolicyAsync(kv, cancellationToken);

        await Env.Root.JwtWriteConfigAsync(mount, new JwtAuthConfig { JwtValidationPubkeys = [issuer.PublicKeyPem], BoundIssuer = issuer.Issuer }, cancellationToken);
        await Env.Root.JwtWriteRoleAsync(mount, "gitea_cicd_webapp", new JwtRole
        {
            UserClaim = "actor",
            BoundAudiences = ["vault"],
            BoundClaims = new Dictionary<string, object> { ["repository"] = Repository },
            TokenPolicies = [policy],
            TokenTtl = TimeSpan.FromMinutes(20),
        }, cancellationToken);

        var config = await Env.Root.JwtReadConfigAsync(mount, cancellationToken);
        var role = await Env.Root.JwtReadRoleAsync(mount, "gitea_cicd_webapp", cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(config!.BoundIssuer, Is.EqualTo(issuer.Issuer));
            Assert.That(config.JwtValidationPubkeys!.Single().Trim(), Is.EqualTo(issuer.PublicKeyPem.Trim()));
            Assert.That(role!.RoleType, Is.EqualTo("jwt"));
            Assert.That(role.UserClaim, Is.EqualTo("actor"));
            Assert.That(role.BoundAudiences, Is.EqualTo(new[] { "vault" }));
            Assert.That(role.TokenPolicies, Is.EqualTo(new[] { policy }));
            Assert.That(role.TokenTtl, Is.EqualTo(TimeSpan.FromMinutes(20)));
            Assert.That(await Env.Root.JwtListRolesAsync(mount, cancellationToken), Is.EqualTo(new[] { "gitea_cicd_webapp" }));
        });

        var login = await Env.Anonymous.JwtLoginAsync(mount, "gitea_cicd_webapp", issuer.MintGiteaToken(new GiteaActionsClaims(Repository)), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(login.ClientToken, Does.StartWith("hvs."));
            Assert.That(login.Policies, Is.EquivalentTo(new[] { "default", policy }));
            Assert.That(login.TokenPolicies, Is.EquivalentTo(new[] { "default", policy }));
            Assert.That(login.LeaseDuration, Is.EqualTo(1200));
            Assert.That(login.Renewable, Is.True);
            Assert.That(login.Metadata!["role"], Is.EqualTo("gitea_cicd_webapp"));
            Assert.That(login.EntityId, Is.Not.Null.And.Not.Empty);
        });

        // The login's token carries the role's policy: CI can write what it provisions.
        var ci = Env.Anonymous.WithToken(login.ClientToken);
        var written = await ci.KvV2WriteAsync(kv, "webapp/config", new JsonObject { ["from"] = "ci" }, cancellationToken: cancellationToken);
        var self = await ci.LookupSelfAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(written.Version, Is.EqualTo(1));
            Assert.That(self.DisplayName, Is.EqualTo($"{mount}-sandbox-ci"));
            Assert.That(self.Path, Is.EqualTo($"auth/{mount}/login"));
        });
        await ci.RevokeSelfAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Jwt_BadTokens_Are400_WithVaultsMessage(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer("https://gitea.sandbox.invalid");
        var mount = DoubleEnvironment.Unique("jwtbad");
        await Env.Root.EnableAuthMethodAsync(mount, new MountRequest("jwt"), cancellationToken);
        await Env.Root.JwtWriteConfigAsync(mount, new JwtAuthConfig { JwtValidationPubkeys = [issuer.PublicKeyPem], BoundIssuer = issuer.Issuer }, cancellationToken);
        await Env.Root.JwtWriteRoleAsync(mount, "ci", new JwtRole
        {
            UserClaim = "actor",
            BoundAudiences = ["vault"],
            BoundClaims = new Dictionary<string, object> { ["repository"] = Repository },
            TokenPolicies = ["default"],
        }, cancellationToken);
        var claims = new GiteaActionsClaims(Repository);

        var expired = Assert.ThrowsAsync<VaultApiException>(() => Env.Anonymous.JwtLoginAsync(mount, "ci", issuer.MintBadToken(BadTokenKind.Expired, claims), cancellationToken));
        var wrongClaim = Assert.ThrowsAsync<VaultApiException>(() => Env.Anonymous.JwtLoginAsync(mount, "ci", issuer.MintBadToken(BadTokenKind.WrongBoundClaim, claims), cancellationToken));
        var unknownRole = Assert.ThrowsAsync<VaultApiException>(() => Env.Anonymous.JwtLoginAsync(mount, "nope", issuer.MintGiteaToken(claims), cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(expired!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(expired.Errors, Is.EqualTo(new[] { "error validating token: invalid expiration time (exp) claim: token is expired" }));
            Assert.That(expired.Path, Is.EqualTo($"/v1/auth/{mount}/login"));
            Assert.That(wrongClaim!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(wrongClaim.Errors, Is.EqualTo(new[] { "error validating claims: claim \"repository\" does not match any associated bound claim values" }));
            Assert.That(unknownRole!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknownRole.Errors, Is.EqualTo(new[] { "role \"nope\" could not be found" }));
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Kubernetes_ConfigRoleLogin_ReviewedByAFakeApiServer_GivesTheRolesPolicies(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer("https://gitea.sandbox.invalid");
        var account = new ServiceAccountIdentity("webapp", "webapp");
        await using var api = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated(account.Namespace, account.Name, account.Uid, "vault")) };
        var mount = DoubleEnvironment.Unique("k8s");
        var kv = DoubleEnvironment.Unique("kvk8s");
        await Env.Root.EnableAuthMethodAsync(mount, new MountRequest("kubernetes"), cancellationToken);
        await Env.Root.EnableSecretsEngineAsync(kv, MountRequest.KvV2(), cancellationToken);
        var policy = await KvPolicyAsync(kv, cancellationToken);

        await Env.Root.KubernetesWriteConfigAsync(mount, new KubernetesAuthConfig
        {
            KubernetesHost = api.Url,
            KubernetesCaCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            TokenReviewerJwt = "reviewer-jwt",
        }, cancellationToken);
        await Env.Root.KubernetesWriteRoleAsync(mount, "webapp", new KubernetesRole
        {
            BoundServiceAccountNames = ["webapp"],
            BoundServiceAccountNamespaces = ["webapp"],
            TokenPolicies = [policy],
            TokenTtl = TimeSpan.FromHours(1),
        }, cancellationToken);

        var config = await Env.Root.KubernetesReadConfigAsync(mount, cancellationToken);
        var role = await Env.Root.KubernetesReadRoleAsync(mount, "webapp", cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(config!.KubernetesHost, Is.EqualTo(api.Url));
            Assert.That(config.TokenReviewerJwt, Is.Null, "the reviewer JWT is write-only");
            Assert.That(role!.BoundServiceAccountNames, Is.EqualTo(new[] { "webapp" }));
            Assert.That(role.BoundServiceAccountNamespaces, Is.EqualTo(new[] { "webapp" }));
            Assert.That(role.TokenPolicies, Is.EqualTo(new[] { policy }));
            Assert.That(role.TokenTtl, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(await Env.Root.KubernetesListRolesAsync(mount, cancellationToken), Is.EqualTo(new[] { "webapp" }));
        });

        var login = await Env.Anonymous.KubernetesLoginAsync(mount, "webapp", issuer.MintServiceAccountToken(account, audience: "vault"), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(login.Policies, Is.EquivalentTo(new[] { "default", policy }));
            Assert.That(login.LeaseDuration, Is.EqualTo(3600));
            Assert.That(login.Metadata!["service_account_namespace"], Is.EqualTo("webapp"));
            Assert.That(login.Metadata["service_account_name"], Is.EqualTo("webapp"));
            Assert.That(login.Metadata["service_account_uid"], Is.EqualTo(account.Uid));
            Assert.That(api.Requests, Has.Count.EqualTo(1));
        });
        api.Requests.TryPeek(out var review);
        Assert.That(review!.Authorization, Is.EqualTo("Bearer reviewer-jwt"));

        var pod = Env.Anonymous.WithToken(login.ClientToken);
        await Env.Root.KvV2WriteAsync(kv, "webapp/config", new JsonObject { ["db"] = "webapp" }, cancellationToken: cancellationToken);
        var read = await pod.KvV2ReadAsync(kv, "webapp/config", cancellationToken: cancellationToken);
        Assert.That(read!.Data!["db"]!.GetValue<string>(), Is.EqualTo("webapp"));

        // A service account the role does not bind is refused before the API server is asked.
        var stranger = issuer.MintServiceAccountToken(new ServiceAccountIdentity("other", "webapp"), audience: "vault");
        var refused = Assert.ThrowsAsync<VaultApiException>(() => Env.Anonymous.KubernetesLoginAsync(mount, "webapp", stranger, cancellationToken));
        Assert.That((refused!.StatusCode, refused.Errors.Single()), Is.EqualTo((HttpStatusCode.Forbidden, "namespace not authorized")));
        Assert.That(api.Requests, Has.Count.EqualTo(1));
        await pod.RevokeSelfAsync(cancellationToken);
    }
}
