using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Runtimes.K3d;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The order of what the operator delivers after a fault, read from the API server's objects: a new
/// login, then a new credential, then the app ready with it (restarted after the baseline and rolled
/// out, by kubectl's rollout-status rule).
/// </summary>
[TestFixture]
public sealed class DeliveryProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly AppDelivery Before = new("client-1", "postgres/creds/webapp/a", 100, 1) { Generation = 2, RestartedAt = "2026-01-01T00:00:00Z", RolledOut = true };

    [Test]
    public void InOrder_MarksEachStepWhenFirstSeen()
    {
        var progress = new DeliveryProgress(Before);
        var steps = new[]
        {
            Before,                                                            // sealed: nothing changes
            Before with { ClientId = "client-2" },                             // logged in again
            Before with { ClientId = "client-2", LeaseId = "postgres/creds/webapp/b" }, // new credential
            Before with { ClientId = "client-2", LeaseId = "postgres/creds/webapp/b", Generation = 3, RestartedAt = "2026-01-01T00:01:00Z", RolledOut = false, ReadyReplicas = 1 },
            Before with { ClientId = "client-2", LeaseId = "postgres/creds/webapp/b", Generation = 3, RestartedAt = "2026-01-01T00:01:00Z", RolledOut = true, ReadyReplicas = 1 },
        };
        var ready = steps.Select((d, i) => progress.Observe(T0.AddSeconds(i), d)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(ready, Is.EqualTo(new[] { false, false, false, false, true }), "ready only once the restart rolled out");
            Assert.That(progress.ReauthAt, Is.EqualTo(T0.AddSeconds(1)));
            Assert.That(progress.NewSecretAt, Is.EqualTo(T0.AddSeconds(2)));
            Assert.That(progress.AppReadyAt, Is.EqualTo(T0.AddSeconds(4)));
            Assert.That(progress.Violations, Is.Empty);
        });
    }

    [Test]
    public void ReadyWithTheOldCredential_IsNotAppReady()
    {
        // After a power cut the app's new pod starts with the Secret as it was: the old credential can still log in.
        var progress = new DeliveryProgress(Before);
        Assert.Multiple(() =>
        {
            Assert.That(progress.Observe(T0, Before with { ReadyReplicas = 1, RolledOut = true }), Is.False);
            Assert.That(progress.AnyChange, Is.False);
            Assert.That(progress.AppReadyAt, Is.Null);
        });
    }

    [Test]
    public void ANewCredentialWithTheOldClient_OrARestartWithoutOne_IsAViolation()
    {
        var progress = new DeliveryProgress(Before);
        progress.Observe(T0, Before with { LeaseId = "postgres/creds/webapp/b" });
        progress.Observe(T0.AddSeconds(1), Before with { Generation = 3 });
        Assert.Multiple(() =>
        {
            Assert.That(progress.Violations, Has.Count.EqualTo(2));
            Assert.That(progress.Violations[0], Does.Contain("new credential").And.Contain("before"));
            Assert.That(progress.Violations[1], Does.Contain("restarted").And.Contain("before a new credential"));
            Assert.That(progress.NewSecretAt, Is.Null, "a lease without a new login is not the new credential");
        });
    }

    [Test]
    public void ABaselineWithoutADelivery_IsRefused() =>
        Assert.That(() => new DeliveryProgress(Before with { LeaseId = null }), Throws.ArgumentException.With.Message.Contains("not yet logged in"));

    [TestCase(3, 3, 1, 1, 1, true, TestName = "Delivery_RolledOut_WhenObservedUpdatedAndAvailable")]
    [TestCase(3, 2, 1, 1, 1, false, TestName = "Delivery_NotRolledOut_WhileTheControllerHasNotObservedTheGeneration")]
    [TestCase(3, 3, 0, 1, 0, false, TestName = "Delivery_NotRolledOut_WithoutAnUpdatedReplica")]
    [TestCase(3, 3, 1, 2, 1, false, TestName = "Delivery_NotRolledOut_WhileAnOldReplicaRemains")]
    [TestCase(3, 3, 1, 1, 0, false, TestName = "Delivery_NotRolledOut_WhileTheUpdatedReplicaIsNotAvailable")]
    public void Delivery_ReadsRolloutStatusAsKubectlDoes(long generation, long observed, long updated, long replicas, long available, bool rolledOut)
    {
        var deployment = JsonNode.Parse($$$"""
            {"metadata":{"generation":{{{generation}}} },
             "spec":{"replicas":1,"template":{"metadata":{"annotations":{"vso.secrets.hashicorp.com/restartedAt":"2026-01-01T00:01:00Z"} } } },
             "status":{"observedGeneration":{{{observed}}},"updatedReplicas":{{{updated}}},"replicas":{{{replicas}}},"availableReplicas":{{{available}}},"readyReplicas":{{{available}}} } }
            """);
        var status = JsonNode.Parse("""{"vaultClientMeta":{"id":"c"},"secretLease":{"id":"postgres/creds/webapp/x"},"lastRenewalTime":5}""");

        var delivery = K3dRuntime.Delivery(status, deployment);

        Assert.Multiple(() =>
        {
            Assert.That(delivery.RolledOut, Is.EqualTo(rolledOut));
            Assert.That(delivery.Generation, Is.EqualTo(generation));
            Assert.That(delivery.RestartedAt, Is.EqualTo("2026-01-01T00:01:00Z"));
            Assert.That(delivery.ClientId, Is.EqualTo("c"));
            Assert.That(delivery.LeaseId, Is.EqualTo("postgres/creds/webapp/x"));
        });
    }
}
