using NUnit.Framework;
using Sandbox.Harness.Runtimes.K3d.Internal;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// How the k3d runtime reads <c>kubectl get pod -o json</c> (core/v1 Pod: <c>status.phase</c>,
/// <c>status.initContainerStatuses[]</c>/<c>containerStatuses[].state.waiting.reason</c>): what is
/// worth waiting for and what is not.
/// </summary>
[TestFixture]
public sealed class PodStateTests
{
    [TestCase("", "NotYet", "not created yet")]
    [TestCase("""{"metadata":{"name":"hashicorp-vault-0"}}""", "NotYet", "no status yet")]
    [TestCase("""{"status":{"phase":"Pending"}}""", "NotYet", "Pending")]
    [TestCase("""{"status":{"phase":"Pending","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"ContainerCreating"}}}]}}""", "NotYet", "Pending")]
    [TestCase("""{"status":{"phase":"Pending","initContainerStatuses":[{"name":"init","state":{"waiting":{"reason":"PodInitializing"}}}]}}""", "NotYet", "Pending")]
    [TestCase("""{"status":{"phase":"Running","containerStatuses":[{"name":"vault","ready":false,"state":{"running":{}}}]}}""", "Running", "Running")]
    [TestCase("""{"status":{"phase":"Running","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 10s"}}}]}}""", "Dead", "CrashLoopBackOff: back-off 10s")]
    [TestCase("""{"status":{"phase":"Pending","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"ErrImagePull"}}}]}}""", "Dead", "ErrImagePull")]
    [TestCase("""{"status":{"phase":"Pending","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image \"x\""}}}]}}""", "Dead", "ImagePullBackOff: Back-off pulling image \"x\"")]
    [TestCase("""{"status":{"phase":"Pending","initContainerStatuses":[{"name":"init","state":{"waiting":{"reason":"ErrImagePull"}}}]}}""", "Dead", "ErrImagePull")]
    [TestCase("""{"status":{"phase":"Failed","reason":"Evicted"}}""", "Dead", "Failed")]
    [CancelAfter(5000)]
    public void Classify_WaitsOnlyForWhatCanStillStart(string json, string condition, string reason, CancellationToken cancellationToken)
    {
        var (got, why) = PodState.Classify(json);
        Assert.Multiple(() =>
        {
            Assert.That(got.ToString(), Is.EqualTo(condition));
            Assert.That(why, Is.EqualTo(reason));
        });
    }
}
