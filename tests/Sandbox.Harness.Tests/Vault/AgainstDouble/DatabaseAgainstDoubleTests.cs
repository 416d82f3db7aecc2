using System.Net;
using Npgsql;
using NUnit.Framework;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>
/// The database engine against the environment's PostgreSQL: config, role, creds that log in
/// (through the guard's Npgsql factory), and the lease calls: lookup, renew (capped, with
/// Vault's warning), revoke (role dropped) and revoke-prefix.
/// </summary>
[TestFixture]
public sealed class DatabaseAgainstDoubleTests
{
    private string _mount = string.Empty;

    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [OneTimeSetUp]
    public async Task ConfigureAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        _mount = DoubleEnvironment.Unique("postgres");
        await Env.Root.EnableSecretsEngineAsync(_mount, new MountRequest("database"), cts.Token);
        await Env.Root.DatabaseWriteConnectionAsync(_mount, "pg", new DatabaseConnectionConfig
        {
            ConnectionUrl = $"postgresql://{{{{username}}}}:{{{{password}}}}@{Env.Postgres.Host}:{Env.Postgres.Port}/postgres?sslmode=disable",
            Username = Env.Postgres.SuperuserName,
            Password = Env.Postgres.SuperuserPassword,
            AllowedRoles = ["*"],
        }, cts.Token);
    }

    private async Task<string> RoleAsync(TimeSpan ttl, TimeSpan maxTtl, CancellationToken cancellationToken)
    {
        var name = DoubleEnvironment.Unique("app");
        await Env.Root.DatabaseWriteRoleAsync(_mount, name, new DatabaseRole
        {
            DbName = "pg",
            CreationStatements = ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
            DefaultTtl = ttl,
            MaxTtl = maxTtl,
        }, cancellationToken);
        return name;
    }

    private static async Task<string> LoginAsync(DatabaseCredentials creds, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(Env.Postgres.ConnectionString) { Username = creds.Username, Password = creds.Password }.ConnectionString;
        await using var dataSource = Env.Guard.CreateNpgsqlDataSource(connectionString, DoubleEnvironment.Caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select current_user", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<bool> PostgresRoleExistsAsync(string user, CancellationToken cancellationToken)
    {
        await using var dataSource = Env.Guard.CreateNpgsqlDataSource(Env.Postgres.ConnectionString, DoubleEnvironment.Caller);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select count(*) from pg_roles where rolname = @u", connection);
        command.Parameters.AddWithValue("u", user);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ConfigAndRole_ReadBack_WithoutThePassword(CancellationToken cancellationToken)
    {
        var role = await RoleAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), cancellationToken);

        var config = await Env.Root.DatabaseReadConnectionAsync(_mount, "pg", cancellationToken);
        var read = await Env.Root.DatabaseReadRoleAsync(_mount, role, cancellationToken);
        var roles = await Env.Root.DatabaseListRolesAsync(_mount, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(config!.PluginName, Is.EqualTo("postgresql-database-plugin"));
            Assert.That(config.AllowedRoles, Is.EqualTo(new[] { "*" }));
            Assert.That(config.Password, Is.Null, "Vault never returns the root password");
            Assert.That(config.ConnectionDetails!["connection_url"].GetString(), Does.Contain($"{Env.Postgres.Host}:{Env.Postgres.Port}"));
            Assert.That(config.ConnectionDetails["username"].GetString(), Is.EqualTo(Env.Postgres.SuperuserName));
            Assert.That(read!.DbName, Is.EqualTo("pg"));
            Assert.That(read.DefaultTtl, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(read.MaxTtl, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(read.CreationStatements!.Single(), Does.StartWith("CREATE ROLE \"{{name}}\""));
            Assert.That(roles, Does.Contain(role));
        });

        await Env.Root.DatabaseDeleteRoleAsync(_mount, role, cancellationToken);
        Assert.That(await Env.Root.DatabaseReadRoleAsync(_mount, role, cancellationToken), Is.Null);
        Assert.That(await Env.Root.DatabaseListRolesAsync(_mount, cancellationToken), Does.Not.Contain(role));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Creds_LogIn_LeaseLookupRenewCapped_RevokeDropsTheRole(CancellationToken cancellationToken)
    {
        var role = await RoleAsync(TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(55), cancellationToken);

        var creds = await Env.Root.DatabaseGetCredentialsAsync(_mount, role, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(creds.LeaseId, Does.StartWith($"{_mount}/creds/{role}/"));
            Assert.That(creds.LeaseDuration, Is.EqualTo(TimeSpan.FromSeconds(45)));
            Assert.That(creds.Renewable, Is.True);
            Assert.That(creds.Username, Does.StartWith("v-"));
            Assert.That(creds.Password, Is.Not.Empty);
            Assert.That(creds.ToString(), Does.Not.Contain(creds.Password));
        });
        Assert.That(await LoginAsync(creds, cancellationToken), Is.EqualTo(creds.Username), "the issued credentials log in to PostgreSQL");

        var lease = await Env.Root.LookupLeaseAsync(creds.LeaseId, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(lease.Id, Is.EqualTo(creds.LeaseId));
            Assert.That(lease.Renewable, Is.True);
            Assert.That(lease.Ttl!.Value.TotalSeconds, Is.InRange(1, 45));
            Assert.That(lease.IssueTime, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(lease.ExpireTime, Is.EqualTo(lease.IssueTime!.Value.AddSeconds(45)).Within(TimeSpan.FromSeconds(2)));
        });

        var renewal = await Env.Root.RenewLeaseAsync(creds.LeaseId, TimeSpan.FromHours(1), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(renewal.LeaseId, Is.EqualTo(creds.LeaseId));
            Assert.That(renewal.Renewable, Is.True);
            Assert.That(renewal.LeaseDuration.TotalSeconds, Is.InRange(1, 55), "capped at the role's max_ttl");
            Assert.That(renewal.Warnings.Single(), Does.Match("^TTL of \"1h\" exceeded the effective max_ttl of \"\\d{1,2}s\"; TTL value is capped accordingly$"));
        });

        var renewed = await Env.Root.LookupLeaseAsync(creds.LeaseId, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(renewed.LastRenewal, Is.Not.Null);
            Assert.That(renewed.ExpireTime, Is.EqualTo(lease.IssueTime!.Value.AddSeconds(55)).Within(TimeSpan.FromSeconds(2)), "the renewal moved the expiry to the max_ttl cap, not an hour out");
        });

        await Env.Root.RevokeLeaseAsync(creds.LeaseId, cancellationToken);
        Assert.That(await PostgresRoleExistsAsync(creds.Username, cancellationToken), Is.False, "revocation drops the PostgreSQL role");
        var gone = Assert.ThrowsAsync<VaultApiException>(() => Env.Root.LookupLeaseAsync(creds.LeaseId, cancellationToken));
        Assert.That(gone!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(gone.Errors, Is.EqualTo(new[] { "invalid lease" }));
        Assert.ThrowsAsync<PostgresException>(() => LoginAsync(creds, cancellationToken));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RevokePrefix_RevokesEveryLeaseOfTheRole_AndNoOther(CancellationToken cancellationToken)
    {
        var role = await RoleAsync(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), cancellationToken);
        var keep = await RoleAsync(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), cancellationToken);
        var first = await Env.Root.DatabaseGetCredentialsAsync(_mount, role, cancellationToken);
        var second = await Env.Root.DatabaseGetCredentialsAsync(_mount, role, cancellationToken);
        var other = await Env.Root.DatabaseGetCredentialsAsync(_mount, keep, cancellationToken);
        Assert.That(first.Username, Is.Not.EqualTo(second.Username));
        Assert.That(await PostgresRoleExistsAsync(first.Username, cancellationToken), Is.True);

        await Env.Root.RevokeLeasePrefixAsync($"{_mount}/creds/{role}", cancellationToken);

        Assert.Multiple(async () =>
        {
            Assert.That(await PostgresRoleExistsAsync(first.Username, cancellationToken), Is.False);
            Assert.That(await PostgresRoleExistsAsync(second.Username, cancellationToken), Is.False);
            Assert.That(await PostgresRoleExistsAsync(other.Username, cancellationToken), Is.True, "another role's lease is untouched");
            Assert.That(await LoginAsync(other, cancellationToken), Is.EqualTo(other.Username));
            Assert.That((await Env.Root.LookupLeaseAsync(other.LeaseId, cancellationToken)).Id, Is.EqualTo(other.LeaseId));
        });
        var ex = Assert.ThrowsAsync<VaultApiException>(() => Env.Root.LookupLeaseAsync(first.LeaseId, cancellationToken));
        Assert.That(ex!.Errors, Is.EqualTo(new[] { "invalid lease" }));
        await Env.Root.RevokeLeaseAsync(other.LeaseId, cancellationToken);
    }
}
