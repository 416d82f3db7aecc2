using System.Globalization;
using System.Text;
using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Topology;

/// <summary>
/// The name-by-name differences between a topology's desired state and what a sandbox Vault
/// holds. Policies are compared by meaning (normalised), so formatting, order and comments do
/// not count. Empty means no drift.
/// </summary>
internal sealed class DriftReport
{
    private static readonly string[] BuiltInMounts = ["cubbyhole", "identity", "sys"];
    private static readonly string[] BuiltInAuth = ["token"];
    private static readonly string[] BuiltInPolicies = ["default", "root"];

    private DriftReport(IReadOnlyList<DriftItem> items, int compared)
    {
        Items = items;
        Compared = compared;
    }

    /// <summary>The differences, grouped by category in a fixed order, then by name.</summary>
    public IReadOnlyList<DriftItem> Items { get; }

    /// <summary>How many desired names were compared.</summary>
    public int Compared { get; }

    /// <summary>True when at least one difference was found.</summary>
    public bool HasDrift => Items.Count > 0;

    /// <summary>Compares desired and observed state name by name.</summary>
    /// <param name="desired">The plan of the topology.</param>
    /// <param name="observed">What the sandbox Vault holds.</param>
    /// <returns>The report.</returns>
    public static DriftReport Compare(TopologyPlan desired, ObservedState observed)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);
        var items = new List<DriftItem>();
        var compared = 0;

        compared += Diff(items, "mount", desired.Mounts, observed.Mounts.Where(m => !BuiltInMounts.Contains(Trim(m.Path), StringComparer.Ordinal)),
            m => Trim(m.Path) + "/", MountFields);
        compared += Diff(items, "auth", desired.AuthMethods, observed.AuthMethods.Where(a => !BuiltInAuth.Contains(Trim(a.Path), StringComparer.Ordinal)),
            a => Trim(a.Path) + "/", (d, o) => Field("type", d.Type, o.Type));
        compared += DiffPolicies(items, desired.Policies, observed.Policies);
        compared += Diff(items, "kubernetes role", desired.KubernetesRoles, observed.KubernetesRoles,
            r => $"auth/{Trim(r.Mount)}/role/{r.Name}", KubernetesFields);
        compared += Diff(items, "jwt role", desired.JwtRoles, observed.JwtRoles,
            r => $"auth/{Trim(r.Mount)}/role/{r.Name}", JwtFields);
        compared += Diff(items, "database role", desired.DatabaseRoles, observed.DatabaseRoles,
            r => $"{Trim(r.Mount)}/roles/{r.Name}", DatabaseFields);
        compared += Diff(items, "transit key", desired.TransitKeys, observed.TransitKeys,
            k => $"{Trim(k.Mount)}/keys/{k.Name}", (d, o) => Field("type", d.Type, o.Type));
        if (observed.JwtConfig is { } jc)
        {
            compared++;
            var details = Field("bound_issuer", desired.JwtConfig.BoundIssuer ?? "", jc.BoundIssuer ?? "").ToList();
            if (details.Count > 0)
            {
                items.Add(new DriftItem(DriftKind.Different, "jwt config", $"auth/{Trim(desired.JwtConfig.Mount)}/config", details));
            }
        }

        if (observed.DatabaseConnection is { } dc)
        {
            compared++;
            var want = desired.DatabaseConnection;
            var name = $"{Trim(want.Mount)}/config/{want.Name}";
            if (Trim(dc.Mount) != Trim(want.Mount) || dc.Name != want.Name)
            {
                items.Add(new DriftItem(DriftKind.Missing, "database connection", name, []));
                items.Add(new DriftItem(DriftKind.Unexpected, "database connection", $"{Trim(dc.Mount)}/config/{dc.Name}", []));
            }
            else
            {
                var details = Field("plugin_name", want.PluginName, dc.PluginName).Concat(Set("allowed_roles", want.AllowedRoles, dc.AllowedRoles)).ToList();
                if (details.Count > 0)
                {
                    items.Add(new DriftItem(DriftKind.Different, "database connection", name, details));
                }
            }
        }

        return new DriftReport(items, compared);
    }

    /// <summary>A readable diff: one block per difference, or a one-line all-clear.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        if (!HasDrift)
        {
            return $"no drift: {Compared} names match the topology";
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"drift: {Items.Count} difference{(Items.Count == 1 ? "" : "s")} from the topology ({Compared} names compared)").Append('\n');
        foreach (var item in Items)
        {
            sb.Append("  ").Append(item.ToString().Replace(Environment.NewLine, "\n  ", StringComparison.Ordinal)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Trim(string path) => path.TrimEnd('/');

    private static int Diff<T>(List<DriftItem> items, string category, IEnumerable<T> desired, IEnumerable<T> observed,
        Func<T, string> name, Func<T, T, IEnumerable<string>> fields)
    {
        var want = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (var d in desired)
        {
            want[name(d)] = d;
        }

        var have = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var o in observed)
        {
            have[name(o)] = o;
        }

        foreach (var (key, d) in want)
        {
            if (!have.TryGetValue(key, out var o))
            {
                items.Add(new DriftItem(DriftKind.Missing, category, key, []));
                continue;
            }

            var details = fields(d, o).ToList();
            if (details.Count > 0)
            {
                items.Add(new DriftItem(DriftKind.Different, category, key, details));
            }
        }

        foreach (var key in have.Keys.Where(k => !want.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            items.Add(new DriftItem(DriftKind.Unexpected, category, key, []));
        }

        return want.Count;
    }

    private static int DiffPolicies(List<DriftItem> items, IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, string> observed)
    {
        foreach (var (name, text) in desired.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!observed.TryGetValue(name, out var seen))
            {
                items.Add(new DriftItem(DriftKind.Missing, "policy", name, []));
                continue;
            }

            var want = PolicyDocument.Parse(text, $"topology policy {name}");
            PolicyDocument have;
            try
            {
                have = PolicyDocument.Parse(seen, $"sandbox policy {name}");
            }
            catch (PolicyParseException ex)
            {
                items.Add(new DriftItem(DriftKind.Different, "policy", name, [$"the sandbox's text does not parse: {ex.VaultMessage}"]));
                continue;
            }

            var diff = PolicyDiff.Compare(want, have);
            if (!diff.IsEmpty)
            {
                // Read as "the sandbox, compared with the topology, has gained/lost ...".
                items.Add(new DriftItem(DriftKind.Different, "policy", name, diff.Changes.Select(c => c.ToString()).ToArray()));
            }
        }

        foreach (var name in observed.Keys.Where(k => !desired.ContainsKey(k) && !BuiltInPolicies.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal))
        {
            items.Add(new DriftItem(DriftKind.Unexpected, "policy", name, []));
        }

        return desired.Count;
    }

    private static IEnumerable<string> MountFields(MountState d, MountState o)
    {
        foreach (var f in Field("type", d.Type, o.Type))
        {
            yield return f;
        }

        if (d.Type == "kv")
        {
            foreach (var f in Field("version", (d.KvVersion ?? 1).ToString(CultureInfo.InvariantCulture), (o.KvVersion ?? 1).ToString(CultureInfo.InvariantCulture)))
            {
                yield return f;
            }
        }

        if (d.Description.Length > 0)
        {
            foreach (var f in Field("description", d.Description, o.Description))
            {
                yield return f;
            }
        }

        // Only TTLs the topology sets are compared: 0 in Vault means "the system default".
        if (d.DefaultLeaseTtlSeconds is > 0)
        {
            foreach (var f in Ttl("default_lease_ttl", d.DefaultLeaseTtlSeconds, o.DefaultLeaseTtlSeconds))
            {
                yield return f;
            }
        }

        if (d.MaxLeaseTtlSeconds is > 0)
        {
            foreach (var f in Ttl("max_lease_ttl", d.MaxLeaseTtlSeconds, o.MaxLeaseTtlSeconds))
            {
                yield return f;
            }
        }
    }

    private static IEnumerable<string> KubernetesFields(KubernetesRoleState d, KubernetesRoleState o) =>
        Set("bound_service_account_names", d.BoundServiceAccountNames, o.BoundServiceAccountNames)
            .Concat(Set("bound_service_account_namespaces", d.BoundServiceAccountNamespaces, o.BoundServiceAccountNamespaces))
            .Concat(Field("audience", d.Audience ?? "", o.Audience ?? ""))
            .Concat(Set("token_policies", d.TokenPolicies, o.TokenPolicies))
            .Concat(Ttl("token_ttl", d.TokenTtlSeconds, o.TokenTtlSeconds))
            .Concat(Ttl("token_max_ttl", d.TokenMaxTtlSeconds, o.TokenMaxTtlSeconds));

    private static IEnumerable<string> JwtFields(JwtRoleState d, JwtRoleState o) =>
        Field("role_type", d.RoleType, o.RoleType)
            .Concat(Field("user_claim", d.UserClaim, o.UserClaim))
            .Concat(Set("bound_audiences", d.BoundAudiences, o.BoundAudiences))
            .Concat(Claims(d.BoundClaims, o.BoundClaims))
            .Concat(Field("bound_claims_type", d.BoundClaimsType, o.BoundClaimsType))
            .Concat(Field("bound_subject", d.BoundSubject ?? "", o.BoundSubject ?? ""))
            .Concat(Set("token_policies", d.TokenPolicies, o.TokenPolicies))
            .Concat(Ttl("token_ttl", d.TokenTtlSeconds, o.TokenTtlSeconds))
            .Concat(Ttl("token_max_ttl", d.TokenMaxTtlSeconds, o.TokenMaxTtlSeconds));

    private static IEnumerable<string> DatabaseFields(DatabaseRoleState d, DatabaseRoleState o) =>
        Field("db_name", d.DbName, o.DbName)
            .Concat(Statements("creation_statements", d.CreationStatements, o.CreationStatements))
            .Concat(Statements("revocation_statements", d.RevocationStatements, o.RevocationStatements))
            .Concat(Ttl("default_ttl", d.DefaultTtlSeconds, o.DefaultTtlSeconds))
            .Concat(Ttl("max_ttl", d.MaxTtlSeconds, o.MaxTtlSeconds));

    private static IEnumerable<string> Field(string field, string expected, string found) =>
        string.Equals(expected, found, StringComparison.Ordinal) ? [] : [$"{field}: expected \"{expected}\", found \"{found}\""];

    private static IEnumerable<string> Ttl(string field, long? expected, long? found) =>
        (expected ?? 0) == (found ?? 0) ? [] : [$"{field}: expected {expected ?? 0}s, found {found ?? 0}s"];

    private static IEnumerable<string> Set(string field, IReadOnlyList<string> expected, IReadOnlyList<string> found)
    {
        var e = expected.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var f = found.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return e.SequenceEqual(f, StringComparer.Ordinal) ? [] : [$"{field}: expected [{string.Join(", ", e)}], found [{string.Join(", ", f)}]"];
    }

    private static IEnumerable<string> Statements(string field, IReadOnlyList<string> expected, IReadOnlyList<string> found)
    {
        static string Norm(IEnumerable<string> s) => string.Join(" ", string.Join(" ", s).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return string.Equals(Norm(expected), Norm(found), StringComparison.Ordinal) ? [] : [$"{field}: expected {Norm(expected)} | found {Norm(found)}"];
    }

    private static IEnumerable<string> Claims(IReadOnlyDictionary<string, IReadOnlyList<string>> expected, IReadOnlyDictionary<string, IReadOnlyList<string>> found)
    {
        foreach (var claim in expected.Keys.Union(found.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.TryGetValue(claim, out var ev) ? ev : [];
            var f = found.TryGetValue(claim, out var fv) ? fv : [];
            foreach (var line in Set($"bound_claims.{claim}", e, f))
            {
                yield return line;
            }
        }
    }
}
