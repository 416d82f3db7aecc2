using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>Plain HttpClient + System.Text.Json access to a Vault API (double or real).</summary>
public sealed class VaultHttp(Uri address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    public Uri Address => address;

    public async Task<VaultResponse> SendAsync(string method, string path, object? body, string? token, CancellationToken cancellationToken, string? rawBody = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.StartsWith('/') ? path : "/v1/" + path);
        if (token is not null)
        {
            request.Headers.Add("X-Vault-Token", token);
        }

        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }
        else if (body is not null)
        {
            var json = body switch
            {
                JsonNode n => n.ToJsonString(),
                string s => s,
                _ => throw new ArgumentException("body must be a JsonNode or a JSON string", nameof(body)),
            };
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        return await SendAsync(request, cancellationToken);
    }

    public async Task<VaultResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }
        }

        return new VaultResponse(response.StatusCode, text, json);
    }

    public Task<VaultResponse> GetAsync(string path, string? token, CancellationToken ct) => SendAsync("GET", path, null, token, ct);

    public Task<VaultResponse> PutAsync(string path, JsonNode? body, string? token, CancellationToken ct) => SendAsync("PUT", path, body ?? new JsonObject(), token, ct);

    public Task<VaultResponse> PostAsync(string path, JsonNode? body, string? token, CancellationToken ct) => SendAsync("POST", path, body ?? new JsonObject(), token, ct);

    public Task<VaultResponse> DeleteAsync(string path, string? token, CancellationToken ct) => SendAsync("DELETE", path, null, token, ct);

    public Task<VaultResponse> ListAsync(string path, string? token, CancellationToken ct) => SendAsync("LIST", path, null, token, ct);

    public void Dispose() => _http.Dispose();
}
