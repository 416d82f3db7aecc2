using System.Text.Json.Nodes;
using Npgsql;
using NUnit.Framework.Constraints;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>
/// Base class for the conformance fixtures that need a real PostgreSQL: starts one server per
/// fixture (after the target), mounts a database engine under a unique path and writes its
/// <c>config/pg</c> with a templated connection URL and the superuser's credentials.
/// </summary>
public abstract class PostgresConformanceFixture : ConformanceFixture
{
    private PostgresServer? _postgres;

    private protected PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL is not started");

    /// <summary>The database mount's path (no trailing slash).</summary>
    protected string DatabaseMount { get; private set; } = "";

    /// <summary>The <c>allowed_roles</c> of the connection.</summary>
    protected abstract string AllowedRoles { get; }

    /// <summary>What the config write must answer.</summary>
    protected virtual IResolveConstraint ConfigAnswer => Is.EqualTo(204);

    /// <summary>Writes a role under a unique name whose credentials are PostgreSQL roles valid until the lease's expiry.</summary>
    /// <param name="ttl">The role's <c>default_ttl</c>.</param>
    /// <param name="maxTtl">The role's <c>max_ttl</c>.</param>
    /// <param name="ct">Cancels the write.</param>
    /// <returns>The role's name.</returns>
    protected async Task<string> NewRoleAsync(string ttl, string maxTtl, CancellationToken ct)
    {
        var name = Unique("app");
        var r = await Http.PostAsync($"{DatabaseMount}/roles/{name}", new JsonObject
        {
            ["db_name"] = "pg",
            ["creation_statements"] = new JsonArray("CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"),
            ["default_ttl"] = ttl,
            ["max_ttl"] = maxTtl,
        }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        return name;
    }

    /// <summary>Whether PostgreSQL has a role named <paramref name="user"/>.</summary>
    /// <param name="user">The role's name.</param>
    /// <param name="ct">Cancels the query.</param>
    protected async Task<bool> RoleExistsAsync(string user, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(Postgres.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @u", conn);
        cmd.Parameters.AddWithValue("u", user);
        return (long)(await cmd.ExecuteScalarAsync(ct))! > 0;
    }

    /// <summary>Looks a lease up (<c>sys/leases/lookup</c>).</summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="ct">Cancels the call.</param>
    protected Task<VaultResponse> LookupLeaseAsync(string leaseId, CancellationToken ct) =>
        Http.PutAsync("sys/leases/lookup", new JsonObject { ["lease_id"] = leaseId }, Root, ct);

    [OneTimeSetUp]
    public async Task StartPostgresAsync()
    {
        Requires.That(
            Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any(),
            "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)",
            "apt-get install -y postgresql");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _postgres = await PostgresServer.StartNewAsync(Path.Combine(Path.GetTempPath(), "vault-double-pg-" + Guid.NewGuid().ToString("N")[..8]), cancellationToken: cts.Token);
        DatabaseMount = await MountAsync("database", cts.Token);
        var config = await Http.PostAsync($"{DatabaseMount}/config/pg", new JsonObject
        {
            ["plugin_name"] = "postgresql-database-plugin",
            ["connection_url"] = $"postgresql://{{{{username}}}}:{{{{password}}}}@{Postgres.Host}:{Postgres.Port}/postgres?sslmode=disable",
            ["username"] = Postgres.SuperuserName,
            ["password"] = Postgres.SuperuserPassword,
            ["allowed_roles"] = AllowedRoles,
        }, Root, cts.Token);
        Assert.That(config.Code, ConfigAnswer, config.ToString());
    }

    [OneTimeTearDown]
    public async Task StopPostgresAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
