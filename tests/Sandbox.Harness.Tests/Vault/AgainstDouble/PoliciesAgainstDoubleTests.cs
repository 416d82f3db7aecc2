using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>sys/policies/acl: write, read, list, delete; a child token holding the policy is allowed and denied by it.</summary>
[TestFixture]
public sealed class PoliciesAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(20_000)]
    public async Task Policy_WriteReadListDelete_RoundTripsTheText(CancellationToken cancellationToken)
    {
        var name = DoubleEnvironment.Unique("pol");
        var text = "path \"secret/data/app/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n";

        await Env.Root.WritePolicyAsync(name, text, cancellationToken);
        var read = await Env.Root.ReadPolicyAsync(name, cancellationToken);
        var listed = await Env.Root.ListPoliciesAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(new AclPolicy(name, text)));
            Assert.That(listed, Does.Contain(name).And.Contain("default").And.Contain("root"));
        });

        await Env.Root.DeletePolicyAsync(name, cancellationToken);
        Assert.That(await Env.Root.ReadPolicyAsync(name, cancellationToken), Is.Null, "a deleted policy reads as null (404 with empty errors)");
        Assert.That(await Env.Root.ListPoliciesAsync(cancellationToken), Does.Not.Contain(name));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ChildToken_WithThePolicy_ReadsWhatItGrants_AndIsDeniedTheRest(CancellationToken cancellationToken)
    {
        var mount = DoubleEnvironment.Unique("kvpol");
        await Env.Root.EnableSecretsEngineAsync(mount, MountRequest.KvV2(), cancellationToken);
        await Env.Root.KvV2WriteAsync(mount, "app/config", new JsonObject { ["greeting"] = "hello" }, cancellationToken: cancellationToken);
        await Env.Root.KvV2WriteAsync(mount, "other/config", new JsonObject { ["greeting"] = "not yours" }, cancellationToken: cancellationToken);
        var policy = DoubleEnvironment.Unique("app-read");
        await Env.Root.WritePolicyAsync(policy, $$"""
            path "{{mount}}/data/app/*" { capabilities = ["read"] }
            path "{{mount}}/data/app/secret" { capabilities = ["deny"] }
            """, cancellationToken);
        var token = await Env.Root.CreateTokenAsync(new TokenCreateRequest { Policies = [policy], Ttl = TimeSpan.FromMinutes(10) }, cancellationToken);
        var app = Env.Anonymous.WithToken(token.ClientToken);

        var allowed = await app.KvV2ReadAsync(mount, "app/config", cancellationToken: cancellationToken);
        var deniedOther = Assert.ThrowsAsync<VaultApiException>(() => app.KvV2ReadAsync(mount, "other/config", cancellationToken: cancellationToken));
        var deniedWrite = Assert.ThrowsAsync<VaultApiException>(() => app.KvV2WriteAsync(mount, "app/config", new JsonObject { ["x"] = "y" }, cancellationToken: cancellationToken));
        var deniedExplicitly = Assert.ThrowsAsync<VaultApiException>(() => app.KvV2ReadAsync(mount, "app/secret", cancellationToken: cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(token.Policies, Is.EquivalentTo(new[] { "default", policy }));
            Assert.That(allowed!.Data!["greeting"]!.GetValue<string>(), Is.EqualTo("hello"));
            foreach (var denied in new[] { deniedOther, deniedWrite, deniedExplicitly })
            {
                Assert.That(denied!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
                // Errors is Vault's raw array: on logical paths Vault wraps the refusal as a multierror.
                Assert.That(denied.Errors, Has.Some.Contains("permission denied"));
                Assert.That(denied.HasError("permission denied"), Is.True);
            }

            Assert.That(deniedOther!.Path, Is.EqualTo($"/v1/{mount}/data/other/config"));
            Assert.That(deniedWrite!.Method, Is.EqualTo("POST"));
        });

        // Policies are evaluated per request: deleting it takes the grant away from the live token.
        await Env.Root.DeletePolicyAsync(policy, cancellationToken);
        var afterDelete = Assert.ThrowsAsync<VaultApiException>(() => app.KvV2ReadAsync(mount, "app/config", cancellationToken: cancellationToken));
        Assert.That(afterDelete!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await app.RevokeSelfAsync(cancellationToken);
        await Env.Root.DisableSecretsEngineAsync(mount, cancellationToken);
    }
}
