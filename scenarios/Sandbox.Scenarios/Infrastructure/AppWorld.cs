using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Npgsql;
using Sandbox.Harness;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// The steady state of a sandbox: production's names replayed from <c>fixtures/topology.yaml</c>
/// (every mount, auth method, policy, Kubernetes, JWT and database role; the database engine
/// pointed at the sandbox's PostgreSQL; JWT auth trusting the sandbox issuer; Kubernetes auth
/// pointed at a loopback TokenReview stand-in), plus one operator-written secret value in the
/// app's <c>kvv2/&lt;app&gt;/config</c>. Also the probes a consumer would use: log in to
/// PostgreSQL (through the guard), look a role up in pg_roles, log in as CI.
/// On k3d the replay uses the in-cluster view instead (<see cref="SandboxHandle.ReplayOptions"/>:
/// the database engine dials PostgreSQL by its Service name, Kubernetes auth checks tokens against
/// the cluster's own API with Vault's ServiceAccount as the reviewer), the Vault Secrets Operator's
/// objects and the stand-in app are applied per app, and a Kubernetes-auth login presents a token the
/// cluster issued (<c>kubectl create token</c>); the probes keep the host view (the NodePorts).
/// </summary>
internal sealed class AppWorld : IAsyncDisposable
{
    public const string App = "webapp";
    public const string KvMount = "kvv2";
    public const string DbMount = "postgres";
    public const string JwtMount = "jwt";
    public const string KubernetesMount = "kubernetes";
    public const string JwtRole = "gitea_cicd_" + App;

    public static readonly string SecretPath = App + "/config";

    private AppWorld(SandboxHandle sandbox, TopologySpec topology, ReplayOptions options, SandboxJwtIssuer issuer, TokenReviewServer? reviewer, ReplayResult replay, DatabaseRole role, string secretValue)
    {
        Sandbox = sandbox;
        Topology = topology;
        ReplayOptions = options;
        JwtIssuer = issuer;
        Reviewer = reviewer;
        Replay = replay;
        ReplayedRole = role;
        SecretValue = secretValue;
    }

    public SandboxHandle Sandbox { get; }

    public TopologySpec Topology { get; }

    public ReplayOptions ReplayOptions { get; }

    public SandboxJwtIssuer JwtIssuer { get; }

    /// <summary>The loopback TokenReview stand-in Kubernetes auth trusts; null on k3d, where the cluster's own API reviews tokens.</summary>
    public TokenReviewServer? Reviewer { get; }

    /// <summary>The app's topology entry (namespace, ServiceAccount, Kubernetes role).</summary>
    public AppSpec AppSpec => Topology.Apps.FirstOrDefault(a => a.Slug == App)
        ?? throw new InvalidOperationException($"The topology in force ({Topology.SourceFiles[^1]}) has no app '{App}'.");

    /// <summary>What the replay changed.</summary>
    public ReplayResult Replay { get; }

    /// <summary>The <c>&lt;app&gt;</c> database role as replay wrote it (production's TTLs and statements).</summary>
    public DatabaseRole ReplayedRole { get; }

    /// <summary>A random value an operator wrote into the app's KV secret (never written to the timeline).</summary>
    public string SecretValue { get; }

    /// <summary>The fixture topology (production's names); <see cref="ScenarioTopology"/> says which topology is in force.</summary>
    public static string TopologyFile => Path.Combine(RepositoryRoot(), "fixtures", "topology.yaml");

    /// <summary>Replays production's names into the sandbox and (unless <paramref name="writeSecret"/> is false) writes the operator's secret value.</summary>
    public static async Task<AppWorld> PrepareAsync(SandboxHandle sandbox, CancellationToken cancellationToken, bool writeSecret = true)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var topology = ScenarioTopology.Load();
        var issuer = new SandboxJwtIssuer(topology.Jwt.BoundIssuer ?? "https://sandbox.invalid");
        var inCluster = sandbox.Runtime == RuntimeKind.K3d;
        var reviewer = inCluster ? null : TokenReviewServer.Start(issuer);
        try
        {
            var options = reviewer is null
                ? sandbox.ReplayOptions([issuer.PublicKeyPem])
                : new ReplayOptions
                {
                    Postgres = sandbox.Postgres,
                    KubernetesHost = reviewer.Address.ToString().TrimEnd('/'),
                    SandboxEndpoints = [reviewer.Address],

                    // The stand-in's CA: with it replay sets disable_local_ca_jwt (never a pod's own token).
                    KubernetesCaCert = reviewer.CaCertificatePem,
                    JwtValidationPubkeys = [issuer.PublicKeyPem],
                };
            var replay = await new TopologyReplayer(sandbox.Root, Env.Guard).ReplayAsync(topology, options, cancellationToken);

            var role = await sandbox.Root.DatabaseReadRoleAsync(DbMount, App, cancellationToken)
                ?? throw new InvalidOperationException($"replay did not create {DbMount}/roles/{App}");
            var secret = "sv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            if (writeSecret)
            {
                await sandbox.Root.KvV2PatchAsync(KvMount, SecretPath, new JsonObject { ["API_KEY"] = secret }, cancellationToken: cancellationToken);
            }

            // k3d: the operator's objects and the stand-in app, per app, once Vault holds the names they use.
            await sandbox.ApplyAppsAsync(topology, cancellationToken);
            var jwtRole = await sandbox.Root.JwtReadRoleAsync(JwtMount, JwtRole, cancellationToken);
            return new AppWorld(sandbox, topology, options, issuer, reviewer, replay, role, secret)
            {
                Audience = jwtRole?.BoundAudiences is { Count: > 0 } audiences ? audiences[0] : "vault",
            };
        }
        catch
        {
            if (reviewer is not null)
            {
                await reviewer.DisposeAsync();
            }

            issuer.Dispose();
            throw;
        }
    }

    /// <summary>Overlays short TTLs on the <c>&lt;app&gt;</c> role, keeping replay's statements.</summary>
    public Task OverlayTtlAsync(TimeSpan defaultTtl, TimeSpan maxTtl, CancellationToken cancellationToken) =>
        Sandbox.Root.DatabaseWriteRoleAsync(DbMount, App, ReplayedRole with { DefaultTtl = defaultTtl, MaxTtl = maxTtl }, cancellationToken);

    /// <summary>Puts the <c>&lt;app&gt;</c> role back as replay wrote it.</summary>
    public Task RestoreRoleAsync(CancellationToken cancellationToken) =>
        Sandbox.Root.DatabaseWriteRoleAsync(DbMount, App, ReplayedRole, cancellationToken);

    /// <summary>CI's login: a sandbox-issued Gitea token on <c>auth/jwt</c> role <c>gitea_cicd_&lt;app&gt;</c>.</summary>
    public Task<VaultAuthInfo> CiLoginAsync(CancellationToken cancellationToken) =>
        Sandbox.Unauthenticated.JwtLoginAsync(JwtMount, JwtRole, MintCiToken(), cancellationToken);

    /// <summary>A fresh CI token (never logged).</summary>
    public string MintCiToken() => JwtIssuer.MintGiteaToken(new GiteaActionsClaims("arcodange/" + App) { Audience = Audience });

    /// <summary>The audience the replayed <c>gitea_cicd_&lt;app&gt;</c> role binds.</summary>
    public string Audience { get; private set; } = "vault";

    /// <summary>A client holding the <c>&lt;app&gt;</c> policy, as the app's pods would.</summary>
    public async Task<VaultClient> AppClientAsync(CancellationToken cancellationToken)
    {
        var auth = await Sandbox.Root.CreateTokenAsync(new TokenCreateRequest { Policies = [App], Ttl = TimeSpan.FromHours(1) }, cancellationToken);
        return Sandbox.Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>
    /// Logs in as the app's pods and the Vault Secrets Operator do: a service-account token of the
    /// app's namespace and ServiceAccount, on the Kubernetes auth role <c>&lt;app&gt;</c>. On k3d the
    /// cluster's API server issues it (<c>kubectl create token</c>) and Vault reviews it there; elsewhere
    /// the sandbox issuer the TokenReview stand-in trusts mints it.
    /// </summary>
    /// <returns>A client holding the login's token (policy <c>&lt;app&gt;</c>).</returns>
    public async Task<VaultClient> KubernetesLoginAsync(CancellationToken cancellationToken)
    {
        var app = AppSpec;
        var jwt = Reviewer is null
            ? await Sandbox.ServiceAccountTokenAsync(app.Namespace, app.ServiceAccount, Topology.Kubernetes.Audience, cancellationToken)
            : JwtIssuer.MintServiceAccountToken(new ServiceAccountIdentity(app.Namespace, app.ServiceAccount), audience: Topology.Kubernetes.Audience);
        var auth = await Sandbox.Unauthenticated.KubernetesLoginAsync(Topology.Kubernetes.Path, app.KubernetesRole.Name, jwt, cancellationToken);
        return Sandbox.Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>
    /// On k3d, service-account tokens from the cluster's API server for the ServiceAccounts the apps'
    /// objects created (null for any other: the cluster has no such account); elsewhere null (the
    /// sandbox issuer mints them).
    /// </summary>
    public Func<ServiceAccountIdentity, CancellationToken, Task<string?>>? ClusterServiceAccountTokens => Reviewer is null ? ClusterTokenAsync : null;

    private async Task<string?> ClusterTokenAsync(ServiceAccountIdentity account, CancellationToken cancellationToken) =>
        Topology.Apps.Any(a => a.Namespace == account.Namespace && a.ServiceAccount == account.Name)
            ? await Sandbox.ServiceAccountTokenAsync(account.Namespace, account.Name, Topology.Kubernetes.Audience, cancellationToken)
            : null;

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

    /// <summary>
    /// Makes every committed transaction durable now (<c>CHECKPOINT</c>, as the superuser, through the
    /// guard). The process runtime's PostgreSQL runs with <c>synchronous_commit = off</c> for speed, so a
    /// commit can still sit in the WAL buffers an abort (a power cut) throws away; production's
    /// default (<c>on</c>) has it on disk when the commit returns. Call it before a power cut to keep
    /// production's guarantee.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var source = Env.Guard.CreateNpgsqlDataSource(Sandbox.Postgres.ConnectionString(), "scenario checkpoint");
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("CHECKPOINT", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Reviewer is not null)
        {
            await Reviewer.DisposeAsync();
        }

        JwtIssuer.Dispose();
    }

    /// <summary>The checkout root (the folder holding Sandbox.sln) above the test assembly.</summary>
    public static string RepositoryRoot() =>
        SandboxCheckout.FindRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException($"No Sandbox.sln above {AppContext.BaseDirectory}: run the suites from the checkout.");

    private static ScenarioEnvironment Env => ScenarioEnvironment.Current;
}
