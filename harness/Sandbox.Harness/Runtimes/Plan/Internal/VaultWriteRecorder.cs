using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Sandbox.Harness.Runtimes.Plan.Internal;

/// <summary>
/// An HTTP handler that plays an empty, unsealed Vault for the typed client and records every write
/// into a plan: reads find nothing (mount and auth tables are empty, everything else 404), writes
/// succeed. Replay's own code then decides what to write, exactly as against a new sandbox. Every body
/// passes the guard's write gate first, as through the guarded client, so a plan never records a value
/// the sandbox Vault would dial that the config guard has not passed.
/// </summary>
internal sealed class VaultWriteRecorder : HttpMessageHandler
{
    private readonly SandboxPlan _plan;
    private readonly Guard.SandboxGuard _guard;

    public VaultWriteRecorder(SandboxPlan plan, Guard.SandboxGuard guard)
    {
        _plan = plan;
        _guard = guard;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        path = path.StartsWith("/v1/", StringComparison.Ordinal) ? path[4..] : path.TrimStart('/');
        var method = request.Method.Method;
        if (method is "GET" or "LIST" or "HEAD")
        {
            return path is "sys/mounts" or "sys/auth"
                ? Json(HttpStatusCode.OK, "{\"data\":{}}")
                : Json(HttpStatusCode.NotFound, "{\"errors\":[]}");
        }

        JsonObject? body = null;
        if (request.Content is not null)
        {
            var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            _guard.EnsureVaultWriteChecked(bytes, request.RequestUri.OriginalString, "sandbox plan");
            var text = Encoding.UTF8.GetString(bytes);
            body = text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        }

        _plan.AddVaultWrite(path, body);
        return path.Contains("/data/", StringComparison.Ordinal)
            ? Json(HttpStatusCode.OK, "{\"data\":{\"version\":1,\"created_time\":\"1970-01-01T00:00:00Z\",\"deletion_time\":\"\",\"destroyed\":false}}")
            : new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request };
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
