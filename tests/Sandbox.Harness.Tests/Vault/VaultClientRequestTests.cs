using NUnit.Framework;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault;

/// <summary>
/// What the client puts on the wire and how it reads tolerant answers. Happy paths against the
/// Vault double (fixtures/Sandbox.VaultDouble) belong in a later suite, once the double exists.
/// </summary>
[TestFixture]
public sealed class VaultClientRequestTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task Token_IsSentAsXVaultToken_OnlyWhenSet(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"initialized":true}"""));
        using var http = new HttpClient();
        var anonymous = new VaultClient(server.Address, http);
        var withToken = anonymous.WithToken("hvs.abc");

        Assert.That(await anonymous.GetInitStatusAsync(cancellationToken), Is.True);
        Assert.That(await withToken.GetInitStatusAsync(cancellationToken), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(server.Requests[0].Headers.ContainsKey("X-Vault-Token"), Is.False);
            Assert.That(server.Requests[1].Headers["X-Vault-Token"], Is.EqualTo("hvs.abc"));
            Assert.That(anonymous.Token, Is.Null);
            Assert.That(withToken.Token, Is.EqualTo("hvs.abc"));
            Assert.That(withToken.Address, Is.EqualTo(anonymous.Address));
            Assert.That(withToken.ToString(), Does.Not.Contain("hvs.abc"));
            Assert.That(withToken.WithToken(null).Token, Is.Null);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Init_SendsSharesAndThreshold_AndParsesKeys(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"keys":["aa"],"keys_base64":["qg=="],"root_token":"hvs.root"}"""));
        using var http = new HttpClient();
        var client = new VaultClient(server.Address, http);

        var init = await client.InitAsync(3, 2, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(server.Requests[0].Method, Is.EqualTo("PUT"));
            Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/sys/init"));
            Assert.That(JsonNode.Parse(server.Requests[0].Body)!["secret_shares"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(JsonNode.Parse(server.Requests[0].Body)!["secret_threshold"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(init.Keys, Is.EqualTo(new[] { "aa" }));
            Assert.That(init.KeysBase64, Is.EqualTo(new[] { "qg==" }));
            Assert.That(init.RootToken, Is.EqualTo("hvs.root"));
            Assert.That(init.ToString(), Does.Not.Contain("hvs.root").And.Not.Contain("qg=="));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task UnsealAndReset_SendTheirBodies_AndParseProgress(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"type":"shamir","initialized":true,"sealed":true,"t":2,"n":3,"progress":1,"nonce":"n-1","version":"2.4.0","commit_date":"2026-01-01T00:00:00Z","some_new_field":{"x":1}}"""));
        using var http = new HttpClient();
        var client = new VaultClient(server.Address, http);

        var status = await client.UnsealAsync("key-share", cancellationToken);
        await client.ResetUnsealAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(status.Sealed, Is.True);
            Assert.That(status.T, Is.EqualTo(2));
            Assert.That(status.N, Is.EqualTo(3));
            Assert.That(status.Progress, Is.EqualTo(1));
            Assert.That(status.Nonce, Is.EqualTo("n-1"));
            Assert.That(status.CommitDate, Is.Not.Null);
            Assert.That(status.BuildDate, Is.Null);
            Assert.That(server.Requests[0].Body, Is.EqualTo("""{"key":"key-share"}"""));
            Assert.That(server.Requests[1].Body, Is.EqualTo("""{"reset":true}"""));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MountsAndAuth_AreEnabledListedAndDisabled(CancellationToken cancellationToken)
    {
        const string mounts = """
            {"kvv2/":{"type":"kv","options":{"version":"2"},"config":{"default_lease_ttl":0,"max_lease_ttl":0}},
             "request_id":"r","data":{"kvv2/":{"type":"kv","description":"","accessor":"kv_1","local":false,"seal_wrap":false,"external_entropy_access":false,"options":{"version":"2"},"uuid":"u","plugin_version":"","running_plugin_version":"v0.20.0+builtin","running_sha256":"","config":{"default_lease_ttl":0,"max_lease_ttl":0,"force_no_cache":false}},
             "kv1/":{"type":"kv","options":null,"config":{"default_lease_ttl":3600,"max_lease_ttl":86400}},
             "sys/":{"type":"system","options":null,"config":{"default_lease_ttl":0,"max_lease_ttl":0}}}}
            """;
        await using var server = new LoopbackHttpServer(r => r.Method == "GET" ? CannedResponse.Json(200, mounts) : CannedResponse.NoContent());
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        await client.EnableSecretsEngineAsync("kvv2", MountRequest.KvV2("app secrets") with { DefaultLeaseTtl = TimeSpan.FromHours(1) }, cancellationToken);
        await client.EnableAuthMethodAsync("jwt", new MountRequest("jwt"), cancellationToken);
        var listed = await client.ListSecretsEnginesAsync(cancellationToken);
        await client.DisableSecretsEngineAsync("kvv2", cancellationToken);
        await client.DisableAuthMethodAsync("jwt", cancellationToken);

        var enable = JsonNode.Parse(server.Requests[0].Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/sys/mounts/kvv2"));
            Assert.That(enable["type"]!.GetValue<string>(), Is.EqualTo("kv"));
            Assert.That(enable["options"]!["version"]!.GetValue<string>(), Is.EqualTo("2"));
            Assert.That(enable["config"]!["default_lease_ttl"]!.GetValue<string>(), Is.EqualTo("3600s"));
            Assert.That(enable["description"]!.GetValue<string>(), Is.EqualTo("app secrets"));
            Assert.That(server.Requests[1].Path, Is.EqualTo("/v1/kvv2/config"), "a kv v2 mount is polled until its upgrade is done");
            Assert.That(server.Requests[2].Path, Is.EqualTo("/v1/sys/auth/jwt"));
            Assert.That(listed.Keys, Is.EquivalentTo(new[] { "kvv2/", "kv1/", "sys/" }));
            Assert.That(listed["kvv2/"].KvVersion, Is.EqualTo(2));
            Assert.That(listed["kv1/"].KvVersion, Is.EqualTo(1));
            Assert.That(listed["kv1/"].Config!.MaxLeaseTtl, Is.EqualTo(TimeSpan.FromDays(1)));
            Assert.That(listed["sys/"].KvVersion, Is.Null);
            Assert.That(server.Requests[4].Method, Is.EqualTo("DELETE"));
            Assert.That(server.Requests[5].Path, Is.EqualTo("/v1/sys/auth/jwt"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Policies_AreWrittenReadListedAndDeleted(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => (r.Method, r.Query) switch
        {
            ("PUT", _) => CannedResponse.Json(200, """{"warnings":["policy name was converted to app"]}"""),
            ("GET", "list=true") => CannedResponse.Json(200, """{"data":{"keys":["app","default","root"]}}"""),
            ("GET", _) => CannedResponse.Json(200, """{"data":{"name":"app","policy":"path \"kvv2/data/app/*\" { capabilities = [\"read\"] }","version":0,"cas_required":false}}"""),
            _ => CannedResponse.NoContent(),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var warnings = await client.WritePolicyAsync("App", "path \"kvv2/data/app/*\" { capabilities = [\"read\"] }", cancellationToken);
        var policy = await client.ReadPolicyAsync("app", cancellationToken);
        var names = await client.ListPoliciesAsync(cancellationToken);
        await client.DeletePolicyAsync("app", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(warnings, Is.EqualTo(new[] { "policy name was converted to app" }));
            Assert.That(policy!.Name, Is.EqualTo("app"));
            Assert.That(policy.Policy, Does.Contain("kvv2/data/app/*"));
            Assert.That(names, Is.EqualTo(new[] { "app", "default", "root" }));
            Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/sys/policies/acl/App"));
            Assert.That(server.Requests[3].Method, Is.EqualTo("DELETE"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Leases_LookupRenewRevokeAndRevokePrefix(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => r.Path switch
        {
            "/v1/sys/leases/lookup" => CannedResponse.Json(200, """{"data":{"id":"postgres/creds/app/abc","issue_time":"2026-11-28T09:00:00Z","expire_time":"2026-11-28T09:01:00Z","last_renewal":null,"renewable":true,"ttl":42}}"""),
            "/v1/sys/leases/renew" => CannedResponse.Json(200, """{"lease_id":"postgres/creds/app/abc","renewable":true,"lease_duration":30,"data":null,"warnings":["TTL of \"1h\" exceeded the effective max_ttl of \"30s\"; TTL value is capped accordingly"]}"""),
            _ => CannedResponse.NoContent(),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var lease = await client.LookupLeaseAsync("postgres/creds/app/abc", cancellationToken);
        var renewal = await client.RenewLeaseAsync("postgres/creds/app/abc", TimeSpan.FromHours(1), cancellationToken);
        await client.RevokeLeaseAsync("postgres/creds/app/abc", cancellationToken);
        await client.RevokeLeasePrefixAsync("postgres/creds/app", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(lease.Ttl, Is.EqualTo(TimeSpan.FromSeconds(42)));
            Assert.That(lease.LastRenewal, Is.Null);
            Assert.That(lease.ExpireTime, Is.EqualTo(new DateTimeOffset(2026, 11, 28, 9, 1, 0, TimeSpan.Zero)));
            Assert.That(renewal.LeaseDuration, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(renewal.Warnings.Single(), Does.Contain("capped"));
            Assert.That(server.Requests[1].Body, Is.EqualTo("""{"lease_id":"postgres/creds/app/abc","increment":3600}"""));
            Assert.That(server.Requests[2].Path, Is.EqualTo("/v1/sys/leases/revoke"));
            Assert.That(server.Requests[3].Path, Is.EqualTo("/v1/sys/leases/revoke-prefix/postgres/creds/app"));
            Assert.That(server.Requests[3].Method, Is.EqualTo("PUT"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Tokens_CreateLookupRenewRevoke(CancellationToken cancellationToken)
    {
        const string auth = """{"data":null,"warnings":["Policy \"ghost\" does not exist"],"auth":{"client_token":"hvs.child","accessor":"acc","policies":["app","default"],"token_policies":["app","default"],"metadata":null,"lease_duration":3600,"renewable":true,"entity_id":"","token_type":"service","orphan":false,"mfa_requirement":null,"num_uses":0}}""";
        await using var server = new LoopbackHttpServer(r => r.Path switch
        {
            "/v1/auth/token/lookup-self" => CannedResponse.Json(200, """{"data":{"id":"hvs.root","accessor":"a","policies":["root"],"path":"auth/token/root","meta":null,"display_name":"root","num_uses":0,"orphan":true,"creation_time":1764320000,"creation_ttl":0,"expire_time":null,"ttl":0,"explicit_max_ttl":0,"entity_id":"","type":"service"}}"""),
            "/v1/auth/token/revoke-self" => CannedResponse.NoContent(),
            _ => CannedResponse.Json(200, auth),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var created = await client.CreateTokenAsync(new TokenCreateRequest { Policies = ["app", "ghost"], Ttl = TimeSpan.FromHours(1), Renewable = true }, cancellationToken);
        var self = await client.LookupSelfAsync(cancellationToken);
        var renewed = await client.RenewSelfAsync(TimeSpan.FromMinutes(5), cancellationToken);
        await client.RevokeSelfAsync(cancellationToken);

        var body = JsonNode.Parse(server.Requests[0].Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(created.ClientToken, Is.EqualTo("hvs.child"));
            Assert.That(created.Policies, Is.EqualTo(new[] { "app", "default" }));
            Assert.That(created.Warnings.Single(), Does.Contain("ghost"));
            Assert.That(created.ToString(), Does.Not.Contain("hvs.child"));
            Assert.That(body["policies"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "app", "ghost" }));
            Assert.That(body["ttl"]!.GetValue<long>(), Is.EqualTo(3600));
            Assert.That(body["renewable"]!.GetValue<bool>(), Is.True);
            Assert.That(body.AsObject().ContainsKey("no_parent"), Is.False, "unset fields are not sent");
            Assert.That(self.Policies, Is.EqualTo(new[] { "root" }));
            Assert.That(self.ExpireTime, Is.Null);
            Assert.That(self.CreationTime, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1764320000)));
            Assert.That(self.ToString(), Does.Not.Contain("hvs.root"));
            Assert.That(renewed.LeaseDuration, Is.EqualTo(3600));
            Assert.That(server.Requests[2].Body, Is.EqualTo("""{"increment":"300s"}"""));
            Assert.That(server.Requests[3].Method, Is.EqualTo("POST"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task KvV1_WriteReadListDelete(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => (r.Method, r.Query) switch
        {
            ("GET", "list=true") => CannedResponse.Json(200, """{"data":{"keys":["a","b/"]}}"""),
            ("GET", _) => CannedResponse.Json(200, """{"lease_id":"","renewable":false,"lease_duration":2764800,"data":{"user":"u","n":3}}"""),
            _ => CannedResponse.NoContent(),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        await client.KvV1WriteAsync("kv1", "app/config", new JsonObject { ["user"] = "u", ["n"] = 3 }, cancellationToken);
        var read = await client.KvV1ReadAsync("kv1", "app/config", cancellationToken);
        var keys = await client.KvV1ListAsync("kv1", "app", cancellationToken);
        await client.KvV1DeleteAsync("kv1", "app/config", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/kv1/app/config"));
            Assert.That(server.Requests[0].Body, Is.EqualTo("""{"user":"u","n":3}"""));
            Assert.That(read!["user"]!.GetValue<string>(), Is.EqualTo("u"));
            Assert.That(keys, Is.EqualTo(new[] { "a", "b/" }));
            Assert.That(server.Requests[2].Path, Is.EqualTo("/v1/kv1/app/"));
            Assert.That(server.Requests[3].Method, Is.EqualTo("DELETE"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task KvV2_WriteReadVersionsAndMetadata(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => (r.Method, r.Path) switch
        {
            ("POST", "/v1/kvv2/data/app/config") => CannedResponse.Json(200, """{"data":{"created_time":"2026-11-28T09:00:00.000000001Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":4}}"""),
            ("GET", "/v1/kvv2/data/app/config") => CannedResponse.Json(200, """{"data":{"data":{"password":"p"},"metadata":{"created_time":"2026-11-28T09:00:00Z","custom_metadata":{"owner":"ops"},"deletion_time":"","destroyed":false,"version":4}}}"""),
            ("GET", "/v1/kvv2/metadata/app/config") => CannedResponse.Json(200, """{"data":{"cas_required":false,"created_time":"2026-11-28T08:00:00Z","current_version":4,"custom_metadata":null,"delete_version_after":"0s","max_versions":0,"oldest_version":1,"updated_time":"2026-11-28T09:00:00Z","versions":{"1":{"created_time":"2026-11-28T08:00:00Z","deletion_time":"","destroyed":true},"4":{"created_time":"2026-11-28T09:00:00Z","deletion_time":"","destroyed":false}}}}"""),
            _ => CannedResponse.NoContent(),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var written = await client.KvV2WriteAsync("kvv2", "app/config", new JsonObject { ["password"] = "p" }, cas: 3, cancellationToken);
        var read = await client.KvV2ReadAsync("kvv2", "app/config", cancellationToken: cancellationToken);
        var metadata = await client.KvV2ReadMetadataAsync("kvv2", "app/config", cancellationToken);
        await client.KvV2DeleteLatestAsync("kvv2", "app/config", cancellationToken);
        await client.KvV2DeleteVersionsAsync("kvv2", "app/config", [1, 2], cancellationToken);
        await client.KvV2UndeleteAsync("kvv2", "app/config", [2], cancellationToken);
        await client.KvV2DestroyAsync("kvv2", "app/config", [1], cancellationToken);
        await client.KvV2DeleteMetadataAsync("kvv2", "app/config", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(written.Version, Is.EqualTo(4));
            Assert.That(written.DeletionTime, Is.Null);
            Assert.That(server.Requests[0].Body, Is.EqualTo("""{"data":{"password":"p"},"options":{"cas":3}}"""));
            Assert.That(read!.Data!["password"]!.GetValue<string>(), Is.EqualTo("p"));
            Assert.That(read.ToString(), Does.Not.Contain("\"p\"").And.Contain("password"));
            Assert.That(read.Metadata.CustomMetadata!["owner"]!.GetValue<string>(), Is.EqualTo("ops"));
            Assert.That(metadata!.CurrentVersion, Is.EqualTo(4));
            Assert.That(metadata.DeleteVersionAfter, Is.EqualTo(TimeSpan.Zero));
            Assert.That(metadata.Versions["1"].Destroyed, Is.True);
            Assert.That(server.Requests[3].Method, Is.EqualTo("DELETE"));
            Assert.That(server.Requests[3].Path, Is.EqualTo("/v1/kvv2/data/app/config"));
            Assert.That(server.Requests[4].Path, Is.EqualTo("/v1/kvv2/delete/app/config"));
            Assert.That(server.Requests[4].Body, Is.EqualTo("""{"versions":[1,2]}"""));
            Assert.That(server.Requests[5].Path, Is.EqualTo("/v1/kvv2/undelete/app/config"));
            Assert.That(server.Requests[6].Path, Is.EqualTo("/v1/kvv2/destroy/app/config"));
            Assert.That(server.Requests[7].Path, Is.EqualTo("/v1/kvv2/metadata/app/config"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Transit_CreateAndRotateAccept200WithKeyAnd204(CancellationToken cancellationToken)
    {
        const string key = """{"data":{"name":"app","type":"aes256-gcm96","latest_version":2,"min_decryption_version":1,"min_encryption_version":0,"deletion_allowed":false,"exportable":false,"supports_encryption":true,"supports_decryption":true,"supports_derivation":true,"supports_signing":false,"derived":false,"auto_rotate_period":0,"keys":{"1":1764320000,"2":1764320100}}}""";
        await using var server = new LoopbackHttpServer((r, index, _) => Task.FromResult(index switch
        {
            1 => CannedResponse.Json(200, key),
            2 => CannedResponse.NoContent(),
            3 => CannedResponse.Json(200, key),
            _ => CannedResponse.NoContent(),
        }));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var created200 = await client.TransitCreateKeyAsync("transit", "app", cancellationToken: cancellationToken);
        var created204 = await client.TransitCreateKeyAsync("transit", "other", "chacha20-poly1305", cancellationToken);
        var rotated200 = await client.TransitRotateKeyAsync("transit", "app", cancellationToken);
        var rotated204 = await client.TransitRotateKeyAsync("transit", "app", cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(created200!.LatestVersion, Is.EqualTo(2));
            Assert.That(created200.Keys.Keys, Is.EquivalentTo(new[] { "1", "2" }));
            Assert.That(created204, Is.Null);
            Assert.That(rotated200!.Name, Is.EqualTo("app"));
            Assert.That(rotated204, Is.Null);
            Assert.That(server.Requests[1].Body, Is.EqualTo("""{"type":"chacha20-poly1305"}"""));
            Assert.That(server.Requests[2].Path, Is.EqualTo("/v1/transit/keys/app/rotate"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Transit_EncryptSendsBase64_DecryptReturnsBytes(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => r.Path.Contains("/encrypt/", StringComparison.Ordinal)
            ? CannedResponse.Json(200, """{"data":{"ciphertext":"vault:v1:abcd","key_version":1}}""")
            : CannedResponse.Json(200, """{"data":{"plaintext":"aGVsbG8="}}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ciphertext = await client.TransitEncryptAsync("transit", "app", "hello"u8.ToArray(), cancellationToken);
        var plaintext = await client.TransitDecryptAsync("transit", "app", ciphertext.Ciphertext, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(ciphertext, Is.EqualTo(new TransitCiphertext("vault:v1:abcd", 1)));
            Assert.That(server.Requests[0].Body, Is.EqualTo("""{"plaintext":"aGVsbG8="}"""));
            Assert.That(server.Requests[1].Body, Is.EqualTo("""{"ciphertext":"vault:v1:abcd"}"""));
            Assert.That(plaintext, Is.EqualTo("hello"u8.ToArray()));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Database_ConfigRolesAndCreds(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => (r.Method, r.Path) switch
        {
            ("POST", "/v1/postgres/config/app") => CannedResponse.Json(200, """{"warnings":["Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information."]}"""),
            ("GET", "/v1/postgres/roles/app") => CannedResponse.Json(200, """{"data":{"db_name":"app","creation_statements":["CREATE ROLE \"{{name}}\""],"revocation_statements":[],"rollback_statements":[],"renew_statements":[],"default_ttl":30,"max_ttl":120,"credential_type":"password","credential_config":{}}}"""),
            ("GET", "/v1/postgres/creds/app") => CannedResponse.Json(200, """{"lease_id":"postgres/creds/app/LEASE","renewable":true,"lease_duration":30,"data":{"username":"v-token-app-x","password":"Pa55-word-secret"}}"""),
            _ => CannedResponse.NoContent(),
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var warnings = await client.DatabaseWriteConnectionAsync("postgres", "app", new DatabaseConnectionConfig
        {
            ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:5432/app?sslmode=disable",
            Username = "vault",
            Password = "admin-secret",
            AllowedRoles = ["app"],
        }, cancellationToken);
        await client.DatabaseWriteRoleAsync("postgres", "app", new DatabaseRole
        {
            DbName = "app",
            CreationStatements = ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
            DefaultTtl = TimeSpan.FromSeconds(30),
            MaxTtl = TimeSpan.FromMinutes(2),
        }, cancellationToken);
        var role = await client.DatabaseReadRoleAsync("postgres", "app", cancellationToken);
        var creds = await client.DatabaseGetCredentialsAsync("postgres", "app", cancellationToken);

        var config = JsonNode.Parse(server.Requests[0].Body)!;
        var roleBody = JsonNode.Parse(server.Requests[1].Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(warnings.Single(), Does.StartWith("Password found"));
            Assert.That(config["plugin_name"]!.GetValue<string>(), Is.EqualTo("postgresql-database-plugin"));
            Assert.That(config["allowed_roles"]!.AsArray().Single()!.GetValue<string>(), Is.EqualTo("app"));
            Assert.That(config.AsObject().ContainsKey("connection_details"), Is.False);
            Assert.That(roleBody["db_name"]!.GetValue<string>(), Is.EqualTo("app"));
            Assert.That(roleBody["default_ttl"]!.GetValue<long>(), Is.EqualTo(30));
            Assert.That(roleBody["max_ttl"]!.GetValue<long>(), Is.EqualTo(120));
            Assert.That(role!.DefaultTtl, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(role.RevocationStatements, Is.Empty);
            Assert.That(creds.Username, Is.EqualTo("v-token-app-x"));
            Assert.That(creds.Password, Is.EqualTo("Pa55-word-secret"));
            Assert.That(creds.LeaseId, Is.EqualTo("postgres/creds/app/LEASE"));
            Assert.That(creds.LeaseDuration, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(creds.ToString(), Does.Not.Contain("Pa55-word-secret"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task JwtAndKubernetesAuth_ConfigRoleLogin(CancellationToken cancellationToken)
    {
        const string auth = """{"auth":{"client_token":"hvs.login","accessor":"a","policies":["app-ops","default"],"token_policies":["app-ops","default"],"metadata":{"role":"gitea_cicd_app"},"lease_duration":600,"renewable":true,"entity_id":"e","token_type":"service","orphan":true}}""";
        await using var server = new LoopbackHttpServer(r => r.Path.EndsWith("/login", StringComparison.Ordinal) ? CannedResponse.Json(200, auth) : CannedResponse.NoContent());
        using var http = new HttpClient();
        var anonymous = new VaultClient(server.Address, http);
        var client = anonymous.WithToken("hvs.root");

        await client.JwtWriteConfigAsync("jwt", new JwtAuthConfig { JwtValidationPubkeys = ["-----BEGIN PUBLIC KEY-----\n..."], BoundIssuer = "https://gitea.example" }, cancellationToken);
        await client.JwtWriteRoleAsync("jwt", "gitea_cicd_app", new JwtRole
        {
            UserClaim = "sub",
            BoundAudiences = ["vault"],
            BoundClaims = new Dictionary<string, object> { ["repository"] = "org/app", ["ref"] = new[] { "refs/heads/main" } },
            TokenPolicies = ["app-ops"],
            TokenTtl = TimeSpan.FromMinutes(10),
        }, cancellationToken);
        var jwtLogin = await anonymous.JwtLoginAsync("jwt", "gitea_cicd_app", "header.payload.sig", cancellationToken);
        await client.KubernetesWriteConfigAsync("kubernetes", new KubernetesAuthConfig { KubernetesHost = "https://127.0.0.1:6443", KubernetesCaCert = "PEM", TokenReviewerJwt = "reviewer-jwt" }, cancellationToken);
        await client.KubernetesWriteRoleAsync("kubernetes", "app", new KubernetesRole { BoundServiceAccountNames = ["app"], BoundServiceAccountNamespaces = ["app"], TokenPolicies = ["app"] }, cancellationToken);
        var k8sLogin = await anonymous.KubernetesLoginAsync("kubernetes", "app", "sa.jwt.token", cancellationToken);

        var role = JsonNode.Parse(server.Requests[1].Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/auth/jwt/config"));
            Assert.That(JsonNode.Parse(server.Requests[0].Body)!["bound_issuer"]!.GetValue<string>(), Is.EqualTo("https://gitea.example"));
            Assert.That(role["role_type"]!.GetValue<string>(), Is.EqualTo("jwt"));
            Assert.That(role["user_claim"]!.GetValue<string>(), Is.EqualTo("sub"));
            Assert.That(role["bound_claims"]!["repository"]!.GetValue<string>(), Is.EqualTo("org/app"));
            Assert.That(role["bound_claims"]!["ref"]!.AsArray().Single()!.GetValue<string>(), Is.EqualTo("refs/heads/main"));
            Assert.That(role["token_ttl"]!.GetValue<long>(), Is.EqualTo(600));
            Assert.That(server.Requests[2].Path, Is.EqualTo("/v1/auth/jwt/login"));
            Assert.That(server.Requests[2].Body, Is.EqualTo("""{"role":"gitea_cicd_app","jwt":"header.payload.sig"}"""));
            Assert.That(server.Requests[2].Headers.ContainsKey("X-Vault-Token"), Is.False);
            Assert.That(jwtLogin.ClientToken, Is.EqualTo("hvs.login"));
            Assert.That(jwtLogin.Metadata!["role"], Is.EqualTo("gitea_cicd_app"));
            Assert.That(JsonNode.Parse(server.Requests[3].Body)!["kubernetes_host"]!.GetValue<string>(), Is.EqualTo("https://127.0.0.1:6443"));
            Assert.That(JsonNode.Parse(server.Requests[4].Body)!["bound_service_account_names"]!.AsArray().Single()!.GetValue<string>(), Is.EqualTo("app"));
            Assert.That(server.Requests[5].Path, Is.EqualTo("/v1/auth/kubernetes/login"));
            Assert.That(k8sLogin.Orphan, Is.True);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PathSegments_AreEscaped_AndDotSegmentsRefused(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(404, """{"errors":[]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        await client.KvV1ReadAsync("kv1", "a b/c?d", cancellationToken);

        Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/kv1/a%20b/c%3Fd"));
        Assert.ThrowsAsync<ArgumentException>(() => client.KvV1ReadAsync("kv1", "../sys/seal", cancellationToken));
        Assert.ThrowsAsync<ArgumentException>(() => client.KvV1ReadAsync("", "x", cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AddressWithABasePath_IsKept(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, """{"initialized":false}"""));
        using var http = new HttpClient();
        var client = new VaultClient(new Uri(server.Address, "proxy/vault"), http);

        Assert.That(await client.GetInitStatusAsync(cancellationToken), Is.False);
        Assert.That(server.Requests[0].Path, Is.EqualTo("/proxy/vault/v1/sys/init"));
    }

    [Test]
    public void Constructor_RefusesNonHttpAddresses()
    {
        using var http = new HttpClient();
        Assert.Throws<ArgumentException>(() => _ = new VaultClient(new Uri("file:///etc/passwd"), http));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AGuardRefusalInsideTheHandler_SurfacesAsItself_AndIsNotRetried(CancellationToken cancellationToken)
    {
        var handler = new RefusingHandler();
        using var http = new HttpClient(handler);
        var client = VaultTestClients.For(new Uri("http://vault.prod.example:8200/"), http);

        var ex = Assert.ThrowsAsync<FakeGuardException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
        Assert.That(handler.Calls, Is.EqualTo(1));
        await Task.CompletedTask;
    }

    private sealed class RefusingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            throw new HttpRequestException("blocked", new FakeGuardException());
        }
    }

    private sealed class FakeGuardException() : SandboxException("blocked by the test guard")
    {
        public override ExitCode ExitCode => ExitCode.GuardBlocked;
    }
}
