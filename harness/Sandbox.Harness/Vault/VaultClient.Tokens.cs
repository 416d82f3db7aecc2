using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>The token store (<c>auth/token</c>), spec §4.</summary>
public sealed partial class VaultClient
{
    /// <summary>Creates a child token of <see cref="Token"/> (<c>POST auth/token/create</c>). Sent once.</summary>
    /// <returns>The auth block; the new token is <see cref="VaultAuthInfo.ClientToken"/>.</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>child policies must be subset of parent</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<VaultAuthInfo> CreateTokenAsync(TokenCreateRequest? request = null, CancellationToken cancellationToken = default) =>
        SendForAuthAsync("auth/token/create", ToJsonObject(request ?? new TokenCreateRequest()), cancellationToken);

    /// <summary>Looks up <see cref="Token"/> (<c>GET auth/token/lookup-self</c>). Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 403 <c>permission denied</c> for a revoked token.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<TokenLookup> LookupSelfAsync(CancellationToken cancellationToken = default)
    {
        const string path = "auth/token/lookup-self";
        var envelope = await SendEnvelopeAsync<TokenLookup>(HttpMethod.Get, path, RequestKind.IdempotentRead, null, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? throw VaultApiException.MalformedResponse("GET", "/v1/" + path, HttpStatusCode.OK, "the answer has no 'data'");
    }

    /// <summary>Renews <see cref="Token"/> (<c>POST auth/token/renew-self</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 for a non-expiring root token.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<VaultAuthInfo> RenewSelfAsync(TimeSpan? increment = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (increment is { } value)
        {
            body["increment"] = Seconds(value);
        }

        return SendForAuthAsync("auth/token/renew-self", body, cancellationToken);
    }

    /// <summary>Revokes <see cref="Token"/>, its children and their leases (<c>POST auth/token/revoke-self</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task RevokeSelfAsync(CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Post, "auth/token/revoke-self", RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a request whose answer is an <c>auth</c> block (token create/renew, logins). Never retried.</summary>
    internal async Task<VaultAuthInfo> SendForAuthAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var envelope = await SendEnvelopeAsync<JsonElement?>(HttpMethod.Post, path, RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
        var auth = envelope.Auth ?? throw VaultApiException.MalformedResponse("POST", "/v1/" + path, HttpStatusCode.OK, "the answer has no 'auth' block");
        return auth with { Warnings = envelope.Warnings ?? [] };
    }
}
