using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class DriftReportTests
{
    private static TopologyPlan Plan() => TopologyPlan.From(TopologyLoader.Load(TopologyWorkspace.FixtureTopology));

    /// <summary>What a Vault that replay got exactly right would answer, built-ins included.</summary>
    private static ObservedState Mirror(TopologyPlan plan)
    {
        var policies = plan.Policies.ToDictionary(p => p.Key, p => p.Value);
        policies["default"] = "path \"auth/token/lookup-self\" { capabilities = [\"read\"] }";
        policies["root"] = "";
        return new ObservedState(
            plan.Mounts.Select(m => m with { Path = m.Path + "/" })
                .Append(new MountState("cubbyhole/", "cubbyhole", null))
                .Append(new MountState("identity/", "identity", null))
                .Append(new MountState("sys/", "system", null)).ToArray(),
            plan.AuthMethods.Select(a => a with { Path = a.Path + "/" }).Append(new AuthMethodState("token/", "token")).ToArray(),
            policies,
            plan.KubernetesRoles,
            plan.JwtRoles,
            plan.DatabaseRoles,
            plan.TransitKeys,
            plan.JwtConfig,
            plan.DatabaseConnection);
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_VaultMatchingTheTopology_HasNoDrift(CancellationToken cancellationToken)
    {
        var plan = Plan();

        var report = DriftReport.Compare(plan, Mirror(plan));

        Assert.Multiple(() =>
        {
            Assert.That(report.HasDrift, Is.False, report.ToString());
            Assert.That(report.Compared, Is.GreaterThan(20));
            Assert.That(report.ToString(), Does.StartWith("no drift: "));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_PolicyWithSameMeaningButOtherText_HasNoDrift(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        var policies = observed.Policies.ToDictionary(p => p.Key, p => p.Value);
        var canonical = PolicyDocument.Parse(policies["webapp"], "webapp").Normalize().Text;
        policies["webapp"] = "# rewritten by hand\n" + string.Join("\n", canonical.Split('\n').Reverse());

        var report = DriftReport.Compare(plan, observed with { Policies = policies });

        Assert.That(report.HasDrift, Is.False, report.ToString());
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_WidenedPolicy_ShowsThePathAndCapabilities(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        var policies = observed.Policies.ToDictionary(p => p.Key, p => p.Value);
        policies["webapp"] += "\npath \"kvv2/data/*\" { capabilities = [\"read\", \"list\"] }\n";

        var report = DriftReport.Compare(plan, observed with { Policies = policies });

        var item = report.Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That((item.Kind, item.Category, item.Name), Is.EqualTo((DriftKind.Different, "policy", "webapp")));
            Assert.That(item.Details, Is.EqualTo(new[] { "+ path \"kvv2/data/*\" gained [list, read]" }));
            Assert.That(report.ToString(), Does.Contain("different  policy webapp"));
            Assert.That(report.ToString(), Does.Contain("+ path \"kvv2/data/*\" gained [list, read]"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_MissingAndUnexpectedNames_AreListedByName(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        var policies = observed.Policies.ToDictionary(p => p.Key, p => p.Value);
        policies.Remove("erp-ops");
        policies["leftover"] = "path \"x\" { capabilities = [\"read\"] }";
        observed = observed with
        {
            Mounts = observed.Mounts.Where(m => m.Path != "transit/").Append(new MountState("secret/", "kv", 2)).ToArray(),
            AuthMethods = observed.AuthMethods.Where(a => a.Path != "jwt/").ToArray(),
            Policies = policies,
            JwtRoles = observed.JwtRoles.Where(r => r.Name != "gitea_cicd_erp").ToArray(),
            TransitKeys = observed.TransitKeys.Append(new TransitKeyState("transit", "old-key", "aes256-gcm96")).ToArray(),
        };

        var report = DriftReport.Compare(plan, observed);

        Assert.That(report.Items.Select(i => $"{i.Kind} {i.Category} {i.Name}"), Is.EquivalentTo(new[]
        {
            "Missing mount transit/",
            "Unexpected mount secret/",
            "Missing auth jwt/",
            "Missing policy erp-ops",
            "Unexpected policy leftover",
            "Missing jwt role auth/jwt/role/gitea_cicd_erp",
            "Unexpected transit key transit/keys/old-key",
        }));
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_ChangedRoleFields_AreEachNamed(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        observed = observed with
        {
            KubernetesRoles = observed.KubernetesRoles.Select(r => r.Name == "webapp"
                ? r with { TokenTtlSeconds = 7200, BoundServiceAccountNamespaces = ["default"] }
                : r).ToArray(),
            JwtRoles = observed.JwtRoles.Select(r => r.Name == "gitea_cicd_erp"
                ? r with { BoundClaims = new Dictionary<string, IReadOnlyList<string>> { ["repository"] = ["arcodange/erp"] }, RoleType = "oidc" }
                : r).ToArray(),
            DatabaseRoles = observed.DatabaseRoles.Select(r => r.Name == "erp" ? r with { MaxTtlSeconds = 60 } : r).ToArray(),
            Mounts = observed.Mounts.Select(m => m.Path == "kvv2/" ? m with { KvVersion = 1 } : m).ToArray(),
        };

        var report = DriftReport.Compare(plan, observed);

        var details = report.Items.ToDictionary(i => i.Name, i => i.Details);
        Assert.Multiple(() =>
        {
            Assert.That(details["auth/kubernetes/role/webapp"], Is.EquivalentTo(new[]
            {
                "bound_service_account_namespaces: expected [webapp], found [default]",
                "token_ttl: expected 3600s, found 7200s",
            }));
            Assert.That(details["auth/jwt/role/gitea_cicd_erp"], Is.EquivalentTo(new[]
            {
                "role_type: expected \"jwt\", found \"oidc\"",
                "bound_claims.ref: expected [refs/heads/main], found []",
            }));
            Assert.That(details["postgres/roles/erp"], Is.EqualTo(new[] { "max_ttl: expected 28800s, found 60s" }));
            Assert.That(details["kvv2/"], Is.EqualTo(new[] { "version: expected \"2\", found \"1\"" }));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_StatementWhitespace_DoesNotCount_ButAChangedGrantDoes(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        var reformatted = observed with
        {
            DatabaseRoles = observed.DatabaseRoles.Select(r => r with { CreationStatements = [string.Join("\n  ", r.CreationStatements)] }).ToArray(),
        };
        var regranted = observed with
        {
            DatabaseRoles = observed.DatabaseRoles.Select(r => r.Name == "webapp"
                ? r with { CreationStatements = TopologyPlan.CreationStatements(["erp_role"]) }
                : r).ToArray(),
        };

        Assert.Multiple(() =>
        {
            Assert.That(DriftReport.Compare(plan, reformatted).HasDrift, Is.False);
            var item = DriftReport.Compare(plan, regranted).Items.Single();
            Assert.That(item.Name, Is.EqualTo("postgres/roles/webapp"));
            Assert.That(item.Details.Single(), Does.StartWith("creation_statements: expected"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_UnparsablePolicyInVault_IsReportedNotThrown(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan);
        var policies = observed.Policies.ToDictionary(p => p.Key, p => p.Value);
        policies["webapp"] = "path \"x\" {";

        var item = DriftReport.Compare(plan, observed with { Policies = policies }).Items.Single();

        Assert.That(item.Details.Single(), Does.StartWith("the sandbox's text does not parse: failed to parse policy"));
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_BoundIssuerChanged_IsDrift(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan) with { JwtConfig = new JwtConfigState("jwt", "https://elsewhere") };

        var item = DriftReport.Compare(plan, observed).Items.Single();

        Assert.That((item.Category, item.Name), Is.EqualTo(("jwt config", "auth/jwt/config")));
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_EmptyVault_ReportsEveryNameMissing(CancellationToken cancellationToken)
    {
        var plan = Plan();

        var report = DriftReport.Compare(plan, ObservedState.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(report.Items, Has.All.Property(nameof(DriftItem.Kind)).EqualTo(DriftKind.Missing));
            Assert.That(report.Items, Has.Count.EqualTo(report.Compared));
            Assert.That(report.ToString(), Does.StartWith($"drift: {report.Compared} differences"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_DatabaseConnectionMissingARole_IsDrift(CancellationToken cancellationToken)
    {
        var plan = Plan();
        var observed = Mirror(plan) with { DatabaseConnection = plan.DatabaseConnection with { AllowedRoles = ["webapp"] } };

        var item = DriftReport.Compare(plan, observed).Items.Single();

        Assert.Multiple(() =>
        {
            Assert.That((item.Category, item.Name), Is.EqualTo(("database connection", "postgres/config/postgres")));
            Assert.That(item.Details.Single(), Does.StartWith("allowed_roles: expected [erp, url-shortener, webapp], found [webapp]"));
        });
    }
}
