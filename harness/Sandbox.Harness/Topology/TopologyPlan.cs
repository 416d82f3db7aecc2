namespace Sandbox.Harness.Topology;

/// <summary>
/// The desired state of a sandbox Vault for a topology, as plain records: what replay writes and
/// what the drift check compares with what Vault reads back. It needs no Vault and no network.
/// Values that depend on the running sandbox (the PostgreSQL <c>connection_url</c>, the
/// Kubernetes host and CA, the sandbox issuer's public key) are not in the plan; replay adds them.
/// </summary>
/// <param name="Mounts">Secrets engine mounts.</param>
/// <param name="AuthMethods">Auth method mounts.</param>
/// <param name="JwtConfig">The JWT auth config's topology part.</param>
/// <param name="Policies">Policy name to rendered HCL text.</param>
/// <param name="KubernetesRoles">One <c>&lt;app&gt;</c> role per app.</param>
/// <param name="JwtRoles">One <c>gitea_cicd_&lt;app&gt;</c> role per app.</param>
/// <param name="DatabaseConnection">The database connection.</param>
/// <param name="DatabaseRoles">One role per app.</param>
/// <param name="PostgresGroupRoles">The PostgreSQL roles (<c>&lt;app&gt;_role</c>) that must exist for the grants.</param>
/// <param name="TransitKeys">The transit keys.</param>
/// <param name="Seeds">The kv v2 seed values.</param>
internal sealed record TopologyPlan(
    IReadOnlyList<MountState> Mounts,
    IReadOnlyList<AuthMethodState> AuthMethods,
    JwtConfigState JwtConfig,
    IReadOnlyDictionary<string, string> Policies,
    IReadOnlyList<KubernetesRoleState> KubernetesRoles,
    IReadOnlyList<JwtRoleState> JwtRoles,
    DatabaseConnectionState DatabaseConnection,
    IReadOnlyList<DatabaseRoleState> DatabaseRoles,
    IReadOnlyList<string> PostgresGroupRoles,
    IReadOnlyList<TransitKeyState> TransitKeys,
    IReadOnlyList<KvSeedState> Seeds)
{
    /// <summary>Builds the desired state of a topology.</summary>
    /// <param name="topology">A validated topology.</param>
    /// <returns>The plan, with every list in a stable order.</returns>
    public static TopologyPlan From(TopologySpec topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var mounts = topology.Mounts
            .Select(m => new MountState(m.Path, m.Type, m.KvVersion, m.Description, m.DefaultLeaseTtl?.Seconds, m.MaxLeaseTtl?.Seconds))
            .ToArray();
        var auth = new[]
        {
            new AuthMethodState(topology.Kubernetes.Path, "kubernetes"),
            new AuthMethodState(topology.Jwt.Path, "jwt"),
        };
        var policies = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in topology.ExtraPolicies)
        {
            policies[name] = text;
        }

        var k8sRoles = new List<KubernetesRoleState>();
        var jwtRoles = new List<JwtRoleState>();
        var dbRoles = new List<DatabaseRoleState>();
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        var keys = new List<TransitKeyState>();
        var seeds = new List<KvSeedState>();
        foreach (var app in topology.Apps)
        {
            foreach (var (name, text) in app.Policies)
            {
                policies[name] = text;
            }

            k8sRoles.Add(new KubernetesRoleState(
                topology.Kubernetes.Path,
                app.KubernetesRole.Name,
                [app.ServiceAccount],
                [app.Namespace],
                topology.Kubernetes.Audience,
                app.KubernetesRole.Policies,
                app.KubernetesRole.TokenTtl?.Seconds,
                app.KubernetesRole.TokenMaxTtl?.Seconds));
            jwtRoles.Add(new JwtRoleState(
                topology.Jwt.Path,
                app.JwtRole.Name,
                "jwt",
                app.Jwt.UserClaim,
                app.Jwt.BoundAudiences,
                app.Jwt.BoundClaims,
                app.Jwt.BoundClaimsType,
                app.Jwt.BoundSubject,
                app.JwtRole.Policies,
                app.JwtRole.TokenTtl?.Seconds,
                app.JwtRole.TokenMaxTtl?.Seconds));
            dbRoles.Add(new DatabaseRoleState(
                topology.Database.Mount,
                app.Slug,
                topology.Database.Connection,
                CreationStatements(app.Database.Grants),
                RevocationStatements(app.Database.Grants),
                app.Database.DefaultTtl.Seconds,
                app.Database.MaxTtl.Seconds));
            groups.UnionWith(app.Database.Grants);
            keys.AddRange(app.TransitKeys.Select(k => new TransitKeyState(topology.TransitMount, k, topology.TransitKeyType)));
            seeds.AddRange(app.KvSeeds.OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new KvSeedState(topology.KvMount, $"{app.Slug}/{s.Key}", s.Value)));
        }

        var connection = new DatabaseConnectionState(
            topology.Database.Mount,
            topology.Database.Connection,
            topology.Database.PluginName,
            dbRoles.Select(r => r.Name).ToArray());
        return new TopologyPlan(mounts, auth, new JwtConfigState(topology.Jwt.Path, topology.Jwt.BoundIssuer), policies,
            k8sRoles, jwtRoles, connection, dbRoles, groups.ToArray(), keys, seeds);
    }

    /// <summary>
    /// The creation statements of an app's database role: a login that expires with the lease
    /// and is granted the app's group roles. Identifiers are quoted, so slugs with '-' work.
    /// </summary>
    /// <param name="grants">The PostgreSQL roles to grant.</param>
    /// <returns>The statements, with Vault's <c>{{name}}</c>, <c>{{password}}</c> and <c>{{expiration}}</c> placeholders.</returns>
    public static IReadOnlyList<string> CreationStatements(IEnumerable<string> grants) =>
    [
        "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
        .. grants.Select(g => $"GRANT \"{g}\" TO \"{{{{name}}}}\";"),
    ];

    /// <summary>The revocation statements of an app's database role: revoke the grants, drop the login.</summary>
    /// <param name="grants">The PostgreSQL roles that were granted.</param>
    /// <returns>The statements, with Vault's <c>{{name}}</c> placeholder.</returns>
    public static IReadOnlyList<string> RevocationStatements(IEnumerable<string> grants) =>
    [
        .. grants.Select(g => $"REVOKE \"{g}\" FROM \"{{{{name}}}}\";"),
        "DROP ROLE IF EXISTS \"{{name}}\";",
    ];
}
