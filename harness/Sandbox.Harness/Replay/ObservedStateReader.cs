using Sandbox.Harness.Replay.Internal;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Replay;

/// <summary>
/// Reads what a sandbox Vault holds into an <see cref="ObservedState"/> for
/// <see cref="DriftReport.Compare"/>: every mount, auth method and policy, and the roles, transit
/// keys, JWT config and database connection under the topology's mounts. Only reads.
/// </summary>
internal sealed class ObservedStateReader
{
    private readonly VaultClient _vault;

    /// <summary>Creates a reader.</summary>
    /// <param name="vault">A client whose token may read <c>sys/mounts</c>, <c>sys/auth</c>, policies and the engines' config (the root token).</param>
    public ObservedStateReader(VaultClient vault)
    {
        ArgumentNullException.ThrowIfNull(vault);
        _vault = vault;
    }

    /// <summary>
    /// The plan as far as these parts go: the drift check of a sandbox whose engine inputs were not
    /// given compares only what replay applied (<see cref="ReplayOptions.Parts"/>).
    /// </summary>
    /// <param name="plan">The full plan.</param>
    /// <param name="parts">The parts to keep.</param>
    /// <returns>The plan with the other parts emptied.</returns>
    public static TopologyPlan Restrict(TopologyPlan plan, ReplayParts parts)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan with
        {
            Mounts = parts.HasFlag(ReplayParts.Mounts) ? plan.Mounts : [],
            AuthMethods = parts.HasFlag(ReplayParts.AuthMethods) ? plan.AuthMethods : [],
            Policies = parts.HasFlag(ReplayParts.Policies) ? plan.Policies : new Dictionary<string, string>(),
            KubernetesRoles = parts.HasFlag(ReplayParts.KubernetesAuth) ? plan.KubernetesRoles : [],
            JwtRoles = parts.HasFlag(ReplayParts.JwtAuth) ? plan.JwtRoles : [],
            DatabaseRoles = parts.HasFlag(ReplayParts.Database) ? plan.DatabaseRoles : [],
            PostgresGroupRoles = parts.HasFlag(ReplayParts.Database) ? plan.PostgresGroupRoles : [],
            TransitKeys = parts.HasFlag(ReplayParts.TransitKeys) ? plan.TransitKeys : [],
            Seeds = parts.HasFlag(ReplayParts.Seeds) ? plan.Seeds : [],
        };
    }

    /// <summary>Reads the state of the sandbox Vault for the plan's names.</summary>
    /// <param name="plan">The plan (it names the mounts whose roles and keys are read).</param>
    /// <param name="parts">Which parts to read; the others come back empty (see <see cref="Restrict"/>). The default value is <see cref="ReplayParts.All"/>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>What Vault holds.</returns>
    /// <exception cref="VaultApiException">Vault refused a read.</exception>
    public async Task<ObservedState> ReadAsync(TopologyPlan plan, ReplayParts parts = ReplayParts.All, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var mountsInfo = await _vault.ListSecretsEnginesAsync(cancellationToken).ConfigureAwait(false);
        var authInfo = await _vault.ListAuthMethodsAsync(cancellationToken).ConfigureAwait(false);
        var mounts = parts.HasFlag(ReplayParts.Mounts) ? mountsInfo.Select(m => StateMap.Mount(m.Key, m.Value)).ToArray() : [];
        var auth = parts.HasFlag(ReplayParts.AuthMethods) ? authInfo.Select(a => new AuthMethodState(a.Key.TrimEnd('/'), a.Value.Type)).ToArray() : [];

        var policies = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parts.HasFlag(ReplayParts.Policies))
        {
            var names = await _vault.ListPoliciesAsync(cancellationToken).ConfigureAwait(false);
            var texts = await Task.WhenAll(names.Where(n => n != "root").Select(async n => (n, await _vault.ReadPolicyAsync(n, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
            foreach (var (name, policy) in texts)
            {
                if (policy is not null)
                {
                    policies[name] = policy.Policy;
                }
            }
        }

        bool HasAuth(string path, string type) => authInfo.TryGetValue(path + "/", out var i) && i.Type == type;
        bool HasMount(string path, string type) => mountsInfo.TryGetValue(path + "/", out var i) && i.Type == type;

        var k8sMount = (plan.KubernetesRoles.Count > 0 ? plan.KubernetesRoles[0].Mount : null) ?? plan.AuthMethods.FirstOrDefault(a => a.Type == "kubernetes")?.Path;
        var k8sRoles = new List<KubernetesRoleState>();
        if (parts.HasFlag(ReplayParts.KubernetesAuth) && k8sMount is not null && HasAuth(k8sMount, "kubernetes"))
        {
            var names = await _vault.KubernetesListRolesAsync(k8sMount, cancellationToken).ConfigureAwait(false);
            foreach (var (name, role) in await Task.WhenAll(names.Select(async n => (n, await _vault.KubernetesReadRoleAsync(k8sMount, n, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            {
                if (role is not null)
                {
                    k8sRoles.Add(StateMap.KubernetesRole(k8sMount, name, role));
                }
            }
        }

        var jwtMount = plan.JwtConfig.Mount;
        var jwtRoles = new List<JwtRoleState>();
        JwtConfigState? jwtConfig = null;
        if (parts.HasFlag(ReplayParts.JwtAuth) && HasAuth(jwtMount, "jwt"))
        {
            var names = await _vault.JwtListRolesAsync(jwtMount, cancellationToken).ConfigureAwait(false);
            foreach (var (name, role) in await Task.WhenAll(names.Select(async n => (n, await _vault.JwtReadRoleAsync(jwtMount, n, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            {
                if (role is not null)
                {
                    jwtRoles.Add(StateMap.JwtRole(jwtMount, name, role));
                }
            }

            var config = await _vault.JwtReadConfigAsync(jwtMount, cancellationToken).ConfigureAwait(false);
            jwtConfig = new JwtConfigState(jwtMount, config?.BoundIssuer);
        }

        var dbMount = plan.DatabaseConnection.Mount;
        var dbRoles = new List<DatabaseRoleState>();
        DatabaseConnectionState? connection = null;
        if (parts.HasFlag(ReplayParts.Database) && HasMount(dbMount, "database"))
        {
            var names = await _vault.DatabaseListRolesAsync(dbMount, cancellationToken).ConfigureAwait(false);
            foreach (var (name, role) in await Task.WhenAll(names.Select(async n => (n, await _vault.DatabaseReadRoleAsync(dbMount, n, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            {
                if (role is not null)
                {
                    dbRoles.Add(StateMap.DatabaseRole(dbMount, name, role));
                }
            }

            var config = await _vault.DatabaseReadConnectionAsync(dbMount, plan.DatabaseConnection.Name, cancellationToken).ConfigureAwait(false);
            connection = config is null
                ? new DatabaseConnectionState(dbMount, "(none)", "", [])
                : StateMap.Connection(dbMount, plan.DatabaseConnection.Name, config);
        }

        var transitMount = (plan.TransitKeys.Count > 0 ? plan.TransitKeys[0].Mount : null) ?? plan.Mounts.FirstOrDefault(m => m.Type == "transit")?.Path;
        var keys = new List<TransitKeyState>();
        if (parts.HasFlag(ReplayParts.TransitKeys) && transitMount is not null && HasMount(transitMount, "transit"))
        {
            var names = await _vault.TransitListKeysAsync(transitMount, cancellationToken).ConfigureAwait(false);
            foreach (var (name, key) in await Task.WhenAll(names.Select(async n => (n, await _vault.TransitReadKeyAsync(transitMount, n, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            {
                if (key is not null)
                {
                    keys.Add(new TransitKeyState(transitMount, name, key.Type));
                }
            }
        }

        return new ObservedState(mounts, auth, policies, k8sRoles, jwtRoles, dbRoles, keys, jwtConfig, connection);
    }

    /// <summary>Reads the sandbox and compares it with the topology's plan, as far as <paramref name="parts"/> go.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="parts">The parts to compare. The default value is <see cref="ReplayParts.All"/>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The drift report (empty when the sandbox matches).</returns>
    public async Task<DriftReport> CompareAsync(TopologyPlan plan, ReplayParts parts = ReplayParts.All, CancellationToken cancellationToken = default)
    {
        var observed = await ReadAsync(plan, parts, cancellationToken).ConfigureAwait(false);
        return DriftReport.Compare(Restrict(plan, parts), observed);
    }
}
