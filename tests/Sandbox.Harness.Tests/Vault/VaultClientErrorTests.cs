using NUnit.Framework;
using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Vault;

[TestFixture]
public sealed class VaultClientErrorTests
{
    private const string SecretValue = "s3cr3t-value-never-in-messages";

    [Test]
    [CancelAfter(10_000)]
    public async Task Forbidden_WithPlainBody_ThrowsVaultApiExceptionWithErrorsAndPath(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(403, """{"errors":["permission denied"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.KvV2ReadAsync("kvv2", "app/config", cancellationToken: cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(ex.Errors, Is.EqualTo(new[] { "permission denied" }));
            Assert.That(ex.Method, Is.EqualTo("GET"));
            Assert.That(ex.Path, Is.EqualTo("/v1/kvv2/data/app/config"));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.VaultError));
            Assert.That(ex.Message, Does.Contain("/v1/kvv2/data/app/config").And.Contain("403").And.Contain("permission denied"));
            Assert.That(ex.Message, Does.Not.Contain(VaultTestClients.Token));
            Assert.That(ex, Is.Not.InstanceOf<VaultSealedException>());
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Forbidden_WithMultiErrorBody_KeepsRawErrorAndFlattensMessage(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(403, """{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.WritePolicyAsync("app", "path \"x\" {}", cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Errors, Has.Count.EqualTo(1));
            Assert.That(ex.Errors[0], Does.StartWith("1 error occurred:"));
            Assert.That(ex.HasError("permission denied"), Is.True);
            Assert.That(ex.Message, Does.Contain("with: permission denied."));
            Assert.That(ex.Message, Does.Not.Contain("error occurred"));
            Assert.That(ex.Method, Is.EqualTo("PUT"));
            Assert.That(ex.Path, Is.EqualTo("/v1/sys/policies/acl/app"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Sealed503_ThrowsVaultSealedException_AndIsNotRetried(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(503, """{"errors":["Vault is sealed"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultSealedException>(() => client.LookupSelfAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.VaultSealed));
            Assert.That(ex.Path, Is.EqualTo("/v1/auth/token/lookup-self"));
            Assert.That(ex.Message, Does.Contain("sealed").And.Contain("nseal"));
            Assert.That(server.RequestCount, Is.EqualTo(1), "only an unseal helps a sealed Vault, so a read is not retried");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Standby503WithoutSealedText_IsAPlainApiException(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(503, """{"errors":["node is not active"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.SealAsync(cancellationToken));

        Assert.That(ex, Is.Not.InstanceOf<VaultSealedException>());
        Assert.That(ex!.HasError("node is not active"), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task NotFoundWithEmptyErrors_ReadsAsNull_ListsAsEmpty(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(404, """{"errors":[]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        Assert.Multiple(async () =>
        {
            Assert.That(await client.ReadPolicyAsync("missing", cancellationToken), Is.Null);
            Assert.That(await client.KvV2ReadAsync("kvv2", "missing", cancellationToken: cancellationToken), Is.Null);
            Assert.That(await client.KvV2ReadMetadataAsync("kvv2", "missing", cancellationToken), Is.Null);
            Assert.That(await client.KvV1ReadAsync("kv1", "missing", cancellationToken), Is.Null);
            Assert.That(await client.TransitReadKeyAsync("transit", "missing", cancellationToken), Is.Null);
            Assert.That(await client.KvV2ListAsync("kvv2", "none", cancellationToken), Is.Empty);
            Assert.That(await client.ListPoliciesAsync(cancellationToken), Is.Empty);
        });
        Assert.That(server.RequestCount, Is.EqualTo(7), "a 404 is an answer, never retried");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task NotFoundWithEmptyErrors_OnAWrite_ThrowsWithEmptyErrorsAndAHint(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(404, """{"errors":[]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.KvV2PatchAsync("kvv2", "missing", new JsonObject { ["k"] = "v" }, cancellationToken: cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(ex.Errors, Is.Empty);
            Assert.That(ex.Method, Is.EqualTo("PATCH"));
            Assert.That(ex.Message, Does.Contain("Nothing exists at this path"));
        });
        Assert.That(server.Requests[0].Headers["Content-Type"], Does.StartWith("application/merge-patch+json"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task KvV2SoftDeletedVersion_404WithDataBody_IsReturnedAsDeleted(CancellationToken cancellationToken)
    {
        const string body = """
            {"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,
             "data":{"data":null,"metadata":{"created_time":"2026-11-28T09:00:00.123456789Z","custom_metadata":null,
             "deletion_time":"2026-11-28T09:05:00.5Z","destroyed":false,"version":2}},
             "wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}
            """;
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(404, body));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var secret = await client.KvV2ReadAsync("kvv2", "app/config", version: 2, cancellationToken);

        Assert.That(secret, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(secret!.Data, Is.Null);
            Assert.That(secret.IsDeleted, Is.True);
            Assert.That(secret.IsDestroyed, Is.False);
            Assert.That(secret.Metadata.Version, Is.EqualTo(2));
            Assert.That(secret.Metadata.DeletionTime, Is.EqualTo(new DateTimeOffset(2026, 11, 28, 9, 5, 0, 500, TimeSpan.Zero)));
            Assert.That(server.Requests[0].Query, Is.EqualTo("version=2"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task KvV2DestroyedVersion_404WithDataBody_IsReturnedAsDestroyed(CancellationToken cancellationToken)
    {
        const string body = """{"data":{"data":null,"metadata":{"created_time":"2026-11-28T09:00:00Z","deletion_time":"","destroyed":true,"version":1}}}""";
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(404, body));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var secret = await client.KvV2ReadAsync("kvv2", "app/config", cancellationToken: cancellationToken);

        Assert.That(secret!.IsDestroyed, Is.True);
        Assert.That(secret.IsDeleted, Is.False);
        Assert.That(secret.Metadata.DeletionTime, Is.Null);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MalformedJson_OnSuccess_ThrowsVaultApiExceptionWithoutEchoingTheBody(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"sealed": tru SECRET-IN-BODY"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ex.Message, Does.Contain("could not be read").And.Contain("/v1/sys/seal-status"));
            Assert.That(ex.Message, Does.Not.Contain("SECRET-IN-BODY"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MalformedJson_OnError_StillThrowsWithStatusAndNoErrors(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(502, "<html>bad gateway</html>") { ContentType = "text/html" });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.KvV1WriteAsync("kv1", "x", new JsonObject { ["a"] = "b" }, cancellationToken));

        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(ex.Errors, Is.Empty);
        Assert.That(ex.Message, Does.Contain("not Vault's JSON error shape"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ErrorMessages_NeverCarryTheTokenOrTheRequestBody(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, """{"errors":["check-and-set parameter did not match the current version"]}"""));
        using var http = new HttpClient();
        var logger = new CapturingLogger();
        var client = VaultTestClients.For(server, http, logger: logger);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.KvV2WriteAsync("kvv2", "app/config", new JsonObject { ["password"] = SecretValue }, cas: 3, cancellationToken));

        var everything = ex!.ToString() + string.Join('\n', logger.Lines);
        Assert.Multiple(() =>
        {
            Assert.That(everything, Does.Not.Contain(SecretValue));
            Assert.That(everything, Does.Not.Contain(VaultTestClients.Token));
            Assert.That(ex.Message, Does.Contain("check-and-set"));
            Assert.That(server.Requests[0].Body, Does.Contain(SecretValue), "the body did reach the server");
            Assert.That(server.Requests[0].Body, Does.Contain("\"cas\":3"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task UnsealWithWrongKey_ThrowsWithVaultsErrorButNotTheKey(CancellationToken cancellationToken)
    {
        const string key = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899";
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, """{"errors":["unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: cipher: message authentication failed"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.UnsealAsync(key, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.HasError("invalid key"), Is.True);
            Assert.That(ex.ToString(), Does.Not.Contain(key));
            Assert.That(server.Requests[0].Body, Is.EqualTo($$"""{"key":"{{key}}"}"""));
        });
    }
}
