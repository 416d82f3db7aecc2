using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>Leases (<c>sys/leases</c>), spec §10. Lease ids travel in the body, never in the logged path.</summary>
public sealed partial class VaultClient
{
    /// <summary>Looks a lease up (<c>PUT sys/leases/lookup</c>). A read, so retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>invalid lease</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<LeaseInfo> LookupLeaseAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var envelope = await SendEnvelopeAsync<LeaseInfo>(HttpMethod.Put, "sys/leases/lookup", RequestKind.IdempotentRead, LeaseBody(leaseId), cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? throw VaultApiException.MalformedResponse("PUT", "/v1/sys/leases/lookup", System.Net.HttpStatusCode.OK, "the answer has no 'data'");
    }

    /// <summary>Renews a lease (<c>PUT sys/leases/renew</c>). Sent once.</summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="increment">The TTL asked for; null takes the role or mount default. Vault caps it at the max TTL and warns.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>lease not found</c> or <c>lease expired</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<LeaseRenewal> RenewLeaseAsync(string leaseId, TimeSpan? increment = null, CancellationToken cancellationToken = default)
    {
        var body = LeaseBody(leaseId);
        if (increment is { } value)
        {
            body["increment"] = (long)Math.Round(value.TotalSeconds);
        }

        var envelope = await SendEnvelopeAsync<JsonObject>(HttpMethod.Put, "sys/leases/renew", RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
        return new LeaseRenewal(envelope.LeaseId ?? leaseId, envelope.Renewable, TimeSpan.FromSeconds(envelope.LeaseDuration), envelope.Warnings ?? []);
    }

    /// <summary>Revokes a lease synchronously (<c>PUT sys/leases/revoke</c>); an unknown lease succeeds. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task RevokeLeaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Put, "sys/leases/revoke", RequestKind.SingleAttempt, LeaseBody(leaseId), cancellationToken).ConfigureAwait(false);

    /// <summary>Revokes every lease under a prefix (<c>PUT sys/leases/revoke-prefix/:prefix</c>; needs sudo). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task RevokeLeasePrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Put, VaultPath("sys/leases/revoke-prefix", RequireName(prefix, nameof(prefix))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    private static JsonObject LeaseBody(string leaseId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseId);
        return new JsonObject { ["lease_id"] = leaseId };
    }
}
