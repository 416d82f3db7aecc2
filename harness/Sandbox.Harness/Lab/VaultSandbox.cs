using Npgsql;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Lab;

/// <summary>
/// A running sandbox Vault with its own unseal key and production's names replayed, for an
/// operator's own NUnit scenarios. Made by <see cref="VaultSandboxBuilder.StartAsync"/>; disposing
/// it removes the sandbox (processes or containers, and its run folder). The fault methods are the
/// ones the built-in suites break it with; the login methods give the clients the lab's pods and CI
/// would hold. The production guard is always on and cannot be removed.
/// </summary>
public sealed class VaultSandbox : IAsyncDisposable
{
    /// <summary>The JWT issuer used when the topology names none.</summary>
    internal const string DefaultIssuer = "https://sandbox.invalid";

    private readonly SandboxJwtIssuer? _issuer;
    private readonly TokenReviewServer? _reviewer;
    private readonly EvidenceWriter _evidence;
    private bool _disposed;

    internal VaultSandbox(SandboxHandle handle, TopologySpec? topology, ReplayResult? replay, SandboxJwtIssuer? issuer, TokenReviewServer? reviewer, EvidenceWriter evidence)
    {
        Handle = handle;
        Topology = topology;
        Replay = replay;
        _issuer = issuer;
        _reviewer = reviewer;
        _evidence = evidence;
        Guard = new VaultSandboxGuard(handle.Guard);
    }

    /// <summary>The sandbox's name.</summary>
    public string Name => Handle.Name;

    /// <summary>The runtime it runs on.</summary>
    public RuntimeKind Runtime => Handle.Runtime;

    /// <summary>Which Vault runs. <see cref="VaultFlavor.Describe"/> says it in words nobody can miss (the double says it is NOT HashiCorp Vault).</summary>
    public VaultFlavor Vault => Handle.Vault;

    /// <summary>Vault's address (loopback).</summary>
    public Uri Address => Handle.Address;

    /// <summary>A Vault client holding the sandbox's root token.</summary>
    public VaultClient Root => Handle.Root;

    /// <summary>A Vault client holding no token (seal status, unseal, health, logins).</summary>
    public VaultClient Unauthenticated => Handle.Unauthenticated;

    /// <summary>The apps of the replayed topology (their slugs, for <see cref="LoginAsAppAsync"/> and <see cref="LoginAsCiAsync"/>); empty when the sandbox was started <see cref="VaultSandboxBuilder.WithoutReplay"/>.</summary>
    public IReadOnlyList<string> Apps => Topology is null ? [] : [.. Topology.Apps.Select(a => a.Slug)];

    /// <summary>The replayed topology, or <see langword="null"/> without replay.</summary>
    internal TopologySpec? Topology { get; }

    /// <summary>What the replay wrote, or <see langword="null"/> without replay.</summary>
    internal ReplayResult? Replay { get; }

    /// <summary>The sandbox's key file (<c>cluster-keys.json</c>, 0600), as the lab keeps its own.</summary>
    public string KeyFile => Handle.KeyFile;

    /// <summary>PostgreSQL's superuser endpoint (the database engine's connection).</summary>
    public PostgresEndpoint Postgres => Handle.Postgres;

    /// <summary>The production guard of this sandbox, for the user's own HTTP and PostgreSQL connections (<see cref="VaultSandboxGuard.CheckUrl(Uri, string)"/>, <see cref="VaultSandboxGuard.CreateHttpClient"/>, <see cref="VaultSandboxGuard.CreateNpgsqlDataSource"/>).</summary>
    public VaultSandboxGuard Guard { get; }

    /// <summary>The report folder the scenarios of <see cref="BeginScenario"/> write to.</summary>
    public string ReportDirectory => _evidence.ReportDirectory;

    /// <summary>The underlying handle.</summary>
    internal SandboxHandle Handle { get; }

    /// <summary>Restarts Vault gracefully (SIGTERM) or with kill -9; it comes back sealed, as the lab's Vault does.</summary>
    /// <param name="kill">True for kill -9.</param>
    /// <param name="cancellationToken">Cancels the restart.</param>
    public Task RestartVaultAsync(bool kill = false, CancellationToken cancellationToken = default) => Handle.RestartVaultAsync(kill, cancellationToken);

    /// <summary>Seals Vault through the API.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task SealAsync(CancellationToken cancellationToken = default) => Handle.SealAsync(cancellationToken);

    /// <summary>Unseals Vault with the key file, as the operator does after a restart.</summary>
    /// <param name="cancellationToken">Cancels the unseal.</param>
    /// <returns>The seal status after the last share.</returns>
    /// <exception cref="KeyFileException">The key file is missing or unusable (exit code 8).</exception>
    public Task<SealStatus> UnsealFromKeyFileAsync(CancellationToken cancellationToken = default) => Handle.UnsealFromKeyFileAsync(cancellationToken);

    /// <summary>Stops PostgreSQL (its data is kept).</summary>
    /// <param name="cancellationToken">Cancels the stop.</param>
    public Task StopPostgresAsync(CancellationToken cancellationToken = default) => Handle.StopPostgresAsync(cancellationToken);

    /// <summary>Starts PostgreSQL again and waits until it accepts logins.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public Task StartPostgresAsync(CancellationToken cancellationToken = default) => Handle.StartPostgresAsync(cancellationToken);

    /// <summary>Deletes the key file: the lost-key fault.</summary>
    public void LoseKeyFile() => Handle.DeleteKeyFile();

    /// <summary>Truncates the key file so that it no longer parses.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task CorruptKeyFileAsync(CancellationToken cancellationToken = default) => Handle.CorruptKeyFileAsync(cancellationToken);

    /// <summary>Wipes Vault's storage and starts it again uninitialized (then <see cref="ReinitializeAsync"/>).</summary>
    /// <param name="kill">True to kill -9 Vault first.</param>
    /// <param name="cancellationToken">Cancels the wipe.</param>
    public Task WipeStorageAsync(bool kill = false, CancellationToken cancellationToken = default) => Handle.WipeVaultStorageAsync(kill, cancellationToken);

    /// <summary>Initializes a wiped Vault with a new key file and root token, and unseals it. Production's names are not replayed again.</summary>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task ReinitializeAsync(CancellationToken cancellationToken = default) => Handle.InitializeAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// Logs in as the app's pods do: a service-account token of the app's namespace and service account,
    /// on the Kubernetes auth role <c>&lt;app&gt;</c> (the Vault Secrets Operator's path). On k3d the
    /// cluster's API server issues the token (<c>kubectl create token</c>) and Vault reviews it there;
    /// elsewhere the sandbox issuer mints it for the TokenReview stand-in.
    /// </summary>
    /// <param name="app">The app slug, e.g. <c>webapp</c>.</param>
    /// <param name="cancellationToken">Cancels the login.</param>
    /// <returns>A client holding the login's token (policy <c>&lt;app&gt;</c>).</returns>
    /// <exception cref="InvalidOperationException">The sandbox was started without replay.</exception>
    /// <exception cref="ArgumentException">The topology has no such app.</exception>
    /// <exception cref="VaultApiException">Vault refused the login.</exception>
    public async Task<VaultClient> LoginAsAppAsync(string app, CancellationToken cancellationToken = default)
    {
        var (topology, spec) = Find(app);
        var jwt = Runtime == RuntimeKind.K3d
            ? await Handle.ServiceAccountTokenAsync(spec.Namespace, spec.ServiceAccount, topology.Kubernetes.Audience, cancellationToken).ConfigureAwait(false)
            : _issuer!.MintServiceAccountToken(new ServiceAccountIdentity(spec.Namespace, spec.ServiceAccount), audience: topology.Kubernetes.Audience);
        var auth = await Unauthenticated.KubernetesLoginAsync(topology.Kubernetes.Path, spec.KubernetesRole.Name, jwt, cancellationToken).ConfigureAwait(false);
        return Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>
    /// Logs in as the app's CI does: a Gitea-shaped OIDC token from the sandbox's issuer, with the
    /// claims the role <c>gitea_cicd_&lt;app&gt;</c> binds, on the JWT auth method.
    /// </summary>
    /// <param name="app">The app slug.</param>
    /// <param name="cancellationToken">Cancels the login.</param>
    /// <returns>A client holding the login's token (policy <c>&lt;app&gt;-ops</c>).</returns>
    /// <exception cref="InvalidOperationException">The sandbox was started without replay.</exception>
    /// <exception cref="ArgumentException">The topology has no such app.</exception>
    /// <exception cref="VaultApiException">Vault refused the login.</exception>
    public async Task<VaultClient> LoginAsCiAsync(string app, CancellationToken cancellationToken = default)
    {
        var (topology, spec) = Find(app);
        var token = _issuer!.MintGiteaToken(CiClaims(spec));
        var auth = await Unauthenticated.JwtLoginAsync(topology.Jwt.Path, spec.JwtRole.Name, token, cancellationToken).ConfigureAwait(false);
        return Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>Issues new database credentials from <c>&lt;database mount&gt;/creds/&lt;app&gt;</c>.</summary>
    /// <param name="app">The app slug.</param>
    /// <param name="client">Who asks; the root client when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The credentials and their lease (the password is secret: never log it).</returns>
    public Task<DatabaseCredentials> IssueDatabaseCredentialsAsync(string app, VaultClient? client = null, CancellationToken cancellationToken = default)
    {
        var (topology, spec) = Find(app);
        return (client ?? Root).DatabaseGetCredentialsAsync(topology.Database.Mount, spec.Slug, cancellationToken);
    }

    /// <summary>Logs in to the sandbox's PostgreSQL with <paramref name="credentials"/> (through the guard), as the app would.</summary>
    /// <param name="credentials">Credentials from <see cref="IssueDatabaseCredentialsAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the login.</param>
    /// <returns><see langword="null"/> when the login worked, else PostgreSQL's error (SQLSTATE and message).</returns>
    public async Task<string?> TryDatabaseLoginAsync(DatabaseCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Postgres.Host,
            Port = Postgres.Port,
            Username = credentials.Username,
            Password = credentials.Password,
            Database = "postgres",
            Pooling = false,
            Timeout = 10,
        };
        var source = Handle.Guard.CreateNpgsqlDataSource(builder.ConnectionString, "library database login");
        await using (source.ConfigureAwait(false))
        {
            try
            {
                var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (PostgresException e)
            {
                return $"{e.SqlState}: {e.MessageText}";
            }
        }
    }

    /// <summary>
    /// Starts recording a scenario of the user's own: its timeline (steps, faults, observations,
    /// timings) lands in <see cref="ReportDirectory"/> like the built-in suites' scenarios, so
    /// <c>summary.json</c>, <c>junit.xml</c> and <c>report.html</c> include it.
    /// </summary>
    /// <param name="name">The scenario's name, e.g. <c>my-suite/webapp-creds-survive-restart</c>.</param>
    /// <param name="suite">The suite it belongs to; the part of <paramref name="name"/> before '/' when <see langword="null"/>.</param>
    /// <returns>The recorder; call <see cref="ScenarioRecorder.CompleteAsync"/> at the end.</returns>
    public ScenarioRecorder BeginScenario(string name, string? suite = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var recorder = new ScenarioRecorder(name, suite ?? (name.Contains('/', StringComparison.Ordinal) ? name[..name.IndexOf('/', StringComparison.Ordinal)] : name), _evidence, TimeProvider.System);
        recorder.Step($"scenario starts on the {Runtime.ToString().ToLowerInvariant()} runtime against {Vault.Describe()}");
        return recorder;
    }

    /// <summary>What this sandbox is, for a report's header: the runtime and the Vault (the double says it is the double). It outlives the sandbox: compose the report with it after disposing.</summary>
    /// <param name="command">What produced the run, e.g. <c>dotnet test</c>.</param>
    /// <returns>The run's description.</returns>
    public RunDescription DescribeRun(string command = "dotnet test")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        return new RunDescription(command, Runtime, Vault);
    }

    /// <summary>Composes the report folder into the evidence pack (<c>summary.json</c>, <c>junit.xml</c>, <c>report.html</c>).</summary>
    /// <param name="command">What produced the run, shown in the report header.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>What was written.</returns>
    public Task<EvidencePackResult> ComposeReportAsync(string command = "dotnet test", CancellationToken cancellationToken = default) =>
        DescribeRun(command).ComposeReportAsync(ReportDirectory, cancellationToken);

    /// <summary>Removes the sandbox. Safe to call twice.</summary>
    /// <returns>A task that completes when the sandbox is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_reviewer is not null)
            {
                await _reviewer.DisposeAsync().ConfigureAwait(false);
            }

            _issuer?.Dispose();
        }
        finally
        {
            await Handle.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Handle.ToString();

    private static GiteaActionsClaims CiClaims(AppSpec app)
    {
        string? First(string claim) => app.Jwt.BoundClaims.TryGetValue(claim, out var values) && values.Count > 0 ? values[0] : null;
        var claims = new GiteaActionsClaims(First("repository") ?? "sandbox/" + app.Slug)
        {
            Audience = app.Jwt.BoundAudiences.Count > 0 ? app.Jwt.BoundAudiences[0] : "vault",
            Subject = app.Jwt.BoundSubject,
        };
        return First("ref") is { } gitRef ? claims with { Ref = gitRef } : claims;
    }

    private (TopologySpec Topology, AppSpec App) Find(string app)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(app);
        var topology = Topology ?? throw new InvalidOperationException($"Sandbox '{Name}' was started without replay: it has no apps to log in as. Start it with WithTopology(FILE).");
        var spec = topology.Apps.FirstOrDefault(a => a.Slug == app)
            ?? throw new ArgumentException($"The topology ({topology.SourceFiles[^1]}) has no app '{app}'; it has: {string.Join(", ", topology.Apps.Select(a => a.Slug))}.", nameof(app));
        return (topology, spec);
    }
}
