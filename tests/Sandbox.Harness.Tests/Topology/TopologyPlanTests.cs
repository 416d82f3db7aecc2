using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class TopologyPlanTests
{
    private static TopologyPlan FixturePlan() => TopologyPlan.From(TopologyLoader.Load(TopologyWorkspace.FixtureTopology));

    [Test]
    [CancelAfter(10000)]
    public void From_LabFixture_HasEveryMountAndAuthMethod(CancellationToken cancellationToken)
    {
        var plan = FixturePlan();

        Assert.Multiple(() =>
        {
            Assert.That(plan.Mounts.Select(m => $"{m.Path}:{m.Type}:{m.KvVersion}"), Is.EquivalentTo(new[]
            {
                "kvv2:kv:2", "kv:kv:1", "transit:transit:", "postgres:database:",
            }));
            Assert.That(plan.AuthMethods, Is.EquivalentTo(new[] { new AuthMethodState("kubernetes", "kubernetes"), new AuthMethodState("jwt", "jwt") }));
            Assert.That(plan.JwtConfig.BoundIssuer, Is.EqualTo("https://gitea.arcodange.lab/api/actions"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void From_LabFixture_GivesEachAppItsRolesPoliciesKeysAndSeeds(CancellationToken cancellationToken)
    {
        var plan = FixturePlan();

        var k8s = plan.KubernetesRoles.Single(r => r.Name == "webapp");
        var jwt = plan.JwtRoles.Single(r => r.Name == "gitea_cicd_webapp");
        var db = plan.DatabaseRoles.Single(r => r.Name == "webapp");
        Assert.Multiple(() =>
        {
            Assert.That(plan.Policies.Keys, Is.SupersetOf(new[] { "webapp", "webapp-ops", "erp", "erp-ops", "url-shortener", "url-shortener-ops" }));
            Assert.That((k8s.Mount, k8s.BoundServiceAccountNames, k8s.BoundServiceAccountNamespaces, k8s.TokenPolicies),
                Is.EqualTo(("kubernetes", (IReadOnlyList<string>)["webapp"], (IReadOnlyList<string>)["webapp"], (IReadOnlyList<string>)["webapp"])));
            Assert.That(k8s.TokenTtlSeconds, Is.EqualTo(3600));
            Assert.That(jwt.RoleType, Is.EqualTo("jwt"));
            Assert.That(jwt.TokenPolicies, Is.EqualTo(new[] { "webapp-ops" }));
            Assert.That(jwt.BoundAudiences, Is.EqualTo(new[] { "https://gitea.arcodange.lab" }));
            Assert.That(jwt.BoundClaims["repository"], Is.EqualTo(new[] { "arcodange/webapp" }));
            Assert.That(jwt.BoundClaims["ref"], Is.EqualTo(new[] { "refs/heads/main" }));
            Assert.That(db.DbName, Is.EqualTo("postgres"));
            Assert.That(db.CreationStatements, Has.Some.EqualTo("GRANT \"webapp_role\" TO \"{{name}}\";"));
            Assert.That(db.CreationStatements[0], Does.Contain("VALID UNTIL '{{expiration}}'"));
            Assert.That((db.DefaultTtlSeconds, db.MaxTtlSeconds), Is.EqualTo((3600L, 86400L)));
            Assert.That(plan.DatabaseRoles.Single(r => r.Name == "erp").DefaultTtlSeconds, Is.EqualTo(1800));
            Assert.That(plan.PostgresGroupRoles, Is.EquivalentTo(new[] { "webapp_role", "erp_role", "url-shortener_role" }));
            Assert.That(plan.DatabaseConnection.AllowedRoles, Is.EquivalentTo(new[] { "webapp", "erp", "url-shortener" }));
            Assert.That(plan.TransitKeys, Has.Some.EqualTo(new TransitKeyState("transit", "webapp", "aes256-gcm96")));
            Assert.That(plan.Seeds.Single(s => s.Path == "webapp/config").Data["LOG_LEVEL"], Is.EqualTo("info"));
            Assert.That(plan.Seeds.All(s => s.Mount == "kvv2"), Is.True);
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void From_LabFixture_PoliciesGiveEachAppItsOwnNamesOnly(CancellationToken cancellationToken)
    {
        var plan = FixturePlan();

        var runtime = Acl.Create(PolicyDocument.Parse(plan.Policies["webapp"], "webapp"));
        var ops = Acl.Create(PolicyDocument.Parse(plan.Policies["webapp-ops"], "webapp-ops"));
        Assert.Multiple(() =>
        {
            Assert.That(runtime.Allows("kvv2/data/webapp/config", Capability.Read), Is.True);
            Assert.That(runtime.Allows("postgres/creds/webapp", Capability.Read), Is.True);
            Assert.That(runtime.Allows("transit/encrypt/webapp", Capability.Update), Is.True);
            Assert.That(runtime.Allows("kvv2/data/webapp/config", Capability.Update), Is.False, "pods never write");
            Assert.That(runtime.Allows("kvv2/data/erp/config", Capability.Read), Is.False);
            Assert.That(runtime.Allows("postgres/creds/erp", Capability.Read), Is.False);
            Assert.That(ops.Allows("kvv2/data/webapp/config", Capability.Create), Is.True);
            Assert.That(ops.Allows("kvv2/data/webapp/config", Capability.Update), Is.True);
            Assert.That(ops.Allows("kvv2/metadata/webapp/config", Capability.Read), Is.True);
            Assert.That(ops.Allows("postgres/roles/webapp", Capability.Update), Is.True);
            Assert.That(ops.Allows("transit/keys/webapp", Capability.Create), Is.True);
            Assert.That(ops.Allows("kvv2/data/erp/config", Capability.Read), Is.False);
            Assert.That(ops.Allows("postgres/roles/erp", Capability.Update), Is.False);
            Assert.That(ops.Capabilities("sys/auth/jwt").Contains(Capability.Sudo), Is.False);
        });
    }
}
