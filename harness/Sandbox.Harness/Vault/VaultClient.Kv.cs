using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>KV version 1 and version 2 (spec §7). <c>mount</c> is the mount path without slashes (<c>kvv2</c>).</summary>
public sealed partial class VaultClient
{
    // ---- KV v1 ----

    /// <summary>Reads a KV v1 secret (<c>GET &lt;mount&gt;/:path</c>); null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<JsonObject?> KvV1ReadAsync(string mount, string path, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<JsonObject>(VaultPath(RequireName(mount, nameof(mount)), RequireName(path, nameof(path))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Writes (replaces) a KV v1 secret (<c>PUT &lt;mount&gt;/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>missing data fields</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task KvV1WriteAsync(string mount, string path, JsonObject data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        await SendExpectingNoDataAsync(HttpMethod.Put, VaultPath(RequireName(mount, nameof(mount)), RequireName(path, nameof(path))), RequestKind.SingleAttempt, data.DeepClone(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists keys under a KV v1 prefix; folders end with '/'; empty when none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> KvV1ListAsync(string mount, string prefix = "", CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath(RequireName(mount, nameof(mount)), prefix) + "/", cancellationToken);

    /// <summary>Deletes a KV v1 secret (<c>DELETE &lt;mount&gt;/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task KvV1DeleteAsync(string mount, string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath(RequireName(mount, nameof(mount)), RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    // ---- KV v2 ----

    /// <summary>Writes a new version (<c>POST &lt;mount&gt;/data/:path</c>). Sent once.</summary>
    /// <param name="mount">The KV v2 mount.</param>
    /// <param name="path">The secret path under the mount.</param>
    /// <param name="data">The key/value pairs (secret values; never logged).</param>
    /// <param name="cas">Check-and-set: the current version it must match (0 = only if absent); null sends none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The metadata of the new version.</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>check-and-set parameter did not match the current version</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task<Kv2VersionMetadata> KvV2WriteAsync(string mount, string path, JsonObject data, int? cas = null, CancellationToken cancellationToken = default) =>
        KvV2SendDataAsync(HttpMethod.Post, mount, path, data, cas, null, cancellationToken);

    /// <summary>Merges <paramref name="data"/> into the latest version (<c>PATCH &lt;mount&gt;/data/:path</c>, JSON merge patch). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 404 when the secret does not exist.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task<Kv2VersionMetadata> KvV2PatchAsync(string mount, string path, JsonObject data, int? cas = null, CancellationToken cancellationToken = default) =>
        KvV2SendDataAsync(HttpMethod.Patch, mount, path, data, cas, "application/merge-patch+json", cancellationToken);

    /// <summary>
    /// Reads a version (<c>GET &lt;mount&gt;/data/:path[?version=N]</c>). Null when the secret or version
    /// does not exist; a soft-deleted or destroyed version comes back with <see cref="Kv2Secret.Data"/> null.
    /// Retried on transient failures.
    /// </summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<Kv2Secret?> KvV2ReadAsync(string mount, string path, int? version = null, CancellationToken cancellationToken = default)
    {
        var requestPath = VaultPath(RequireName(mount, nameof(mount)), "data", RequireName(path, nameof(path)));
        var query = version is { } v ? FormattableString.Invariant($"version={v}") : null;
        var raw = await SendAsync(HttpMethod.Get, requestPath, RequestKind.IdempotentRead, null, query, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (IsEmptyNotFound(raw))
        {
            return null;
        }

        if (raw.StatusCode != HttpStatusCode.NotFound)
        {
            EnsureSuccess(raw, HttpMethod.Get, requestPath);
        }

        // 200, or 404 with a normal body for a deleted/destroyed version.
        var envelope = Deserialize<Envelope<Kv2Secret>>(raw, HttpMethod.Get, requestPath);
        if (envelope.Data is null)
        {
            throw ErrorFor(raw, HttpMethod.Get, requestPath);
        }

        return envelope.Data;
    }

    /// <summary>Soft-deletes the latest version (<c>DELETE &lt;mount&gt;/data/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task KvV2DeleteLatestAsync(string mount, string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath(RequireName(mount, nameof(mount)), "data", RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Soft-deletes the given versions (<c>POST &lt;mount&gt;/delete/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task KvV2DeleteVersionsAsync(string mount, string path, IEnumerable<int> versions, CancellationToken cancellationToken = default) =>
        KvV2VersionsAsync("delete", mount, path, versions, cancellationToken);

    /// <summary>Restores soft-deleted versions (<c>POST &lt;mount&gt;/undelete/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task KvV2UndeleteAsync(string mount, string path, IEnumerable<int> versions, CancellationToken cancellationToken = default) =>
        KvV2VersionsAsync("undelete", mount, path, versions, cancellationToken);

    /// <summary>Destroys versions for good (<c>POST &lt;mount&gt;/destroy/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task KvV2DestroyAsync(string mount, string path, IEnumerable<int> versions, CancellationToken cancellationToken = default) =>
        KvV2VersionsAsync("destroy", mount, path, versions, cancellationToken);

    /// <summary>Reads a secret's metadata and version list (<c>GET &lt;mount&gt;/metadata/:path</c>); null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<Kv2Metadata?> KvV2ReadMetadataAsync(string mount, string path, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<Kv2Metadata>(VaultPath(RequireName(mount, nameof(mount)), "metadata", RequireName(path, nameof(path))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Lists keys under a prefix (<c>LIST &lt;mount&gt;/metadata/:prefix</c>); folders end with '/'; empty when none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task<IReadOnlyList<string>> KvV2ListAsync(string mount, string prefix = "", CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath(RequireName(mount, nameof(mount)), "metadata", prefix) + "/", cancellationToken);

    /// <summary>Deletes a secret's metadata and every version (<c>DELETE &lt;mount&gt;/metadata/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task KvV2DeleteMetadataAsync(string mount, string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath(RequireName(mount, nameof(mount)), "metadata", RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    private async Task<Kv2VersionMetadata> KvV2SendDataAsync(
        HttpMethod method, string mount, string path, JsonObject data, int? cas, string? contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var requestPath = VaultPath(RequireName(mount, nameof(mount)), "data", RequireName(path, nameof(path)));
        var body = new JsonObject { ["data"] = data.DeepClone() };
        if (cas is { } value)
        {
            body["options"] = new JsonObject { ["cas"] = value };
        }

        var raw = await SendAsync(method, requestPath, RequestKind.SingleAttempt, body, null, contentType, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, method, requestPath);
        var envelope = Deserialize<Envelope<Kv2VersionMetadata>>(raw, method, requestPath);
        return envelope.Data ?? throw VaultApiException.MalformedResponse(method.Method, "/v1/" + requestPath, raw.StatusCode, "the answer has no 'data'");
    }

    private async Task KvV2VersionsAsync(string operation, string mount, string path, IEnumerable<int> versions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var body = new JsonObject { ["versions"] = ToJsonArray(versions) };
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath(RequireName(mount, nameof(mount)), operation, RequireName(path, nameof(path))), RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
    }
}
