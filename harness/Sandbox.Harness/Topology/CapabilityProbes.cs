using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Topology;

/// <summary>
/// Probe paths and per-role capability diffs between two topology plans: what rehearse shows
/// as "capabilities gained or lost, path by path, for each <c>&lt;app&gt;</c> and
/// <c>&lt;app&gt;-ops</c> token". Tokens are evaluated with <see cref="Acl"/> (Vault's precedence),
/// from the plan's policy texts; Vault's <c>default</c> policy is the same before and after and
/// is left out.
/// </summary>
internal static class CapabilityProbes
{
    /// <summary>
    /// The owner of the probes of a fictitious app that no topology has, so that widening an
    /// app's policy to another app's names shows up even when the topology has a single app.
    /// </summary>
    public const string OtherApp = "(another app)";

    private const string OtherAppSlug = "sandbox-probe-other-app";

    /// <summary>
    /// The probe paths of a plan: for every app (and a fictitious other app) its kv v2 data,
    /// metadata, delete and undelete paths, its kv v1 paths, its database creds and role, its
    /// transit encrypt, decrypt, key and rotate paths, its auth roles; then shared paths (mount
    /// and auth configuration, policies, <c>sys/seal</c>); then one concrete path for every rule
    /// of every policy, with <c>+</c> and a trailing <c>*</c> filled in.
    /// </summary>
    /// <param name="plans">One or more plans (before and after a change).</param>
    /// <returns>The probes, without duplicates, in a stable order.</returns>
    public static IReadOnlyList<CapabilityProbe> For(params TopologyPlan[] plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        var probes = new List<CapabilityProbe>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string path, string? owner)
        {
            if (seen.Add(path))
            {
                probes.Add(new CapabilityProbe(path, owner));
            }
        }

        var slugs = plans.SelectMany(p => p.KubernetesRoles.Select(r => r.Name)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var plan in plans)
        {
            var kvMount = plan.Seeds.Count > 0 ? plan.Seeds[0].Mount : plan.Mounts.FirstOrDefault(m => m is { Type: "kv", KvVersion: 2 })?.Path;
            var kv1 = plan.Mounts.Where(m => m is { Type: "kv", KvVersion: 1 }).Select(m => m.Path).ToArray();
            var transit = plan.TransitKeys.Count > 0 ? plan.TransitKeys[0].Mount : plan.Mounts.FirstOrDefault(m => m.Type == "transit")?.Path;
            var db = plan.DatabaseConnection.Mount;
            foreach (var (slug, owner) in slugs.Select(s => (s, s)).Append((OtherAppSlug, OtherApp)))
            {
                if (kvMount is not null)
                {
                    foreach (var name in plan.Seeds.Where(s => s.Path.StartsWith(slug + "/", StringComparison.Ordinal)).Select(s => s.Path).Append(slug + "/config"))
                    {
                        Add($"{kvMount}/data/{name}", owner);
                        Add($"{kvMount}/metadata/{name}", owner);
                        Add($"{kvMount}/delete/{name}", owner);
                        Add($"{kvMount}/undelete/{name}", owner);
                        Add($"{kvMount}/destroy/{name}", owner);
                    }

                    Add($"{kvMount}/metadata/{slug}/", owner);
                }

                foreach (var m in kv1)
                {
                    Add($"{m}/{slug}/config", owner);
                }

                Add($"{db}/creds/{slug}", owner);
                Add($"{db}/roles/{slug}", owner);
                if (transit is not null)
                {
                    var keys = plan.TransitKeys.Where(k => OwnerOfKey(k.Name, slugs) == slug).Select(k => k.Name).Append(slug).Distinct(StringComparer.Ordinal);
                    foreach (var key in keys)
                    {
                        Add($"{transit}/encrypt/{key}", owner);
                        Add($"{transit}/decrypt/{key}", owner);
                        Add($"{transit}/keys/{key}", owner);
                        Add($"{transit}/keys/{key}/rotate", owner);
                    }
                }

                foreach (var auth in plan.AuthMethods)
                {
                    Add($"auth/{auth.Path}/role/{(auth.Type == "jwt" ? "gitea_cicd_" + slug : slug)}", owner);
                }

                Add($"sys/policies/acl/{slug}", owner);
                Add($"sys/policies/acl/{slug}-ops", owner);
            }
        }

        foreach (var plan in plans)
        {
            foreach (var m in plan.Mounts)
            {
                Add($"sys/mounts/{m.Path}", null);
                Add($"{m.Path}/", null);
            }

            foreach (var a in plan.AuthMethods)
            {
                Add($"sys/auth/{a.Path}", null);
                Add($"auth/{a.Path}/config", null);
            }

            Add($"{plan.DatabaseConnection.Mount}/config/{plan.DatabaseConnection.Name}", null);
            Add($"{plan.DatabaseConnection.Mount}/rotate-root/{plan.DatabaseConnection.Name}", null);
        }

        Add("sys/seal", null);
        Add("sys/policies/acl/default", null);
        Add("sys/leases/lookup/", null);

        foreach (var plan in plans)
        {
            foreach (var text in plan.Policies.Values)
            {
                foreach (var rule in PolicyDocument.Parse(text, "plan").Rules)
                {
                    var path = Concrete(rule.Path);
                    Add(path, OwnerOfPath(path, slugs));
                }
            }
        }

        return probes;
    }

    /// <summary>The ACL of a token holding these policies of the plan (names the plan lacks, such as <c>default</c>, are skipped).</summary>
    /// <param name="plan">The plan holding the policy texts.</param>
    /// <param name="policyNames">The token's policies.</param>
    /// <returns>The ACL.</returns>
    public static Acl AclFor(TopologyPlan plan, IEnumerable<string> policyNames)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(policyNames);
        return new Acl(policyNames
            .Where(plan.Policies.ContainsKey)
            .Select(n => PolicyDocument.Parse(plan.Policies[n], "policy " + n)));
    }

    /// <summary>
    /// For every Kubernetes and JWT role of either plan, what its tokens can do before and after,
    /// on the probes of both plans (<see cref="For"/>). Roles are listed even when nothing changed.
    /// </summary>
    /// <param name="before">The plan before the change.</param>
    /// <param name="after">The plan after the change.</param>
    /// <returns>One entry per role, Kubernetes roles first, by name.</returns>
    public static IReadOnlyList<TokenCapabilityDiff> Compare(TopologyPlan before, TopologyPlan after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var probes = For(before, after).Select(p => p.Path).ToArray();
        var roles = new List<(string Role, string App, IReadOnlyList<string> Before, IReadOnlyList<string> After)>();
        foreach (var name in before.KubernetesRoles.Select(r => r.Name).Union(after.KubernetesRoles.Select(r => r.Name)).Order(StringComparer.Ordinal))
        {
            var b = before.KubernetesRoles.FirstOrDefault(r => r.Name == name);
            var a = after.KubernetesRoles.FirstOrDefault(r => r.Name == name);
            roles.Add(($"auth/{(a ?? b)!.Mount}/role/{name}", name, b?.TokenPolicies ?? [], a?.TokenPolicies ?? []));
        }

        foreach (var name in before.JwtRoles.Select(r => r.Name).Union(after.JwtRoles.Select(r => r.Name)).Order(StringComparer.Ordinal))
        {
            var b = before.JwtRoles.FirstOrDefault(r => r.Name == name);
            var a = after.JwtRoles.FirstOrDefault(r => r.Name == name);
            var app = name.StartsWith("gitea_cicd_", StringComparison.Ordinal) ? name["gitea_cicd_".Length..] : name;
            roles.Add(($"auth/{(a ?? b)!.Mount}/role/{name}", app, b?.TokenPolicies ?? [], a?.TokenPolicies ?? []));
        }

        return roles.Select(r => new TokenCapabilityDiff(r.Role, r.App, r.Before, r.After,
            EffectiveCapabilityDiff.Compare(AclFor(before, r.Before), AclFor(after, r.After), probes))).ToArray();
    }

    /// <summary>
    /// The probe paths of other apps (or of the fictitious <see cref="OtherApp"/>) on which a
    /// token holding these policies has any effective capability: what rehearse's
    /// "reads another app's secrets" rule looks at.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="app">The token's app.</param>
    /// <param name="policyNames">The token's policies.</param>
    /// <returns>The foreign paths and what the token can do on them.</returns>
    public static IReadOnlyList<(CapabilityProbe Probe, CapabilitySet Capabilities)> ForeignAccess(TopologyPlan plan, string app, IEnumerable<string> policyNames)
    {
        var acl = AclFor(plan, policyNames);
        return For(plan)
            .Where(p => p.OwnerApp is not null && p.OwnerApp != app)
            .Select(p => (p, EffectiveCapabilityDiff.Effective(acl.Capabilities(p.Path))))
            .Where(x => !x.Item2.IsEmpty)
            .ToArray();
    }

    private static string Concrete(string pattern)
    {
        var path = pattern.EndsWith('*') ? pattern[..^1] + "probe" : pattern;
        return string.Join('/', path.Split('/').Select(s => s == "+" ? "probe" : s));
    }

    private static string? OwnerOfPath(string path, List<string> slugs)
    {
        var segments = path.Split('/');
        return slugs.Where(s => segments.Contains(s, StringComparer.Ordinal)).OrderByDescending(s => s.Length).FirstOrDefault();
    }

    private static string? OwnerOfKey(string key, List<string> slugs) =>
        slugs.Where(s => key == s || key.StartsWith(s + "-", StringComparison.Ordinal) || key.StartsWith(s + "_", StringComparison.Ordinal))
            .OrderByDescending(s => s.Length).FirstOrDefault();
}
