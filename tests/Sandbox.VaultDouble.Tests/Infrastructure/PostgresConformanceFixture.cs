using System.Text.Json.Nodes;
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
