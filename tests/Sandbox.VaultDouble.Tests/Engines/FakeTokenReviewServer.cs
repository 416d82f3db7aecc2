using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Engines;

/// <summary>A loopback HTTP server standing in for the Kubernetes API's TokenReview endpoint; records every request.</summary>
internal sealed class FakeTokenReviewServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeTokenReviewServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<Recorded> Requests { get; } = new();

    /// <summary>Answers a recorded request: status code and JSON body.</summary>
    public Func<Recorded, (int Status, JsonObject Body)> Respond { get; set; } = _ => (201, new JsonObject());

    public static JsonObject Authenticated(string ns, string name, string uid, params string[] audiences) => new()
    {
        ["kind"] = "TokenReview",
        ["apiVersion"] = "authentication.k8s.io/v1",
        ["status"] = new JsonObject
        {
            ["authenticated"] = true,
            ["user"] = new JsonObject { ["username"] = $"system:serviceaccount:{ns}:{name}", ["uid"] = uid },
            ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode?)a).ToArray()),
        },
    };

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new Recorded(ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, ctx.Request.Headers["Authorization"], ctx.Request.ContentType, ctx.Request.Headers["Accept"], body);
            Requests.Enqueue(recorded);
            var (status, answer) = Respond(recorded);
            var bytes = Encoding.UTF8.GetBytes(answer.ToJsonString());
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    internal sealed record Recorded(string Method, string Path, string? Authorization, string? ContentType, string? Accept, string Body)
    {
        public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    }
}
