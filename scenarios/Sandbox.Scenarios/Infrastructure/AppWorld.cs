using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Npgsql;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// One app's steady state in a sandbox Vault, with production's names: a KV v2 secret at
/// <c>kvv2/&lt;app&gt;/config</c>, the <c>&lt;app&gt;</c> policy, the database engine at
/// <c>postgres/</c> with the <c>&lt;app&gt;</c> role issuing real PostgreSQL logins, and the CI login
/// (JWT role <c>gitea_cicd_&lt;app&gt;</c>, tokens from the sandbox issuer). Also the probes a
/// consumer would use: log in to PostgreSQL (through the guard), look a role up in pg_roles.
/// </summary>
public sealed class AppWorld : IDisposable
{
    public const string App = "webapp";
    public const string KvMount = "kvv2";
    public const string DbMount = "postgres";
    public const string Connection = "postgres";
    public const string JwtMount = "jwt";
    public const string JwtRole = "gitea_cicd_" + App;
    public const string Issuer = "https://gitea.arcodange.lab/api/actions";
    public const string Audience = "https://gitea.arcodange.lab";

    public static readonly string SecretPath = App + "/config";

    /// <summary>The <c>&lt;app&gt;</c> role's creation statement: a login that expires with the lease.</summary>
    public static readonly IReadOnlyList<string> CreationStatements =
        ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"];

    private AppWorld(SandboxHandle sandbox, string secretValue, SandboxJwtIssuer issuer)
    {
        Sandbox = sandbox;
        SecretValue = secretValue;
        JwtIssuer = issuer;
    }

    public SandboxHandle Sandbox { get; }

    /// <summary>A random value stored in the app's KV secret (never written to the timeline).</summary>
    public string SecretValue { get; }

    public SandboxJwtIssuer JwtIssuer { get; }

    /// <summary>Writes the app's steady state into the sandbox.</summary>
    public static async Task<AppWorld> PrepareAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var root = sandbox.Root;
        var secret = "sv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var issuer = new SandboxJwtIssuer(Issuer);

        await root.EnableSecretsEngineAsync(KvMount, MountRequest.KvV2("Application static config (versioned)"), cancellationToken);
        await root.KvV2WriteAsync(KvMount, SecretPath, new JsonObject { ["LOG_LEVEL"] = "info", ["API_KEY"] = secret }, cancellationToken: cancellationToken);

        await root.WritePolicyAsync(App, $$"""
            path "{{KvMount}}/data/{{App}}/*" { capabilities = ["read"] }
            path "{{DbMount}}/creds/{{App}}" { capabilities = ["read"] }
            """, cancellationToken);
        await root.WritePolicyAsync(App + "-ops", $$"""
            path "{{KvMount}}/data/{{App}}/*" { capabilities = ["create", "update", "read"] }
            """, cancellationToken);

        await root.EnableSecretsEngineAsync(DbMount, new MountRequest("database") { Description = "Short-lived PostgreSQL credentials" }, cancellationToken);
        try
        {
            await root.DatabaseWriteConnectionAsync(DbMount, Connection, new DatabaseConnectionConfig
            {
                ConnectionUrl = sandbox.Postgres.ConnectionUrlTemplate(),
                Username = sandbox.Postgres.SuperuserName,
                Password = sandbox.Postgres.SuperuserPassword,
                AllowedRoles = [App],
            }, cancellationToken);
        }
        catch (VaultApiException e) when (e.HasError("engine wired in yet"))
        {
            // A build of the double without its database engine (a branch before engines2 merged).
            global::Sandbox.Tests.Shared.Requires.That(false, "the Vault double's database engine", "merge the engines2 branch (the double answers: " + e.Errors[0] + ")");
        }

        await WriteRoleAsync(root, TimeSpan.FromHours(1), TimeSpan.FromHours(24), cancellationToken);

        await root.EnableAuthMethodAsync(JwtMount, new MountRequest("jwt"), cancellationToken);
        await root.JwtWriteConfigAsync(JwtMount, new JwtAuthConfig { JwtValidationPubkeys = [issuer.PublicKeyPem], BoundIssuer = Issuer }, cancellationToken);
        await root.JwtWriteRoleAsync(JwtMount, JwtRole, new JwtRole
        {
            UserClaim = "sub",
            BoundAudiences = [Audience],
            BoundClaims = new Dictionary<string, object> { ["repository"] = "arcodange/" + App },
            TokenPolicies = [App + "-ops"],
            TokenTtl = TimeSpan.FromMinutes(20),
        }, cancellationToken);

        return new AppWorld(sandbox, secret, issuer);
    }

    /// <summary>Writes (or overlays) the <c>&lt;app&gt;</c> database role with the given TTLs.</summary>
    public static Task WriteRoleAsync(VaultClient root, TimeSpan defaultTtl, TimeSpan maxTtl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.DatabaseWriteRoleAsync(DbMount, App, new DatabaseRole
        {
            DbName = Connection,
            CreationStatements = CreationStatements,
            DefaultTtl = defaultTtl,
            MaxTtl = maxTtl,
        }, cancellationToken);
    }

    /// <summary>CI's login: a sandbox-issued Gitea token on <c>auth/jwt</c> role <c>gitea_cicd_&lt;app&gt;</c>.</summary>
    public Task<VaultAuthInfo> CiLoginAsync(CancellationToken cancellationToken) =>
        Sandbox.Unauthenticated.JwtLoginAsync(JwtMount, JwtRole, MintCiToken(), cancellationToken);

    /// <summary>A fresh CI token (never logged).</summary>
    public string MintCiToken() => JwtIssuer.MintGiteaToken(new GiteaActionsClaims("arcodange/" + App) { Audience = Audience });

    /// <summary>A client holding the <c>&lt;app&gt;</c> policy, as a pod would.</summary>
    public async Task<VaultClient> AppClientAsync(CancellationToken cancellationToken)
    {
        var auth = await Sandbox.Root.CreateTokenAsync(new TokenCreateRequest { Policies = [App], Ttl = TimeSpan.FromHours(1) }, cancellationToken);
        return Sandbox.Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>New database credentials for the app.</summary>
    /// <param name="client">Who asks; <see langword="null"/> for the root token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DatabaseCredentials> IssueAsync(VaultClient? client, CancellationToken cancellationToken) =>
        (client ?? Sandbox.Root).DatabaseGetCredentialsAsync(DbMount, App, cancellationToken);

    /// <summary>Logs in to PostgreSQL with <paramref name="credentials"/> (through the guard) and runs a query.</summary>
    /// <returns><see langword="null"/> on success, else PostgreSQL's error (SQLSTATE and message).</returns>
    public Task<string?> TryLoginAsync(DatabaseCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return TryLoginAsync(credentials.Username, credentials.Password, cancellationToken);
    }

    /// <summary>Logs in to PostgreSQL with a user and password (through the guard) and runs a query.</summary>
    public async Task<string?> TryLoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Sandbox.Postgres.Host,
            Port = Sandbox.Postgres.Port,
            Username = username,
            Password = password,
            Database = "postgres",
            Pooling = false,
            Timeout = 10,
        };
        await using var source = Env.Guard.CreateNpgsqlDataSource(builder.ConnectionString, "scenario consumer");
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_user", connection);
            var user = (string?)await command.ExecuteScalarAsync(cancellationToken);
            return user == username ? null : $"logged in as '{user}', not '{username}'";
        }
        catch (PostgresException e)
        {
            return $"{e.SqlState}: {e.MessageText}";
        }
    }

    /// <summary>Whether <paramref name="username"/> is in pg_roles (asked as the superuser, through the guard).</summary>
    public async Task<bool> RoleExistsAsync(string username, CancellationToken cancellationToken)
    {
        await using var source = Env.Guard.CreateNpgsqlDataSource(Sandbox.Postgres.ConnectionString(), "scenario pg_roles probe");
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    public void Dispose() => JwtIssuer.Dispose();

    private static ScenarioEnvironment Env => ScenarioEnvironment.Current;
}
