using System.Globalization;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// rehearse's static verdict engine: names added and removed, the path-by-path capability diff of
/// every <c>&lt;app&gt;</c> and <c>&lt;app&gt;-ops</c> token (<see cref="CapabilityProbes.Compare"/>),
/// and the NO-GO rules, evaluated on both plans so that only what the change introduces counts
/// against it. Needs no Vault.
/// </summary>
internal static class RehearsalAnalyzer
{
    /// <summary>The rule id of the refetch-window TTL expectation.</summary>
    public const string TtlRefreshRuleId = "ttl-refresh-window";

    /// <summary>The rule id of "a database lease must not outlive the token that created it".</summary>
    public const string TtlTokenRuleId = "ttl-token-outlives-lease";

    /// <summary>The rule id of "a mount's max_lease_ttl must not cap a role's max_ttl".</summary>
    public const string TtlMountRuleId = "ttl-mount-caps-role";

    private const string ProbeName = "sandbox-rehearse-probe";

    /// <summary>Analyses a change.</summary>
    /// <param name="change">The loaded change.</param>
    /// <param name="rules">The NO-GO rules (<see cref="NoGoRuleSet.Default"/> or loaded).</param>
    /// <returns>The analysis.</returns>
    public static StaticAnalysis Analyze(RehearsalChange change, NoGoRuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(rules);
        var before = Names(change.BasePlan);
        var after = Names(change.ChangedPlan);
        var tokenDiffs = CapabilityProbes.Compare(change.BasePlan, change.ChangedPlan);
        var capabilityChanges = tokenDiffs
            .SelectMany(d => d.Diff.Changes.Select(c => new PolicyCapabilityChange(TokenLabel(d), c.Path, c.Gained.Names, c.Lost.Names)))
            .ToArray();

        var baseline = Violations(change.BasePlan, change.BaseTopology, rules);
        var baseKeys = baseline.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var changed = Violations(change.ChangedPlan, change.ChangedTopology, rules)
            .Select(v => v with { New = !baseKeys.Contains(v.Key) })
            .ToArray();

        return new StaticAnalysis
        {
            NamesAdded = [.. after.Except(before, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            NamesRemoved = [.. before.Except(after, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            TokenDiffs = tokenDiffs,
            CapabilityChanges = capabilityChanges,
            Violations = changed,
            BaselineViolations = baseline,
            RulesChecked = RuleIds(rules),
        };
    }

    /// <summary>Every Vault name a plan creates, as a Vault path.</summary>
    /// <param name="plan">The plan.</param>
    /// <returns>The names, sorted.</returns>
    public static IReadOnlyList<string> Names(TopologyPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var m in plan.Mounts)
        {
            names.Add(m.Path.TrimEnd('/') + "/");
        }

        foreach (var a in plan.AuthMethods)
        {
            names.Add($"auth/{a.Path.TrimEnd('/')}/");
        }

        foreach (var p in plan.Policies.Keys)
        {
            names.Add("sys/policies/acl/" + p);
        }

        foreach (var r in plan.KubernetesRoles)
        {
            names.Add($"auth/{r.Mount.TrimEnd('/')}/role/{r.Name}");
        }

        foreach (var r in plan.JwtRoles)
        {
            names.Add($"auth/{r.Mount.TrimEnd('/')}/role/{r.Name}");
        }

        names.Add($"{plan.DatabaseConnection.Mount.TrimEnd('/')}/config/{plan.DatabaseConnection.Name}");
        foreach (var r in plan.DatabaseRoles)
        {
            names.Add($"{r.Mount.TrimEnd('/')}/roles/{r.Name}");
        }

        foreach (var k in plan.TransitKeys)
        {
            names.Add($"{k.Mount.TrimEnd('/')}/keys/{k.Name}");
        }

        foreach (var g in plan.PostgresGroupRoles)
        {
            names.Add("postgresql role " + g);
        }

        return [.. names];
    }

    /// <summary>Runs every rule on one plan (the <see cref="RuleViolation.New"/> flags are all true).</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="topology">The topology the plan was made from (for the TTL rules).</param>
    /// <param name="rules">The rules.</param>
    /// <returns>The violations, in rule order.</returns>
    public static IReadOnlyList<RuleViolation> Violations(TopologyPlan plan, TopologySpec topology, NoGoRuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(rules);
        var found = new List<RuleViolation>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(RuleViolation v)
        {
            if (seen.Add(v.Key))
            {
                found.Add(v);
            }
        }

        foreach (var subjectKind in rules.ForeignAccess)
        {
            foreach (var subject in Subjects(plan, subjectKind))
            {
                var acl = CapabilityProbes.AclFor(plan, subject.Policies);
                var reached = CapabilityProbes.ForeignAccess(plan, subject.App!, subject.Policies);
                foreach (var group in reached.GroupBy(r => acl.FindRule(r.Probe.Path, listOperation: true)?.Pattern ?? r.Probe.Path, StringComparer.Ordinal))
                {
                    var caps = group.Aggregate(CapabilitySet.Empty, (s, r) => s.Union(r.Capabilities));
                    var examples = group.Take(4).Select(r => r.Probe.OwnerApp == CapabilityProbes.OtherApp ? $"{r.Probe.Path} {r.Probe.OwnerApp}" : $"{r.Probe.Path} ({r.Probe.OwnerApp})").ToList();
                    var more = group.Count() > examples.Count ? $" and {group.Count() - examples.Count} more" : "";
                    Add(new RuleViolation(
                        NoGoRuleSet.ForeignAccessRuleId,
                        subject.Label,
                        group.Key,
                        string.Join(",", caps.Names),
                        null,
                        $"{subject.Label} token: {GrantedBy(plan, subject.Policies, group.Key)} {caps} on \"{group.Key}\", which reaches another app's names: {string.Join(", ", examples)}{more}",
                        true));
                }
            }
        }

        foreach (var rule in rules.Deny)
        {
            foreach (var subject in Subjects(plan, rule.Subject))
            {
                var acl = CapabilityProbes.AclFor(plan, subject.Policies);
                IEnumerable<string> probes = rule.Path is null
                    ? CapabilityProbes.For(plan).Select(p => p.Path)
                    : [Concrete(rule.Path.Replace(NoGoRule.AppToken, subject.App ?? NoGoRule.AppToken, StringComparison.Ordinal))];
                foreach (var probe in probes)
                {
                    var caps = EffectiveCapabilityDiff.Effective(acl.Capabilities(probe));
                    var hit = new CapabilitySet(caps.Flags & rule.Capabilities.Flags);
                    if (hit.IsEmpty)
                    {
                        continue;
                    }

                    var pattern = acl.FindRule(probe, listOperation: true)?.Pattern ?? probe;
                    Add(new RuleViolation(
                        rule.Id,
                        subject.Label,
                        pattern,
                        string.Join(",", hit.Names),
                        null,
                        $"{subject.Label} token: {GrantedBy(plan, subject.Policies, pattern)} {hit} on \"{pattern}\" (rule {rule.Id}: {rule})",
                        true));
                }
            }
        }

        var budget = rules.Ttl.RefreshBudget.Seconds;
        var dbMount = topology.Mounts.FirstOrDefault(m => m.Path == topology.Database.Mount);
        foreach (var app in topology.Apps)
        {
            var role = $"{topology.Database.Mount}/roles/{app.Slug}";
            var defaultTtl = app.Database.DefaultTtl.Seconds;
            if (defaultTtl < 3 * budget)
            {
                Add(new RuleViolation(TtlRefreshRuleId, app.Slug, role, null, TtlExpectations.Scenario,
                    $"{TtlExpectations.Scenario}: database role {role} default_ttl {Seconds(defaultTtl)}: a consumer that refetches at 2/3 of the lease (as the Vault Secrets Operator does) keeps {Seconds(defaultTtl / 3)} to fetch and log in again, less than the {Seconds(budget)} refresh budget; the lease-expiry expectations need default_ttl ≥ {Seconds(3 * budget)}",
                    true));
            }

            if (app.KubernetesRole.TokenMaxTtl is { } tokenMax && defaultTtl > tokenMax.Seconds)
            {
                Add(new RuleViolation(TtlTokenRuleId, app.Slug, role, null, TtlExpectations.Scenario,
                    $"{TtlExpectations.Scenario}: database role {role} default_ttl {Seconds(defaultTtl)} outlives the token_max_ttl {Seconds(tokenMax.Seconds)} of auth/{topology.Kubernetes.Path}/role/{app.Slug}: Vault revokes a lease with the token that created it, so credentials die before their TTL",
                    true));
            }

            if (dbMount?.MaxLeaseTtl is { } mountMax && app.Database.MaxTtl.Seconds > mountMax.Seconds)
            {
                Add(new RuleViolation(TtlMountRuleId, app.Slug, role, null, TtlExpectations.Scenario,
                    $"{TtlExpectations.Scenario}: database role {role} max_ttl {Seconds(app.Database.MaxTtl.Seconds)} is above the {topology.Database.Mount}/ mount's max_lease_ttl {Seconds(mountMax.Seconds)}, which silently caps it",
                    true));
            }
        }

        return found;
    }

    /// <summary>
    /// The static checks as scenario results for the evidence pack: one per rule, passed when the
    /// plan breaks it nowhere (suite <c>static</c>).
    /// </summary>
    /// <param name="violations">The violations of one plan.</param>
    /// <param name="ruleIds">Every rule checked.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The results.</returns>
    public static IReadOnlyList<ScenarioResult> ToScenarioResults(IReadOnlyList<RuleViolation> violations, IReadOnlyList<string> ruleIds, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentNullException.ThrowIfNull(ruleIds);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var results = new List<ScenarioResult>();
        foreach (var id in ruleIds)
        {
            var timeline = new ScenarioTimeline(timeProvider);
            timeline.EnterPhase(ScenarioPhase.SteadyState, "static check of the plan (no Vault)");
            var mine = violations.Where(v => v.RuleId == id).ToList();
            foreach (var v in mine)
            {
                timeline.Observe(v.Message);
            }

            if (mine.Count == 0)
            {
                timeline.Asserted($"rule {id} holds");
            }

            results.Add(timeline.ToResult(
                "static/" + id,
                mine.Count == 0 ? ScenarioVerdict.Passed : ScenarioVerdict.Failed,
                mine.Count == 0 ? null : string.Join("\n", mine.Select(v => v.Message)),
                suite: "static"));
        }

        return results;
    }

    private static string[] RuleIds(NoGoRuleSet rules) =>
        [NoGoRuleSet.ForeignAccessRuleId, .. rules.Deny.Select(r => r.Id), TtlRefreshRuleId, TtlTokenRuleId, TtlMountRuleId];

    private static string Seconds(long s) => s.ToString(CultureInfo.InvariantCulture) + "s";

    private static string TokenLabel(TokenCapabilityDiff d) =>
        d.Role.Contains("/role/gitea_cicd_", StringComparison.Ordinal) ? d.App + "-ops" : d.App;

    private sealed record Subject(string Label, string? App, IReadOnlyList<string> Policies);

    private static IEnumerable<Subject> Subjects(TopologyPlan plan, string kind) => kind switch
    {
        NoGoRule.AppToken => plan.KubernetesRoles.Select(r => new Subject(r.Name, r.Name, r.TokenPolicies)),
        NoGoRule.OpsToken => plan.JwtRoles.Select(r =>
        {
            var app = r.Name.StartsWith("gitea_cicd_", StringComparison.Ordinal) ? r.Name["gitea_cicd_".Length..] : r.Name;
            return new Subject(app + "-ops", app, r.TokenPolicies);
        }),
        NoGoRule.EveryPolicy => plan.Policies.Keys.Order(StringComparer.Ordinal).Select(p => new Subject("policy " + p, null, [p])),
        _ => plan.Policies.ContainsKey(kind) ? [new Subject("policy " + kind, null, [kind])] : [],
    };

    private static string GrantedBy(TopologyPlan plan, IReadOnlyList<string> policies, string pattern)
    {
        var granting = policies
            .Where(plan.Policies.ContainsKey)
            .Where(p => PolicyDocument.Parse(plan.Policies[p], "policy " + p).Rules.Any(r => r.Path == pattern))
            .ToList();
        return granting.Count == 0 ? "its policies grant" : $"policy {string.Join(" + ", granting)} grants";
    }

    private static string Concrete(string pattern)
    {
        var path = pattern.EndsWith('*') ? pattern[..^1] + ProbeName : pattern;
        return string.Join('/', path.Split('/').Select(s => s == "+" ? ProbeName : s));
    }
}
