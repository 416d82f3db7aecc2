using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>Init, seal status, unseal, seal and health (spec §1). None of these needs a token except seal.</summary>
public sealed partial class VaultClient
{
    /// <summary>Whether Vault has been initialized (<c>GET sys/init</c>). Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<bool> GetInitStatusAsync(CancellationToken cancellationToken = default)
    {
        const string path = "sys/init";
        var raw = await SendAsync(HttpMethod.Get, path, RequestKind.IdempotentRead, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Get, path);
        return Deserialize<InitStatusBody>(raw, HttpMethod.Get, path).Initialized;
    }

    /// <summary>
    /// Initializes Vault with Shamir shares (<c>PUT sys/init</c>). Sent once, never retried: a retry
    /// after a lost answer would meet "already initialized" and the keys would be gone.
    /// Vault stays sealed afterwards.
    /// </summary>
    /// <param name="secretShares">Number of key shares (1..255).</param>
    /// <param name="secretThreshold">Shares needed to unseal (1..shares; at least 2 when shares &gt; 1).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The key shares and the root token; store them with the key store at once.</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>Vault is already initialized</c>.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<InitResponse> InitAsync(int secretShares, int secretThreshold, CancellationToken cancellationToken = default)
    {
        const string path = "sys/init";
        var body = new JsonObject { ["secret_shares"] = secretShares, ["secret_threshold"] = secretThreshold };
        var raw = await SendAsync(HttpMethod.Put, path, RequestKind.SingleAttempt, body, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Put, path);
        return Deserialize<InitResponse>(raw, HttpMethod.Put, path);
    }

    /// <summary>Reads the seal status (<c>GET sys/seal-status</c>). Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<SealStatus> GetSealStatusAsync(CancellationToken cancellationToken = default)
    {
        const string path = "sys/seal-status";
        var raw = await SendAsync(HttpMethod.Get, path, RequestKind.IdempotentRead, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Get, path);
        return Deserialize<SealStatus>(raw, HttpMethod.Get, path);
    }

    /// <summary>
    /// Submits one unseal key share (<c>PUT sys/unseal</c>), hex or base64. Sent once, never retried:
    /// a repeat would count against the attempt's progress.
    /// </summary>
    /// <param name="key">The share. Secret: never logged and never part of an exception.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The seal status after this share (<c>Sealed</c> false once the threshold is reached).</returns>
    /// <exception cref="VaultApiException">Vault refused the key (400 <c>invalid key</c>, malformed key, not initialized).</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<SealStatus> UnsealAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        const string path = "sys/unseal";
        var body = new JsonObject { ["key"] = key };
        var raw = await SendAsync(HttpMethod.Put, path, RequestKind.SingleAttempt, body, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Put, path);
        return Deserialize<SealStatus>(raw, HttpMethod.Put, path);
    }

    /// <summary>Discards the shares submitted so far (<c>PUT sys/unseal {"reset":true}</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>vault is unsealed</c>.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<SealStatus> ResetUnsealAsync(CancellationToken cancellationToken = default)
    {
        const string path = "sys/unseal";
        var body = new JsonObject { ["reset"] = true };
        var raw = await SendAsync(HttpMethod.Put, path, RequestKind.SingleAttempt, body, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Put, path);
        return Deserialize<SealStatus>(raw, HttpMethod.Put, path);
    }

    /// <summary>Seals Vault (<c>PUT sys/seal</c>); needs a root or sudo token. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 403 <c>permission denied</c>.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task SealAsync(CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Put, "sys/seal", RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads <c>GET sys/health</c>. Every status code is an answer here (200 active, 429 standby,
    /// 472/473 replication standbys, 501 not initialized, 503 sealed, or the code a
    /// <paramref name="query"/> override asks for), so none is thrown. Retried only when Vault
    /// cannot be reached, never because of a status code.
    /// </summary>
    /// <param name="query">Code overrides; null sends none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="VaultApiException">The body is not Vault's health JSON.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<HealthResult> GetHealthAsync(HealthQuery? query = null, CancellationToken cancellationToken = default)
    {
        const string path = "sys/health";
        var raw = await SendAsync(HttpMethod.Get, path, RequestKind.HealthProbe, null, query?.ToQueryString(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (raw.Body.Length == 0)
        {
            return new HealthResult(raw.StatusCode, null);
        }

        try
        {
            using var document = JsonDocument.Parse(raw.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("errors", out _) &&
                !document.RootElement.TryGetProperty("initialized", out _))
            {
                // 400 for a bad override, or an error from something in between: not a health answer.
                throw ErrorFor(raw, HttpMethod.Get, path);
            }
        }
        catch (JsonException)
        {
            // Reported below with the position of the problem.
        }

        return new HealthResult(raw.StatusCode, Deserialize<HealthStatus>(raw, HttpMethod.Get, path));
    }

    private sealed record InitStatusBody(bool Initialized);
}
