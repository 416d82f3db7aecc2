using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// What the lease-expiry scenario relies on, checked statically on the changed topology (the
/// live lease-expiry suite is the proof; these catch the change before a sandbox is up):
/// <list type="bullet">
/// <item>a consumer that refetches at 2/3 of the lease, as the Vault Secrets Operator does, needs
/// the remaining third to cover a refetch: every database role's <c>default_ttl</c> ≥ 3 ×
/// <see cref="RefreshBudget"/>;</item>
/// <item>a database lease dies with the token that created it: the role's <c>default_ttl</c> must
/// not exceed the app's Kubernetes token max TTL when the topology sets one;</item>
/// <item>a mount's <c>max_lease_ttl</c> silently caps a role's <c>max_ttl</c>: the role's must not
/// exceed it.</item>
/// </list>
/// </summary>
/// <param name="RefreshBudget">Time a consumer needs to refetch credentials and log in again.</param>
/// <param name="Location">Where it was set; null for the default.</param>
internal sealed record TtlExpectations(VaultDuration RefreshBudget, SourceLocation? Location)
{
    /// <summary>The scenario these expectations stand for: <c>lease-expiry</c>.</summary>
    public const string Scenario = "lease-expiry";

    /// <summary>The default: a 20 s refresh budget, so leases of at least 60 s.</summary>
    public static TtlExpectations Default { get; } = new(VaultDuration.FromSeconds(20), null);
}
