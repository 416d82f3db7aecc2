using System.Text.Json.Nodes;
using Npgsql;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// §9 through HTTP against a real PostgreSQL: creds log in, VALID UNTIL follows the lease on issue and
/// on renew (capped at max_ttl), and the error bodies are Vault's (plain 400, multierror 500).
/// </summary>
[TestFixture, Category("Postgres"), CancelAfter(90_000)]
public sealed class DatabaseEngineTests : PostgresConformanceFixture
{
    protected override string AllowedRoles => "app*";

    private async Task<DateTime?> ValidUntilAsync(string user, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(Postgres.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT rolvaliduntil FROM pg_roles WHERE rolname = @u", conn);
        cmd.Parameters.AddWithValue("u", user);
        return (await cmd.ExecuteScalarAsync(ct)) as DateTime?;
    }

    private async Task<string> RoleAsync(string name, string ttl, string maxTtl, CancellationToken ct)
    {
        var r = await Http.PostAsync($"{DatabaseMount}/roles/{name}", new JsonObject
        {
            ["db_name"] = "pg",
            ["creation_statements"] = "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
            ["default_ttl"] = ttl,
            ["max_ttl"] = maxTtl,
        }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        return name;
    }

    [Test]
    public async Task Creds_LogIn_AndValidUntilFollowsTheLeaseOnIssueAndRenew(CancellationToken ct)
    {
        var role = await RoleAsync(Unique("app"), "1m", "3m", ct);
        var issued = DateTime.UtcNow;
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        Assert.That(creds.Code, Is.EqualTo(200), creds.ToString());
        var user = creds.Data!["username"]!.GetValue<string>();
        var password = creds.Data!["password"]!.GetValue<string>();
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        Assert.That(leaseId, Does.StartWith($"{DatabaseMount}/creds/{role}/"));
        Assert.That(creds.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(60));

        var login = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { Username = user, Password = password }.ConnectionString;
        await using (var conn = new NpgsqlConnection(login))
        {
            await conn.OpenAsync(ct);
        }

        Assert.That((await ValidUntilAsync(user, ct))!.Value.ToUniversalTime(), Is.EqualTo(issued.AddSeconds(65)).Within(TimeSpan.FromSeconds(3)));

        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId, ["increment"] = 120 }, Root, ct);
        Assert.That(renew.Code, Is.EqualTo(200), renew.ToString());
        var lookup = await Http.PutAsync("sys/leases/lookup", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        var expire = DateTimeOffset.Parse(lookup.Data!["expire_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).UtcDateTime;
        Assert.That((await ValidUntilAsync(user, ct))!.Value.ToUniversalTime(), Is.EqualTo(expire).Within(TimeSpan.FromSeconds(2)), "renew runs ALTER ROLE … VALID UNTIL at the new expiry");

        var capped = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId, ["increment"] = 3600 }, Root, ct);
        Assert.That(capped.Code, Is.EqualTo(200), capped.ToString());
        Assert.That((await ValidUntilAsync(user, ct))!.Value.ToUniversalTime(), Is.LessThanOrEqualTo(issued.AddSeconds(180 + 3)), "VALID UNTIL never passes issue + max_ttl");

        var revoke = await Http.PutAsync("sys/leases/revoke", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        Assert.That(revoke.Code, Is.EqualTo(204));
        Assert.That(await ValidUntilAsync(user, ct), Is.Null);
    }

    [Test]
    public async Task Creds_Errors_HaveVaultsBodies(CancellationToken ct)
    {
        var unknown = await Http.GetAsync($"{DatabaseMount}/creds/nope", Root, ct);
        Assert.That((unknown.Code, unknown.Errors.Single()), Is.EqualTo((400, "unknown role: nope")));

        var other = await RoleAsync(Unique("other"), "1m", "1m", ct);
        var notAllowed = await Http.GetAsync($"{DatabaseMount}/creds/{other}", Root, ct);
        Assert.That(notAllowed.Code, Is.EqualTo(500));
        Assert.That(notAllowed.Errors.Single(), Is.EqualTo($"1 error occurred:\n\t* \"{other}\" is not an allowed role\n\n"));

        var empty = Unique("app");
        await Http.PostAsync($"{DatabaseMount}/roles/{empty}", new JsonObject { ["db_name"] = "pg" }, Root, ct);
        var noStatements = await Http.GetAsync($"{DatabaseMount}/creds/{empty}", Root, ct);
        Assert.That((noStatements.Code, noStatements.Errors.Single()), Is.EqualTo((500, "1 error occurred:\n\t* empty creation statements\n\n")));
    }

    [Test]
    public async Task ListRolesAndConfigs_ReturnKeys(CancellationToken ct)
    {
        var role = await RoleAsync(Unique("app"), "1m", "1m", ct);
        var roles = await Http.ListAsync($"{DatabaseMount}/roles", Root, ct);
        Assert.That(roles.Code, Is.EqualTo(200), roles.ToString());
        Assert.That(roles.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Does.Contain(role));
        var configs = await Http.ListAsync($"{DatabaseMount}/config", Root, ct);
        Assert.That(configs.Data!["keys"]!.AsArray().Select(k => k!.GetValue<string>()), Is.EqualTo(new[] { "pg" }));
    }

    [Test]
    public async Task ConfigRead_NeverShowsThePassword(CancellationToken ct)
    {
        var r = await Http.GetAsync($"{DatabaseMount}/config/pg", Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.That(r.Text, Does.Not.Contain(Postgres.SuperuserPassword));
        Assert.That(r.Data!["connection_details"]!["username"]!.GetValue<string>(), Is.EqualTo("postgres"));
    }
}
