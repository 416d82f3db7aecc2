using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;

namespace Sandbox.Harness.Vault;

/// <summary>Turning raw answers into models or exceptions.</summary>
public sealed partial class VaultClient
{
    /// <summary>Joins path parts, escaping each segment; parts may themselves contain '/'.</summary>
    internal static string VaultPath(params string[] parts)
    {
        var segments = new List<string>();
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part);
            foreach (var segment in part.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (segment is "." or "..")
                {
                    throw new ArgumentException($"The Vault path part '{part}' must not contain '.' or '..' segments.", nameof(parts));
                }

                segments.Add(Uri.EscapeDataString(segment));
            }
        }

        return string.Join('/', segments);
    }

    internal static string RequireName(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim('/').Length == 0)
        {
            throw new ArgumentException($"The {what} must not be empty.", what);
        }

        return value;
    }

    /// <summary>Throws the right exception for a non-2xx answer.</summary>
    internal static void EnsureSuccess(VaultRawResponse raw, HttpMethod method, string path)
    {
        if (raw.IsSuccess)
        {
            return;
        }

        throw ErrorFor(raw, method, path);
    }

    internal static VaultApiException ErrorFor(VaultRawResponse raw, HttpMethod method, string path)
    {
        var requestPath = "/v1/" + path;
        var (errors, wasJson) = ParseErrors(raw.Body);
        if (raw.StatusCode == HttpStatusCode.ServiceUnavailable &&
            errors.Any(e => e.Contains("Vault is sealed", StringComparison.Ordinal)))
        {
            return VaultSealedException.Create(method.Method, requestPath, errors);
        }

        return VaultApiException.FromResponse(method.Method, requestPath, raw.StatusCode, errors, wasJson);
    }

    private static (IReadOnlyList<string> Errors, bool WasJson) ParseErrors(byte[] body)
    {
        if (body.Length == 0)
        {
            return ([], false);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("errors", out var errors) &&
                errors.ValueKind == JsonValueKind.Array)
            {
                return (errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText()).ToArray(), true);
            }

            return ([], true);
        }
        catch (JsonException)
        {
            return ([], false);
        }
    }

    /// <summary>True for Vault's "nothing here" answer: 404 with <c>{"errors":[]}</c> (or no body).</summary>
    internal static bool IsEmptyNotFound(VaultRawResponse raw)
    {
        if (raw.StatusCode != HttpStatusCode.NotFound)
        {
            return false;
        }

        var (errors, wasJson) = ParseErrors(raw.Body);
        return errors.Count == 0 && (wasJson || raw.Body.Length == 0) && !HasDataField(raw.Body);
    }

    private static bool HasDataField(byte[] body)
    {
        if (body.Length == 0)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("data", out var data) &&
                   data.ValueKind != JsonValueKind.Null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    internal static T Deserialize<T>(VaultRawResponse raw, HttpMethod method, string path)
    {
        if (raw.Body.Length == 0)
        {
            throw VaultApiException.MalformedResponse(method.Method, "/v1/" + path, raw.StatusCode, "the body is empty, but a JSON object was expected");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(raw.Body, VaultJson.Options)
                ?? throw VaultApiException.MalformedResponse(method.Method, "/v1/" + path, raw.StatusCode, "the body is JSON null");
        }
        catch (JsonException ex)
        {
            // The JsonException message names the JSON path and position, never the value.
            throw VaultApiException.MalformedResponse(method.Method, "/v1/" + path, raw.StatusCode, $"not valid JSON of the expected shape ({ex.Path ?? "$"}, line {ex.LineNumber}, byte {ex.BytePositionInLine})", ex);
        }
    }

    private void LogWarnings(IEnumerable<string>? warnings, HttpMethod method, string path)
    {
        if (warnings is null)
        {
            return;
        }

        foreach (var warning in warnings)
        {
            Log.Warned(_logger, method.Method, "/v1/" + path, warning);
        }
    }

    /// <summary>Sends a request and parses the envelope; non-2xx throws.</summary>
    internal async Task<Envelope<T>> SendEnvelopeAsync<T>(
        HttpMethod method, string path, RequestKind kind, JsonNode? body, CancellationToken cancellationToken, string? query = null)
    {
        var raw = await SendAsync(method, path, kind, body, query, cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, method, path);
        var envelope = Deserialize<Envelope<T>>(raw, method, path);
        LogWarnings(envelope.Warnings, method, path);
        return envelope;
    }

    /// <summary>An idempotent GET whose 404 with no errors means "absent" (null).</summary>
    internal async Task<Envelope<T>?> ReadEnvelopeOrNullAsync<T>(string path, CancellationToken cancellationToken, string? query = null)
    {
        var raw = await SendAsync(HttpMethod.Get, path, RequestKind.IdempotentRead, null, query, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (IsEmptyNotFound(raw))
        {
            return null;
        }

        EnsureSuccess(raw, HttpMethod.Get, path);
        var envelope = Deserialize<Envelope<T>>(raw, HttpMethod.Get, path);
        LogWarnings(envelope.Warnings, HttpMethod.Get, path);
        return envelope;
    }

    /// <summary>A request whose answer carries nothing the caller needs (204, or 200 with warnings).</summary>
    internal async Task<IReadOnlyList<string>> SendExpectingNoDataAsync(
        HttpMethod method, string path, RequestKind kind, JsonNode? body, CancellationToken cancellationToken, string? contentType = null)
    {
        var raw = await SendAsync(method, path, kind, body, null, contentType, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(raw, method, path);
        if (raw.StatusCode == HttpStatusCode.NoContent || raw.Body.Length == 0)
        {
            return [];
        }

        var envelope = Deserialize<Envelope<JsonElement?>>(raw, method, path);
        LogWarnings(envelope.Warnings, method, path);
        return envelope.Warnings ?? [];
    }

    /// <summary>A LIST (sent as <c>GET ?list=true</c>); 404 with no errors means an empty list.</summary>
    internal async Task<IReadOnlyList<string>> ListKeysAsync(string path, CancellationToken cancellationToken)
    {
        var envelope = await ReadEnvelopeOrNullAsync<Models.VaultKeyList>(path, cancellationToken, "list=true").ConfigureAwait(false);
        return envelope?.Data?.Keys ?? [];
    }

    internal static JsonArray ToJsonArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    internal static JsonArray ToJsonArray(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    internal static JsonObject ToJsonObject<T>(T value) =>
        JsonSerializer.SerializeToNode(value, VaultJson.Options) as JsonObject ?? new JsonObject();
}
