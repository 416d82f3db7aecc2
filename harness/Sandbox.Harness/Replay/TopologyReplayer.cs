using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Guard.Internal;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Replay.Internal;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Replay;

/// <summary>
/// Applies a topology to a sandbox Vault through the Vault client: mounts, auth methods and their
/// config, policies, roles, the database connection (and the PostgreSQL group roles it grants),
/// transit keys and seed values. It validates the whole plan with the config guard first, then
/// reads the current state of each name and writes only what differs, so a second run writes
/// nothing and says "0 changes". Seeds are written only when absent (check-and-set 0): an
/// operator's newer value is never overwritten.
/// </summary>
internal sealed class TopologyReplayer
{
    /// <summary>The guard caller name of replay's checks and connections.</summary>
    public const string GuardCaller = "replay";

    private readonly VaultClient _vault;
    private readonly SandboxGuard _guard;
    private readonly ILogger _logger;

    /// <summary>Creates a replayer.</summary>
    /// <param name="vault">A client with a token that may write everything (the sandbox's root token).</param>
    /// <param name="guard">The production guard: checks every endpoint the sandbox Vault would dial, and makes the PostgreSQL connection.</param>
    /// <param name="logger">Names and verdicts only; null logs nothing.</param>
    public TopologyReplayer(VaultClient vault, SandboxGuard guard, ILogger<TopologyReplayer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(guard);
        _vault = vault;
        _guard = guard;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The config guard: checks every value that the sandbox Vault would dial itself
    /// (<c>connection_url</c>, <c>kubernetes_host</c>, <c>jwks_url</c>, <c>oidc_discovery_url</c>):
    /// the denylist first, then the egress policy, then that it names an endpoint the sandbox runs
    /// (<see cref="ReplayOptions.Postgres"/>, <see cref="ReplayOptions.SandboxEndpoints"/>, the cluster's
    /// own services with <see cref="ReplayOptions.InCluster"/>); libpq parameters that name a host, an
    /// address or a file are judged too. Resolves no name, writes nothing. JWT auth's <c>bound_issuer</c>
    /// is not checked: Vault compares it with a token's <c>iss</c> claim and never dials it.
    /// </summary>
    /// <param name="topology">The topology (its file names the source of each value).</param>
    /// <param name="options">The sandbox's inputs.</param>
    /// <param name="guard">The guard.</param>
    /// <exception cref="ReplayConfigGuardException">A value names production or an endpoint the sandbox does not run, or cannot be read.</exception>
    public static void Validate(TopologySpec topology, ReplayOptions options, SandboxGuard guard)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(guard);
        var parts = options.Parts;
        var file = topology.SourceFiles.Count > 0 ? topology.SourceFiles[^1] : "(topology)";
        var sandbox = EndpointsOf(options);
        if (parts.HasFlag(ReplayParts.Database) && ConnectionUrl(options) is { } url)
        {
            Check(guard, $"{topology.Database.Mount}/config/{topology.Database.Connection} connection_url", url, VaultDialledValue.PostgresConnection, $"database.connection '{topology.Database.Connection}' in {file}", sandbox);
        }

        if (parts.HasFlag(ReplayParts.KubernetesAuth) && options.KubernetesHost is { } host)
        {
            Check(guard, $"auth/{topology.Kubernetes.Path}/config kubernetes_host", host, VaultDialledValue.Url, $"auth.kubernetes (path {topology.Kubernetes.Path}) in {file}", sandbox);
        }

        if (parts.HasFlag(ReplayParts.JwtAuth))
        {
            if (options.JwksUrl is { } jwks)
            {
                Check(guard, $"auth/{topology.Jwt.Path}/config jwks_url", jwks, VaultDialledValue.Url, $"auth.jwt (path {topology.Jwt.Path}) in {file}", sandbox);
            }

            if (options.OidcDiscoveryUrl is { } discovery)
            {
                Check(guard, $"auth/{topology.Jwt.Path}/config oidc_discovery_url", discovery, VaultDialledValue.Url, $"auth.jwt (path {topology.Jwt.Path}) in {file}", sandbox);
            }
        }
    }

    /// <summary>The endpoints the sandbox of <paramref name="options"/> runs itself.</summary>
    internal static SandboxEndpointSet EndpointsOf(ReplayOptions options)
    {
        var set = new SandboxEndpointSet();
        if (options.Postgres is { } postgres)
        {
            set.Add(postgres.Host, postgres.Port, "the sandbox's PostgreSQL");
        }

        foreach (var endpoint in options.SandboxEndpoints)
        {
            set.Add(endpoint, "run by the sandbox");
        }

        if (options.InCluster)
        {
            foreach (var service in options.InClusterServices)
            {
                set.AddClusterService(service);
            }
        }

        return set;
    }

    /// <summary>Validates (<see cref="Validate"/>), then applies the topology.</summary>
    /// <param name="topology">A validated topology.</param>
    /// <param name="options">The sandbox's inputs (PostgreSQL, Kubernetes host, issuer key).</param>
    /// <param name="cancellationToken">Cancels the replay (names already written stay written).</param>
    /// <returns>What was done to every name.</returns>
    /// <exception cref="ReplayConfigGuardException">The config guard refused a value; nothing was written.</exception>
    /// <exception cref="ReplayException">A name exists with a type replay will not overwrite.</exception>
    /// <exception cref="VaultApiException">Vault refused a request.</exception>
    public async Task<ReplayResult> ReplayAsync(TopologySpec topology, ReplayOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            Validate(topology, options, _guard);
        }
        catch (ReplayConfigGuardException e)
        {
            ReplayLog.Refused(_logger, e.Key, e.Decision.Rule);
            throw;
        }

        var watch = Stopwatch.StartNew();
        var plan = TopologyPlan.From(topology);
        var parts = options.Parts;
        var changes = new List<ReplayChange>();
        var degree = Math.Max(1, options.Parallelism);

        // Mounts and auth methods first: every later name lives under one of them. A new kv v2 mount is
        // not awaited here; only the seeds need it to serve, and they wait for it while the rest is written.
        changes.AddRange(await MountsAsync(topology, plan, cancellationToken).ConfigureAwait(false));
        changes.AddRange(await AuthMethodsAsync(topology, plan, cancellationToken).ConfigureAwait(false));

        // Then the independent groups at once, each in its own order (a database role after its connection,
        // after the group roles it grants; a role after its auth config). The changes keep this order.
        // Parallelism 1 (a plan records every request in a fixed order) runs the groups one after another.
        var groups = new List<Func<Task<IReadOnlyList<ReplayChange>>>>
        {
            async () => await PoliciesAsync(plan, degree, cancellationToken).ConfigureAwait(false),
            parts.HasFlag(ReplayParts.Database)
                ? async () =>
                {
                    var database = new List<ReplayChange>();
                    database.AddRange(await PostgresRolesAsync(plan, options, cancellationToken).ConfigureAwait(false));
                    database.Add(await ConnectionAsync(plan, options, cancellationToken).ConfigureAwait(false));
                    database.AddRange(await EachAsync(plan.DatabaseRoles, degree, DatabaseRoleAsync, cancellationToken).ConfigureAwait(false));
                    return database;
                }
                : Done([Skip("database connection", $"{plan.DatabaseConnection.Mount}/config/{plan.DatabaseConnection.Name}", "no sandbox PostgreSQL was given", plan.DatabaseRoles.Count + 1)]),
            parts.HasFlag(ReplayParts.KubernetesAuth)
                ? async () =>
                {
                    var config = await KubernetesConfigAsync(topology, options, cancellationToken).ConfigureAwait(false);
                    return [config, .. await EachAsync(plan.KubernetesRoles, degree, KubernetesRoleAsync, cancellationToken).ConfigureAwait(false)];
                }
                : Done([Skip("kubernetes config", $"auth/{topology.Kubernetes.Path}/config", "no kubernetes_host was given", plan.KubernetesRoles.Count + 1)]),
            parts.HasFlag(ReplayParts.JwtAuth)
                ? async () =>
                {
                    var config = await JwtConfigAsync(plan, options, cancellationToken).ConfigureAwait(false);
                    return [config, .. await EachAsync(plan.JwtRoles, degree, JwtRoleAsync, cancellationToken).ConfigureAwait(false)];
                }
                : Done([Skip("jwt config", $"auth/{topology.Jwt.Path}/config", "no sandbox issuer key was given", plan.JwtRoles.Count + 1)]),
            async () => await TransitKeysAsync(plan, degree, cancellationToken).ConfigureAwait(false),
            async () =>
            {
                // Every kv v2 mount of the plan serves before replay returns: a kv v2 mount enabled moments ago
                // (by this replay, or by whoever made the sandbox) may still answer Vault's upgrade 400.
                var kvV2 = plan.Mounts.Where(m => m is { Type: "kv", KvVersion: 2 }).Select(m => m.Path)
                    .Concat(plan.Seeds.Select(s => s.Mount)).Distinct(StringComparer.Ordinal);
                foreach (var mount in kvV2)
                {
                    await _vault.WaitForKvV2ReadyAsync(mount, cancellationToken).ConfigureAwait(false);
                }

                return await EachAsync(plan.Seeds, degree, SeedAsync, cancellationToken).ConfigureAwait(false);
            },
        };

        foreach (var group in await AllAsync(groups, degree).ConfigureAwait(false))
        {
            changes.AddRange(group);
        }

        var result = new ReplayResult(changes, parts);
        ReplayLog.Done(_logger, result.Summary, watch.ElapsedMilliseconds);
        return result;
    }

    internal static string? ConnectionUrl(ReplayOptions options) => options.ConnectionUrl ?? options.Postgres?.ConnectionUrlTemplate();

    private static void Check(SandboxGuard guard, string key, string value, VaultDialledValue kind, string source, SandboxEndpointSet sandbox)
    {
        var decision = guard.CheckVaultDialled(value, kind, sandbox, GuardCaller);
        if (decision.Allowed)
        {
            return;
        }

        if (kind == VaultDialledValue.Url && decision.Rule == GuardRules.ConfigNotAUrl)
        {
            throw ReplayConfigGuardException.NotAUrl(key, source);
        }

        var shown = kind == VaultDialledValue.PostgresConnection ? SandboxGuard.ShownConnection(value) : WithoutUserInfo(value);
        throw ReplayConfigGuardException.Refused(key, shown, source, decision);
    }

    private static string WithoutUserInfo(string value) =>
        !Uri.TryCreate(value, UriKind.Absolute, out var uri) ? value
        : uri.UserInfo.Length == 0 ? uri.GetLeftPart(UriPartial.Path) : new UriBuilder(uri) { UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path);

    private static ReplayChange Skip(string category, string name, string why, int count) =>
        new(category, name, ReplayChangeKind.Skipped, $"{why}; {count} name{(count == 1 ? "" : "s")} of this engine not applied");

    private ReplayChange Note(ReplayChange change)
    {
        if (change.IsWrite)
        {
            ReplayLog.Applied(_logger, change.Kind, change.Category, change.Name);
        }

        return change;
    }

    private static Func<Task<IReadOnlyList<ReplayChange>>> Done(IReadOnlyList<ReplayChange> changes) => () => Task.FromResult(changes);

    /// <summary>
    /// Runs the groups, at once when <paramref name="degree"/> is above 1, and waits for every one; when any
    /// failed, throws the first failure in the groups' order (not in time), as a sequential replay would.
    /// </summary>
    private static async Task<IReadOnlyList<ReplayChange>[]> AllAsync(List<Func<Task<IReadOnlyList<ReplayChange>>>> groups, int degree)
    {
        if (degree == 1)
        {
            var results = new IReadOnlyList<ReplayChange>[groups.Count];
            for (var i = 0; i < groups.Count; i++)
            {
                results[i] = await groups[i]().ConfigureAwait(false);
            }

            return results;
        }

        var running = groups.Select(g => Task.Run(g)).ToList();
        try
        {
            return await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch
        {
            await running.First(t => !t.IsCompletedSuccessfully).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<ReplayChange[]> EachAsync<T>(IReadOnlyList<T> items, int degree, Func<T, CancellationToken, Task<ReplayChange>> apply, CancellationToken cancellationToken)
    {
        var results = new ReplayChange[items.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await apply(items[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private async Task<List<ReplayChange>> MountsAsync(TopologySpec topology, TopologyPlan plan, CancellationToken cancellationToken)
    {
        var existing = await _vault.ListSecretsEnginesAsync(cancellationToken).ConfigureAwait(false);
        var changes = new List<ReplayChange>();
        foreach (var want in plan.Mounts)
        {
            var name = want.Path + "/";
            var source = topology.Mounts.FirstOrDefault(m => m.Path == want.Path)?.Location.ToString() ?? "the topology";
            if (!existing.TryGetValue(name, out var info))
            {
                var request = new MountRequest(want.Type)
                {
                    Description = want.Description.Length == 0 ? null : want.Description,
                    Options = want.KvVersion is { } v ? new Dictionary<string, string> { ["version"] = v.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null,
                    DefaultLeaseTtl = want.DefaultLeaseTtlSeconds is > 0 ? TimeSpan.FromSeconds(want.DefaultLeaseTtlSeconds.Value) : null,
                    MaxLeaseTtl = want.MaxLeaseTtlSeconds is > 0 ? TimeSpan.FromSeconds(want.MaxLeaseTtlSeconds.Value) : null,
                };
                await _vault.EnableSecretsEngineAsync(want.Path, request, waitForKvV2: false, cancellationToken).ConfigureAwait(false);
                changes.Add(Note(new ReplayChange("mount", name, ReplayChangeKind.Created, Describe(want))));
                continue;
            }

            var have = StateMap.Mount(name, info);
            if (have.Type != want.Type || (want.Type == "kv" && (have.KvVersion ?? 1) != (want.KvVersion ?? 1)))
            {
                throw ReplayException.TypeConflict("mount", name, Describe(want), Describe(have), source);
            }

            var differences = StateMap.Differences(StateMap.EmptyPlan(plan) with { Mounts = [want] }, ObservedState.Empty with { Mounts = [have] });
            changes.Add(differences.Count == 0
                ? new ReplayChange("mount", name, ReplayChangeKind.Unchanged)
                : new ReplayChange("mount", name, ReplayChangeKind.Kept, "replay does not tune an existing mount: " + string.Join("; ", differences)));
        }

        return changes;
    }

    private static string Describe(MountState m) => m.Type == "kv" ? $"kv v{m.KvVersion ?? 1}" : m.Type;

    private async Task<List<ReplayChange>> AuthMethodsAsync(TopologySpec topology, TopologyPlan plan, CancellationToken cancellationToken)
    {
        var existing = await _vault.ListAuthMethodsAsync(cancellationToken).ConfigureAwait(false);
        var changes = new List<ReplayChange>();
        foreach (var want in plan.AuthMethods)
        {
            var name = want.Path + "/";
            if (!existing.TryGetValue(name, out var info))
            {
                await _vault.EnableAuthMethodAsync(want.Path, new MountRequest(want.Type), cancellationToken).ConfigureAwait(false);
                changes.Add(Note(new ReplayChange("auth", name, ReplayChangeKind.Created, want.Type)));
            }
            else if (info.Type != want.Type)
            {
                throw ReplayException.TypeConflict("auth method", name, want.Type, info.Type, $"auth.{want.Type} in {topology.SourceFiles[^1]}");
            }
            else
            {
                changes.Add(new ReplayChange("auth", name, ReplayChangeKind.Unchanged));
            }
        }

        return changes;
    }

    private async Task<ReplayChange[]> PoliciesAsync(TopologyPlan plan, int degree, CancellationToken cancellationToken)
    {
        var existing = (await _vault.ListPoliciesAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var policies = plan.Policies.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        return await EachAsync(policies, degree, async (policy, ct) =>
        {
            var (name, text) = policy;
            AclPolicy? current = existing.Contains(name) ? await _vault.ReadPolicyAsync(name, ct).ConfigureAwait(false) : null;
            if (current is null)
            {
                await _vault.WritePolicyAsync(name, text, ct).ConfigureAwait(false);
                return Note(new ReplayChange("policy", name, ReplayChangeKind.Created));
            }

            var differences = StateMap.Differences(
                StateMap.EmptyPlan(plan) with { Policies = new Dictionary<string, string> { [name] = text } },
                ObservedState.Empty with { Policies = new Dictionary<string, string> { [name] = current.Policy } });
            if (differences.Count == 0)
            {
                return new ReplayChange("policy", name, ReplayChangeKind.Unchanged);
            }

            await _vault.WritePolicyAsync(name, text, ct).ConfigureAwait(false);
            return Note(new ReplayChange("policy", name, ReplayChangeKind.Updated, string.Join("; ", differences)));
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<ReplayChange>> PostgresRolesAsync(TopologyPlan plan, ReplayOptions options, CancellationToken cancellationToken)
    {
        var changes = new List<ReplayChange>();
        if (plan.PostgresGroupRoles.Count == 0)
        {
            return changes;
        }

        if (options.RecordOnly)
        {
            changes.AddRange(plan.PostgresGroupRoles.Select(role => new ReplayChange("postgres role", role, ReplayChangeKind.Skipped, "planned: CREATE ROLE ... NOLOGIN")));
            return changes;
        }

        if (options.Postgres is not { } postgres)
        {
            changes.Add(new ReplayChange("postgres role", string.Join(", ", plan.PostgresGroupRoles), ReplayChangeKind.Skipped,
                "only a connection_url was given, no PostgreSQL superuser: create the group roles yourself"));
            return changes;
        }

        await using var source = _guard.CreateNpgsqlDataSource(postgres.ConnectionString(), GuardCaller);
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var query = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", connection))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = plan.PostgresGroupRoles.ToArray() });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                present.Add(reader.GetString(0));
            }
        }

        foreach (var role in plan.PostgresGroupRoles)
        {
            if (present.Contains(role))
            {
                changes.Add(new ReplayChange("postgres role", role, ReplayChangeKind.Unchanged));
                continue;
            }

            // A group role: no login of its own; Vault's logins are granted it.
#pragma warning disable CA2100 // The identifier is quoted (and validated by the topology loader), not user SQL.
            await using var create = new NpgsqlCommand($"CREATE ROLE \"{role.Replace("\"", "\"\"", StringComparison.Ordinal)}\" NOLOGIN", connection);
#pragma warning restore CA2100
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            changes.Add(Note(new ReplayChange("postgres role", role, ReplayChangeKind.Created, "NOLOGIN group role")));
        }

        return changes;
    }

    private async Task<ReplayChange> ConnectionAsync(TopologyPlan plan, ReplayOptions options, CancellationToken cancellationToken)
    {
        var want = plan.DatabaseConnection;
        var name = $"{want.Mount}/config/{want.Name}";
        var url = ConnectionUrl(options)!;
        var username = options.Postgres?.SuperuserName;
        var current = await _vault.DatabaseReadConnectionAsync(want.Mount, want.Name, cancellationToken).ConfigureAwait(false);
        var differences = new List<string>();
        if (current is not null)
        {
            differences.AddRange(StateMap.Differences(StateMap.EmptyPlan(plan) with { DatabaseConnection = want },
                ObservedState.Empty with { DatabaseConnection = StateMap.Connection(want.Mount, want.Name, current) }));
            if (StateMap.Detail(current, "connection_url") != url)
            {
                differences.Add("connection_url differs");
            }

            if (username is not null && StateMap.Detail(current, "username") != username)
            {
                differences.Add("username differs");
            }

            if (differences.Count == 0)
            {
                // Vault never returns the password, so it cannot be compared.
                return new ReplayChange("database connection", name, ReplayChangeKind.Unchanged);
            }
        }

        await _vault.DatabaseWriteConnectionAsync(want.Mount, want.Name, new DatabaseConnectionConfig
        {
            PluginName = want.PluginName,
            ConnectionUrl = url,
            Username = username,
            Password = options.Postgres?.SuperuserPassword,
            AllowedRoles = want.AllowedRoles,
        }, cancellationToken).ConfigureAwait(false);
        return Note(new ReplayChange("database connection", name, current is null ? ReplayChangeKind.Created : ReplayChangeKind.Updated, string.Join("; ", differences)));
    }

    private async Task<ReplayChange> DatabaseRoleAsync(DatabaseRoleState want, CancellationToken cancellationToken)
    {
        var name = $"{want.Mount}/roles/{want.Name}";
        var current = await _vault.DatabaseReadRoleAsync(want.Mount, want.Name, cancellationToken).ConfigureAwait(false);
        return await WriteIfDifferentAsync("database role", name, current is null ? null : StateMap.DatabaseRole(want.Mount, want.Name, current), want,
            (d, o) => StateMap.Differences(EmptyFor(d), ObservedState.Empty with { DatabaseRoles = [o] }),
            ct => _vault.DatabaseWriteRoleAsync(want.Mount, want.Name, StateMap.ToVault(want), ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayChange> KubernetesConfigAsync(TopologySpec topology, ReplayOptions options, CancellationToken cancellationToken)
    {
        var mount = topology.Kubernetes.Path;
        var name = $"auth/{mount}/config";
        var current = await _vault.KubernetesReadConfigAsync(mount, cancellationToken).ConfigureAwait(false);
        var differences = new List<string>();
        if (current is not null)
        {
            if (current.KubernetesHost != options.KubernetesHost)
            {
                differences.Add($"kubernetes_host: expected \"{options.KubernetesHost}\", found \"{current.KubernetesHost}\"");
            }

            if (StateMap.NormalizePem(current.KubernetesCaCert ?? "") != StateMap.NormalizePem(options.KubernetesCaCert ?? ""))
            {
                differences.Add("kubernetes_ca_cert differs");
            }

            var wantDisable = options.KubernetesCaCert is not null;
            if ((current.DisableLocalCaJwt ?? false) != wantDisable)
            {
                differences.Add($"disable_local_ca_jwt: expected {(wantDisable ? "true" : "false")}");
            }

            if (differences.Count == 0)
            {
                return new ReplayChange("kubernetes config", name, ReplayChangeKind.Unchanged);
            }
        }

        // With a CA given, disable_local_ca_jwt: the sandbox Vault uses the sandbox cluster's CA and
        // the caller's JWT, never the files of a pod it happens to run in. Vault refuses the flag
        // without a CA; on the process runtime there is no pod, so there are no local files either.
        await _vault.KubernetesWriteConfigAsync(mount, new KubernetesAuthConfig
        {
            KubernetesHost = options.KubernetesHost,
            KubernetesCaCert = options.KubernetesCaCert,
            DisableLocalCaJwt = options.KubernetesCaCert is not null,
        }, cancellationToken).ConfigureAwait(false);
        return Note(new ReplayChange("kubernetes config", name, current is null ? ReplayChangeKind.Created : ReplayChangeKind.Updated, string.Join("; ", differences)));
    }

    private async Task<ReplayChange> KubernetesRoleAsync(KubernetesRoleState want, CancellationToken cancellationToken)
    {
        var current = await _vault.KubernetesReadRoleAsync(want.Mount, want.Name, cancellationToken).ConfigureAwait(false);
        return await WriteIfDifferentAsync("kubernetes role", $"auth/{want.Mount}/role/{want.Name}",
            current is null ? null : StateMap.KubernetesRole(want.Mount, want.Name, current), want,
            (d, o) => StateMap.Differences(EmptyFor(d), ObservedState.Empty with { KubernetesRoles = [o] }),
            ct => _vault.KubernetesWriteRoleAsync(want.Mount, want.Name, StateMap.ToVault(want), ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayChange> JwtConfigAsync(TopologyPlan plan, ReplayOptions options, CancellationToken cancellationToken)
    {
        var mount = plan.JwtConfig.Mount;
        var name = $"auth/{mount}/config";
        var keys = (options.JwtValidationPubkeys ?? []).Select(StateMap.NormalizePem).Order(StringComparer.Ordinal).ToArray();
        var current = await _vault.JwtReadConfigAsync(mount, cancellationToken).ConfigureAwait(false);
        var differences = new List<string>();
        if (current is not null)
        {
            if ((current.BoundIssuer ?? "") != (plan.JwtConfig.BoundIssuer ?? ""))
            {
                differences.Add($"bound_issuer: expected \"{plan.JwtConfig.BoundIssuer}\", found \"{current.BoundIssuer}\"");
            }

            if (!(current.JwtValidationPubkeys ?? []).Select(StateMap.NormalizePem).Order(StringComparer.Ordinal).SequenceEqual(keys, StringComparer.Ordinal))
            {
                differences.Add("jwt_validation_pubkeys: not the sandbox issuer's key");
            }

            if ((current.JwksUrl ?? "") != (options.JwksUrl ?? ""))
            {
                differences.Add("jwks_url differs");
            }

            if ((current.OidcDiscoveryUrl ?? "") != (options.OidcDiscoveryUrl ?? ""))
            {
                differences.Add("oidc_discovery_url differs");
            }

            if (differences.Count == 0)
            {
                return new ReplayChange("jwt config", name, ReplayChangeKind.Unchanged);
            }
        }

        await _vault.JwtWriteConfigAsync(mount, new JwtAuthConfig
        {
            JwtValidationPubkeys = keys.Length == 0 ? null : options.JwtValidationPubkeys,
            JwksUrl = options.JwksUrl,
            OidcDiscoveryUrl = options.OidcDiscoveryUrl,
            BoundIssuer = plan.JwtConfig.BoundIssuer,
        }, cancellationToken).ConfigureAwait(false);
        return Note(new ReplayChange("jwt config", name, current is null ? ReplayChangeKind.Created : ReplayChangeKind.Updated, string.Join("; ", differences)));
    }

    private async Task<ReplayChange> JwtRoleAsync(JwtRoleState want, CancellationToken cancellationToken)
    {
        var current = await _vault.JwtReadRoleAsync(want.Mount, want.Name, cancellationToken).ConfigureAwait(false);
        return await WriteIfDifferentAsync("jwt role", $"auth/{want.Mount}/role/{want.Name}",
            current is null ? null : StateMap.JwtRole(want.Mount, want.Name, current), want,
            (d, o) => StateMap.Differences(EmptyFor(d), ObservedState.Empty with { JwtRoles = [o] }),
            ct => _vault.JwtWriteRoleAsync(want.Mount, want.Name, StateMap.ToVault(want), ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayChange[]> TransitKeysAsync(TopologyPlan plan, int degree, CancellationToken cancellationToken)
    {
        if (plan.TransitKeys.Count == 0)
        {
            return [];
        }

        var existing = (await _vault.TransitListKeysAsync(plan.TransitKeys[0].Mount, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        return await EachAsync(plan.TransitKeys, degree, async (want, ct) =>
        {
            var name = $"{want.Mount}/keys/{want.Name}";
            var current = existing.Contains(want.Name) ? await _vault.TransitReadKeyAsync(want.Mount, want.Name, ct).ConfigureAwait(false) : null;
            if (current is null)
            {
                await _vault.TransitCreateKeyAsync(want.Mount, want.Name, want.Type, ct).ConfigureAwait(false);
                return Note(new ReplayChange("transit key", name, ReplayChangeKind.Created, want.Type));
            }

            return current.Type == want.Type
                ? new ReplayChange("transit key", name, ReplayChangeKind.Unchanged)
                : throw ReplayException.KeyTypeConflict(name, want.Type, current.Type);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReplayChange> SeedAsync(KvSeedState seed, CancellationToken cancellationToken)
    {
        var name = $"{seed.Mount}/{seed.Path}";
        var current = await _vault.KvV2ReadAsync(seed.Mount, seed.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            return new ReplayChange("seed", name, ReplayChangeKind.Kept,
                $"exists at version {current.Metadata.Version}{(current.IsDeleted ? " (deleted)" : current.IsDestroyed ? " (destroyed)" : "")}; replay never overwrites a value an operator may have written");
        }

        var data = new JsonObject();
        foreach (var (key, value) in seed.Data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data[key] = value;
        }

        try
        {
            // cas 0: written only if the secret does not exist, even if someone writes it meanwhile.
            await _vault.KvV2WriteAsync(seed.Mount, seed.Path, data, cas: 0, cancellationToken).ConfigureAwait(false);
        }
        catch (VaultApiException e) when (e.HasError("check-and-set"))
        {
            return new ReplayChange("seed", name, ReplayChangeKind.Kept, "written by someone else while replay ran; left as it is");
        }

        return Note(new ReplayChange("seed", name, ReplayChangeKind.Created, $"{seed.Data.Count} key{(seed.Data.Count == 1 ? "" : "s")}"));
    }

    private static TopologyPlan EmptyFor(object desired)
    {
        var blank = new TopologyPlan([], [], new JwtConfigState("", null), new Dictionary<string, string>(), [], [], new DatabaseConnectionState("", "", "", []), [], [], [], []);
        return desired switch
        {
            KubernetesRoleState k => blank with { KubernetesRoles = [k] },
            JwtRoleState j => blank with { JwtRoles = [j] },
            DatabaseRoleState d => blank with { DatabaseRoles = [d] },
            _ => blank,
        };
    }

    private async Task<ReplayChange> WriteIfDifferentAsync<T>(string category, string name, T? current, T want,
        Func<T, T, IReadOnlyList<string>> differences, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
        where T : class
    {
        if (current is null)
        {
            await write(cancellationToken).ConfigureAwait(false);
            return Note(new ReplayChange(category, name, ReplayChangeKind.Created));
        }

        var diff = differences(want, current);
        if (diff.Count == 0)
        {
            return new ReplayChange(category, name, ReplayChangeKind.Unchanged);
        }

        await write(cancellationToken).ConfigureAwait(false);
        return Note(new ReplayChange(category, name, ReplayChangeKind.Updated, string.Join("; ", diff)));
    }
}
