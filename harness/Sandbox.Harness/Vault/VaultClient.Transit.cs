using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>The transit engine (spec §8). <c>mount</c> is the mount path, usually <c>transit</c>.</summary>
public sealed partial class VaultClient
{
    /// <summary>
    /// Creates a key (<c>POST &lt;mount&gt;/keys/:name</c>). Sent once. Newer servers answer 200 with
    /// the key, older ones 204: then the result is null (read it with <see cref="TransitReadKeyAsync"/>).
    /// </summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>unknown key type</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<TransitKey?> TransitCreateKeyAsync(string mount, string name, string type = "aes256-gcm96", CancellationToken cancellationToken = default) =>
        SendForOptionalKeyAsync(VaultPath(RequireName(mount, nameof(mount)), "keys", RequireName(name, nameof(name))), new JsonObject { ["type"] = type }, cancellationToken);

    /// <summary>Reads a key (<c>GET &lt;mount&gt;/keys/:name</c>); null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<TransitKey?> TransitReadKeyAsync(string mount, string name, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<TransitKey>(VaultPath(RequireName(mount, nameof(mount)), "keys", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Lists the key names of a transit mount (<c>LIST &lt;mount&gt;/keys</c>); empty when there are none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> TransitListKeysAsync(string mount, CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath(RequireName(mount, nameof(mount)), "keys") + "/", cancellationToken);

    /// <summary>
    /// Rotates a key to a new version (<c>POST &lt;mount&gt;/keys/:name/rotate</c>). Sent once. Null when
    /// the server answers 204 (older Vault).
    /// </summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>key not found</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<TransitKey?> TransitRotateKeyAsync(string mount, string name, CancellationToken cancellationToken = default) =>
        SendForOptionalKeyAsync(VaultPath(RequireName(mount, nameof(mount)), "keys", RequireName(name, nameof(name)), "rotate"), null, cancellationToken);

    /// <summary>Encrypts bytes (<c>POST &lt;mount&gt;/encrypt/:name</c>); creates the key if absent and allowed. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused the request.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<TransitCiphertext> TransitEncryptAsync(string mount, string name, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        var path = VaultPath(RequireName(mount, nameof(mount)), "encrypt", RequireName(name, nameof(name)));
        var body = new JsonObject { ["plaintext"] = Convert.ToBase64String(plaintext.Span) };
        var envelope = await SendEnvelopeAsync<TransitCiphertext>(HttpMethod.Post, path, RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? throw VaultApiException.MalformedResponse("POST", "/v1/" + path, HttpStatusCode.OK, "the answer has no 'data'");
    }

    /// <summary>Decrypts a <c>vault:vN:…</c> ciphertext (<c>POST &lt;mount&gt;/decrypt/:name</c>). Sent once.</summary>
    /// <returns>The plaintext bytes (secret).</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>cipher: message authentication failed</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<byte[]> TransitDecryptAsync(string mount, string name, string ciphertext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var path = VaultPath(RequireName(mount, nameof(mount)), "decrypt", RequireName(name, nameof(name)));
        var body = new JsonObject { ["ciphertext"] = ciphertext };
        var envelope = await SendEnvelopeAsync<DecryptData>(HttpMethod.Post, path, RequestKind.SingleAttempt, body, cancellationToken).ConfigureAwait(false);
        var text = envelope.Data?.Plaintext ?? throw VaultApiException.MalformedResponse("POST", "/v1/" + path, HttpStatusCode.OK, "the answer has no 'data.plaintext'");
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException ex)
        {
            throw VaultApiException.MalformedResponse("POST", "/v1/" + path, HttpStatusCode.OK, "'data.plaintext' is not base64", ex);
        }
    }

    private async Task<TransitKey?> SendForOptionalKeyAsync(string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var raw = await SendAsync(HttpMethod.Post, path, RequestKind.SingleAttempt, body, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, HttpMethod.Post, path);
        if (raw.StatusCode == HttpStatusCode.NoContent || raw.Body.Length == 0)
        {
            return null;
        }

        return Deserialize<Envelope<TransitKey>>(raw, HttpMethod.Post, path).Data;
    }

    private sealed record DecryptData(string? Plaintext);
}
