using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.VaultDouble.Backends;
using Sandbox.VaultDouble.Engines.Database;

namespace Sandbox.VaultDouble.Tests.Engines;

[TestFixture]
[NonParallelizable]
public sealed class DatabaseBackendTests
{
    private const string Create = "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";";
    private PostgresServer _pg = null!;
    private int _dataSourcesMade;

    [OneTimeSetUp]
    public async Task StartPostgres()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _pg = await PostgresServer.StartNewAsync(Path.Combine(Path.GetTempPath(), "sbx-dbeng-" + Guid.NewGuid().ToString("N")[..10]), cancellationToken: cts.Token);
        await ExecAsync("CREATE TABLE things(id int); INSERT INTO things VALUES (1); CREATE SCHEMA app; CREATE TABLE app.t(x int);", cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopPostgres() => await _pg.DisposeAsync();

    private string TemplatedUrl => $"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{_pg.Port}/postgres?sslmode=disable";

    private (DatabaseBackend Backend, EngineHarness Harness) NewBackend()
    {
        var harness = new EngineHarness();
        var backend = new DatabaseBackend(harness.Mount("postgres/", "database"), cs =>
        {
            Interlocked.Increment(ref _dataSourcesMade);
            return NpgsqlDataSource.Create(cs);
        });
        return (backend, harness);
    }

    private async Task ExecAsync(string sql, CancellationToken cancellationToken)
    {
        await using var c = new NpgsqlConnection(_pg.ConnectionString);
        await c.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<object?> ScalarAsync(string sql, string? param, CancellationToken cancellationToken)
    {
        await using var c = new NpgsqlConnection(_pg.ConnectionString);
        await c.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(sql, c);
        if (param is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = param });
        }

        return await cmd.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<bool> RoleExistsAsync(string name, CancellationToken ct)
        => (bool)(await ScalarAsync("SELECT exists(SELECT 1 FROM pg_roles WHERE rolname=$1)", name, ct))!;

    private async Task<DateTime?> ValidUntilAsync(string name, CancellationToken ct)
        => await ScalarAsync("SELECT rolvaliduntil FROM pg_roles WHERE rolname=$1", name, ct) as DateTime?;

    private async Task ConfigureAsync(DatabaseBackend backend, EngineHarness h, CancellationToken ct, string allowed = "*")
    {
        var r = await backend.HandleAsync(h.Request(LogicalOperation.Create, "config/pg", new JsonObject
        {
            ["plugin_name"] = "postgresql-database-plugin",
            ["connection_url"] = TemplatedUrl,
            ["username"] = _pg.SuperuserName,
            ["password"] = _pg.SuperuserPassword,
            ["allowed_roles"] = allowed,
        }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(204), string.Join(",", r.Errors));
    }

    private static async Task WriteRoleAsync(DatabaseBackend backend, EngineHarness h, string name, JsonObject fields, CancellationToken ct)
    {
        fields["db_name"] ??= "pg";
        var r = await backend.HandleAsync(h.Request(LogicalOperation.Create, "roles/" + name, fields), ct);
        Assert.That(r.StatusCode, Is.EqualTo(204), string.Join(",", r.Errors));
    }

    private async Task<bool> CanLoginAsync(string user, string password, CancellationToken ct)
    {
        var cs = new NpgsqlConnectionStringBuilder(_pg.ConnectionString) { Username = user, Password = password }.ConnectionString;
        try
        {
            await using var c = new NpgsqlConnection(cs);
            await c.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM things", c);
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 1;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Config_WithTemplatedUrl_Verifies_AndReadHidesPassword(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        Assert.That(_dataSourcesMade, Is.GreaterThan(0), "verification must go through the injected factory");

        var read = await b.HandleAsync(h.Request(LogicalOperation.Read, "config/pg"), ct);
        var json = read.Data!.ToJsonString();
        Assert.That(json, Does.Not.Contain(_pg.SuperuserPassword));
        Assert.That(read.Data!["plugin_name"]!.GetValue<string>(), Is.EqualTo("postgresql-database-plugin"));
        Assert.That(read.Data!["connection_details"]!["connection_url"]!.GetValue<string>(), Is.EqualTo(TemplatedUrl));
        Assert.That(read.Data!["allowed_roles"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "*" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Config_WithLiteralPassword_WarnsAndRedactsOnRead(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var url = $"postgresql://postgres:{_pg.SuperuserPassword}@127.0.0.1:{_pg.Port}/postgres?sslmode=disable";
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "config/lit", new JsonObject { ["plugin_name"] = "postgresql-database-plugin", ["connection_url"] = url }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.Warnings, Does.Contain("Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information."));
        var read = await b.HandleAsync(h.Request(LogicalOperation.Read, "config/lit"), ct);
        Assert.That(read.Data!.ToJsonString(), Does.Not.Contain(_pg.SuperuserPassword));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Config_WithWrongPassword_Is400ErrorCreatingDatabaseObject_WithoutThePassword(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "config/bad", new JsonObject
        {
            ["plugin_name"] = "postgresql-database-plugin",
            ["connection_url"] = TemplatedUrl,
            ["username"] = "postgres",
            ["password"] = "wrong-password-zz",
        }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(400));
        Assert.That(r.Errors[0], Does.StartWith("error creating database object: ").And.Contain("password authentication failed"));
        Assert.That(r.Errors[0], Does.Not.Contain("wrong-password-zz"));
        Assert.That(await h.Storage.GetAsync("config/bad", ct), Is.Null);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Config_VerifyConnectionFalse_StoresWithoutConnecting(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var before = _dataSourcesMade;
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "config/later", new JsonObject
        {
            ["plugin_name"] = "postgresql-database-plugin",
            ["connection_url"] = "postgresql://{{username}}:{{password}}@127.0.0.1:1/x",
            ["verify_connection"] = false,
        }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(204));
        Assert.That(_dataSourcesMade, Is.EqualTo(before));
    }

    [TestCase("{\"connection_url\":\"postgresql://a@b/c\"}", "empty plugin name")]
    [TestCase("{\"plugin_name\":\"postgresql-database-plugin\"}", "connection_url cannot be empty")]
    [TestCase("{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":\"postgresql://{{username}}:{{password}}@h/d\",\"username\":\"{{username}}\"}", "username and/or password cannot contain the template variables")]
    [CancelAfter(30_000)]
    public async Task Config_BadInput_Is400WithVaultsMessage(string body, string message, CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "config/x", JsonNode.Parse(body)!.AsObject()), ct);
        Assert.That(r.StatusCode, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
        Assert.That(r.MultiError, Is.False);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Config_WithUsernameTemplate_IsRefusedNotIgnored(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "config/t", new JsonObject
        {
            ["plugin_name"] = "postgresql-database-plugin",
            ["connection_url"] = TemplatedUrl,
            ["username_template"] = "{{.RoleName}}",
            ["verify_connection"] = false,
        }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(400));
        Assert.That(r.Errors[0], Does.StartWith("username_template is not supported by the Sandbox Vault double"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Role_WithoutDbName_Is400(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "roles/x", new JsonObject { ["creation_statements"] = "x" }), ct);
        Assert.That(r.StatusCode, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { "database name is required" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Role_Read_ReturnsStatementsAsArrays_AndTtlsAsSeconds(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await WriteRoleAsync(b, h, "app", new JsonObject { ["creation_statements"] = Create, ["default_ttl"] = "1h30m", ["max_ttl"] = 86400 }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "roles/app"), ct);
        Assert.That(r.Data!["db_name"]!.GetValue<string>(), Is.EqualTo("pg"));
        Assert.That(r.Data!["creation_statements"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { Create }));
        Assert.That(r.Data!["revocation_statements"]!.AsArray(), Is.Empty);
        Assert.That(r.Data!["default_ttl"]!.GetValue<long>(), Is.EqualTo(5400));
        Assert.That(r.Data!["max_ttl"]!.GetValue<long>(), Is.EqualTo(86400));
        Assert.That(r.Data!["credential_type"]!.GetValue<string>(), Is.EqualTo("password"));

        var missing = await b.HandleAsync(h.Request(LogicalOperation.Read, "roles/none"), ct);
        Assert.That(missing.StatusCode, Is.EqualTo(404));
        var badTtl = await b.HandleAsync(h.Request(LogicalOperation.Create, "roles/bad", new JsonObject { ["db_name"] = "pg", ["default_ttl"] = "soon" }), ct);
        Assert.That(badTtl.StatusCode, Is.EqualTo(400));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Creds_CreateARealRole_ThatLogsInWithTheReturnedPassword_AndExpiresAtTtlPlus5s(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await WriteRoleAsync(b, h, "readonly", new JsonObject { ["creation_statements"] = new JsonArray(Create), ["default_ttl"] = "30s", ["max_ttl"] = "2m" }, ct);

        var before = DateTimeOffset.UtcNow;
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/readonly"), ct);
        Assert.That(r.StatusCode, Is.EqualTo(200), string.Join(",", r.Errors));
        var user = r.Data!["username"]!.GetValue<string>();
        var password = r.Data!["password"]!.GetValue<string>();

        Assert.That(user, Does.Match("^v-token-readonly-[A-Za-z0-9]{20}-[0-9]{10}$"));
        Assert.That(password, Has.Length.GreaterThanOrEqualTo(20));
        Assert.That(r.Lease!.Ttl, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(r.Lease.MaxTtl, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(r.Lease.Renewable, Is.True);
        Assert.That(await CanLoginAsync(user, password, ct), Is.True);
        Assert.That(await CanLoginAsync(user, password + "x", ct), Is.False);

        var validUntil = await ValidUntilAsync(user, ct);
        Assert.That(validUntil, Is.Not.Null);
        var expected = before.UtcDateTime.AddSeconds(35);
        Assert.That(validUntil!.Value.ToUniversalTime(), Is.EqualTo(expected).Within(TimeSpan.FromSeconds(3)));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Creds_UsernameUsesTheCallersDisplayName_TruncatedTo8(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await WriteRoleAsync(b, h, "averyveryverylongrole", new JsonObject { ["creation_statements"] = Create }, ct);
        var token = new RequestToken("a", "jwt-someone-long", ["p"], "e");
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/averyveryverylongrole", token: token), ct);
        Assert.That(r.Data!["username"]!.GetValue<string>(), Does.Match("^v-jwt-some-averyver-[A-Za-z0-9]{20}-[0-9]+$"));
        Assert.That(r.Lease!.Ttl, Is.EqualTo(TimeSpan.FromSeconds(2764800)), "no default_ttl: the mount default");
        await b.RevokeLeaseAsync(h.Lease(r, "creds/averyveryverylongrole"), ct);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Creds_Errors_MatchVault(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct, allowed: "app-*");

        var unknown = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/nope"), ct);
        Assert.That((unknown.StatusCode, unknown.Errors[0], unknown.MultiError), Is.EqualTo((400, "unknown role: nope", false)));

        await WriteRoleAsync(b, h, "other", new JsonObject { ["creation_statements"] = Create }, ct);
        var notAllowed = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/other"), ct);
        Assert.That((notAllowed.StatusCode, notAllowed.Errors[0], notAllowed.MultiError), Is.EqualTo((500, "\"other\" is not an allowed role", true)));

        await WriteRoleAsync(b, h, "app-empty", [], ct);
        var empty = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/app-empty"), ct);
        Assert.That((empty.StatusCode, empty.Errors[0], empty.MultiError), Is.EqualTo((500, "empty creation statements", true)));

        await WriteRoleAsync(b, h, "app-bad", new JsonObject { ["creation_statements"] = "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}'; SELECT * FROM no_such_table;" }, ct);
        var sql = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/app-bad"), ct);
        Assert.That((sql.StatusCode, sql.MultiError), Is.EqualTo((500, true)));
        Assert.That(sql.Errors[0], Does.Contain("no_such_table"));
        var leftovers = await ScalarAsync("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-token-app-bad-%'", null, ct);
        Assert.That(Convert.ToInt64(leftovers, CultureInfo.InvariantCulture), Is.Zero, "one transaction: the CREATE ROLE rolled back");

        var none = new EngineHarness();
        var noAllowed = new DatabaseBackend(none.Mount("p/", "database"), NpgsqlDataSource.Create);
        await noAllowed.HandleAsync(none.Request(LogicalOperation.Create, "config/pg", new JsonObject { ["plugin_name"] = "postgresql-database-plugin", ["connection_url"] = TemplatedUrl, ["username"] = "postgres", ["password"] = _pg.SuperuserPassword }), ct);
        await noAllowed.HandleAsync(none.Request(LogicalOperation.Create, "roles/r", new JsonObject { ["db_name"] = "pg", ["creation_statements"] = Create }), ct);
        var defaultDeny = await noAllowed.HandleAsync(none.Request(LogicalOperation.Read, "creds/r"), ct);
        Assert.That(defaultDeny.StatusCode, Is.EqualTo(500), "allowed_roles defaults to empty: no role may issue creds");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task DefaultRevocation_DropsTheRole_EvenWithSchemaGrants(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await WriteRoleAsync(b, h, "app", new JsonObject { ["creation_statements"] = Create + "GRANT USAGE ON SCHEMA app TO \"{{name}}\"; GRANT SELECT(x) ON app.t TO \"{{name}}\";" }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/app"), ct);
        var user = r.Data!["username"]!.GetValue<string>();
        Assert.That(await RoleExistsAsync(user, ct), Is.True);

        await b.RevokeLeaseAsync(h.Lease(r, "creds/app"), ct);
        Assert.That(await RoleExistsAsync(user, ct), Is.False);

        // Revoking again is a no-op, as the plugin does nothing for an absent role.
        await b.RevokeLeaseAsync(h.Lease(r, "creds/app"), ct);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task CustomRevocation_RunsTheRolesStatements(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await ExecAsync("CREATE TABLE IF NOT EXISTS revoked_log(name text)", ct);
        await WriteRoleAsync(b, h, "custom", new JsonObject
        {
            ["creation_statements"] = Create,
            ["revocation_statements"] = new JsonArray("INSERT INTO revoked_log VALUES ('{{name}}'); REVOKE ALL ON ALL TABLES IN SCHEMA public FROM \"{{name}}\"; DROP ROLE \"{{name}}\";"),
        }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/custom"), ct);
        var user = r.Data!["username"]!.GetValue<string>();

        await b.RevokeLeaseAsync(h.Lease(r, "creds/custom"), ct);
        Assert.That(await RoleExistsAsync(user, ct), Is.False);
        Assert.That(await ScalarAsync("SELECT name FROM revoked_log WHERE name=$1", user, ct), Is.EqualTo(user));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task DefaultRenew_AltersValidUntil(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await WriteRoleAsync(b, h, "renewme", new JsonObject { ["creation_statements"] = Create, ["default_ttl"] = 60 }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/renewme"), ct);
        var user = r.Data!["username"]!.GetValue<string>();

        var newExpiry = DateTimeOffset.UtcNow.AddHours(2);
        await b.RenewLeaseAsync(h.Lease(r, "creds/renewme"), newExpiry, ct);
        Assert.That((await ValidUntilAsync(user, ct))!.Value.ToUniversalTime(), Is.EqualTo(newExpiry.UtcDateTime).Within(TimeSpan.FromSeconds(1)));
        await b.RevokeLeaseAsync(h.Lease(r, "creds/renewme"), ct);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task CustomRenew_RunsTheRolesRenewStatements(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        await WriteRoleAsync(b, h, "renew2", new JsonObject
        {
            ["creation_statements"] = Create,
            ["renew_statements"] = "ALTER ROLE \"{{name}}\" VALID UNTIL 'infinity';",
        }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/renew2"), ct);
        var user = r.Data!["username"]!.GetValue<string>();
        await b.RenewLeaseAsync(h.Lease(r, "creds/renew2"), DateTimeOffset.UtcNow.AddMinutes(1), ct);
        Assert.That(await ScalarAsync("SELECT rolvaliduntil = 'infinity' FROM pg_roles WHERE rolname=$1", user, ct), Is.True);
        await b.RevokeLeaseAsync(h.Lease(r, "creds/renew2"), ct);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task PlPgSqlBlock_WithEnd_RunsWhole(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        await ConfigureAsync(b, h, ct);
        const string block = "DO $$ BEGIN CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}'; GRANT SELECT ON things TO \"{{name}}\"; END $$;";
        await WriteRoleAsync(b, h, "block", new JsonObject { ["creation_statements"] = block }, ct);
        var r = await b.HandleAsync(h.Request(LogicalOperation.Read, "creds/block"), ct);
        Assert.That(r.StatusCode, Is.EqualTo(200), string.Join(",", r.Errors));
        Assert.That(await CanLoginAsync(r.Data!["username"]!.GetValue<string>(), r.Data!["password"]!.GetValue<string>(), ct), Is.True);
        await b.RevokeLeaseAsync(h.Lease(r, "creds/block"), ct);
    }
}
