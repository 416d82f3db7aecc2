using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>Secrets engines (<c>sys/mounts</c>) and auth methods (<c>sys/auth</c>), spec §6.</summary>
public sealed partial class VaultClient
{
    /// <summary>Enables a secrets engine at <paramref name="path"/> (<c>POST sys/mounts/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>path is already in use at kv/</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task EnableSecretsEngineAsync(string path, MountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("sys/mounts", RequireName(path, nameof(path))), RequestKind.SingleAttempt, MountBody(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the secrets engines (<c>GET sys/mounts</c>), keyed by path with its trailing '/'. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<IReadOnlyDictionary<string, MountInfo>> ListSecretsEnginesAsync(CancellationToken cancellationToken = default)
    {
        var envelope = await SendEnvelopeAsync<Dictionary<string, MountInfo>>(HttpMethod.Get, "sys/mounts", RequestKind.IdempotentRead, null, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? [];
    }

    /// <summary>Disables the secrets engine at <paramref name="path"/> (<c>DELETE sys/mounts/:path</c>); succeeds when absent. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task DisableSecretsEngineAsync(string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath("sys/mounts", RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Enables an auth method at <paramref name="path"/> (<c>POST sys/auth/:path</c>; needs sudo). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>path is already in use at jwt/</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task EnableAuthMethodAsync(string path, MountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("sys/auth", RequireName(path, nameof(path))), RequestKind.SingleAttempt, MountBody(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the auth methods (<c>GET sys/auth</c>), keyed by path with its trailing '/'. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<IReadOnlyDictionary<string, MountInfo>> ListAuthMethodsAsync(CancellationToken cancellationToken = default)
    {
        var envelope = await SendEnvelopeAsync<Dictionary<string, MountInfo>>(HttpMethod.Get, "sys/auth", RequestKind.IdempotentRead, null, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? [];
    }

    /// <summary>Disables the auth method at <paramref name="path"/> (<c>DELETE sys/auth/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task DisableAuthMethodAsync(string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath("sys/auth", RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    private static JsonObject MountBody(MountRequest request)
    {
        var body = new JsonObject { ["type"] = request.Type };
        if (request.Description is not null)
        {
            body["description"] = request.Description;
        }

        if (request.Options is not null)
        {
            var options = new JsonObject();
            foreach (var (key, value) in request.Options)
            {
                options[key] = value;
            }

            body["options"] = options;
        }

        if (request.DefaultLeaseTtl is not null || request.MaxLeaseTtl is not null)
        {
            var config = new JsonObject();
            if (request.DefaultLeaseTtl is { } defaultTtl)
            {
                config["default_lease_ttl"] = Seconds(defaultTtl);
            }

            if (request.MaxLeaseTtl is { } maxTtl)
            {
                config["max_lease_ttl"] = Seconds(maxTtl);
            }

            body["config"] = config;
        }

        return body;
    }

    /// <summary>A duration as Vault's seconds string (<c>"90s"</c>), accepted by every TTL field.</summary>
    internal static string Seconds(TimeSpan value) =>
        FormattableString.Invariant($"{(long)Math.Round(value.TotalSeconds)}s");
}
