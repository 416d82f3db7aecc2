namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>What the Vault Secrets Operator delivered to one app, as the API server reports it.</summary>
/// <param name="ClientId">The VaultDynamicSecret's <c>status.vaultClientMeta.id</c>: a hash of the operator's Vault token accessor (a new login, a new ID); null before the first sync.</param>
/// <param name="LeaseId">Its <c>status.secretLease.id</c>: the database credential's lease; null before the first sync.</param>
/// <param name="LastRenewalTime">Its <c>status.lastRenewalTime</c> (Unix seconds).</param>
/// <param name="ReadyReplicas">The app Deployment's <c>status.readyReplicas</c> (its pods log in with the Secret's credentials).</param>
internal sealed record AppDelivery(string? ClientId, string? LeaseId, long? LastRenewalTime, int ReadyReplicas);
