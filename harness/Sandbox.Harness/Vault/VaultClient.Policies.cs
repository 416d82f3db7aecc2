using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>ACL policies (<c>sys/policies/acl</c>), spec §5.</summary>
public sealed partial class VaultClient
{
    /// <summary>Writes an ACL policy (<c>PUT sys/policies/acl/:name</c>), HCL or JSON. Sent once.</summary>
    /// <returns>Vault's warnings (for example that the name was lower-cased).</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>failed to parse policy</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<IReadOnlyList<string>> WritePolicyAsync(string name, string policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var body = new JsonObject { ["policy"] = policy };
        return await SendExpectingNoDataAsync(HttpMethod.Put, VaultPath("sys/policies/acl", RequireName(name, nameof(name))), RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads an ACL policy (<c>GET sys/policies/acl/:name</c>); null when it does not exist. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<AclPolicy?> ReadPolicyAsync(string name, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<AclPolicy>(VaultPath("sys/policies/acl", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Lists ACL policy names (<c>LIST sys/policies/acl</c>), including <c>default</c> and <c>root</c>. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> ListPoliciesAsync(CancellationToken cancellationToken = default) =>
        ListKeysAsync("sys/policies/acl", cancellationToken);

    /// <summary>Deletes an ACL policy (<c>DELETE sys/policies/acl/:name</c>); succeeds when absent. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>cannot delete default policy</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task DeletePolicyAsync(string name, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath("sys/policies/acl", RequireName(name, nameof(name))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);
}
