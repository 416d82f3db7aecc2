namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>sys/leases/renew</c>.</summary>
/// <param name="LeaseId">The renewed lease.</param>
/// <param name="Renewable">Whether it can be renewed again.</param>
/// <param name="LeaseDuration">The new TTL (capped at the lease's max TTL).</param>
/// <param name="Warnings">Vault's warnings, for example that the TTL was capped.</param>
public sealed record LeaseRenewal(string LeaseId, bool Renewable, TimeSpan LeaseDuration, IReadOnlyList<string> Warnings);
