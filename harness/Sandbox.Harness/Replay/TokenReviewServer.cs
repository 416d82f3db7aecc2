using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sandbox.Harness.Identity;

namespace Sandbox.Harness.Replay;

/// <summary>
/// A loopback stand-in for the Kubernetes API's TokenReview endpoint
/// (<c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>), for the process runtime where there
/// is no cluster: it authenticates service-account tokens signed by the sandbox issuer (signature,
/// issuer, lifetime, audience) and answers as the API server does. It is a test fixture of the
/// harness, not Kubernetes; Vault's Kubernetes auth points <c>kubernetes_host</c> at it.
/// </summary>
internal sealed class TokenReviewServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly SandboxJwtIssuer _issuer;
    private readonly string _kubernetesIssuer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _reviews;

    private TokenReviewServer(HttpListener listener, Uri address, SandboxJwtIssuer issuer, string kubernetesIssuer)
    {
        _listener = listener;
        _issuer = issuer;
        _kubernetesIssuer = kubernetesIssuer;
        Address = address;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The base address to give Vault as <c>kubernetes_host</c>, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address { get; }

    /// <summary>
    /// A self-signed CA certificate (PEM) made for this server, for <c>kubernetes_ca_cert</c>: Vault
    /// requires one with <c>disable_local_ca_jwt</c>, and without that flag it reads the CA file of
    /// the pod it would run in. The server speaks plain HTTP on loopback, so the certificate is
    /// never used for TLS. Its key is ECDSA P-256, as k3s makes its cluster CAs (k3s-io/k3s,
    /// contrib/util/generate-custom-ca-certs.sh: "leaf certificate authority EC key",
    /// prime256v1); it is also made in well under a millisecond, where an RSA-2048 key took
    /// 0.1-0.3 CPU-s of every sandbox start.
    /// </summary>
    public string CaCertificatePem { get; } = CreateCaPem();

    /// <summary>How many TokenReviews were answered.</summary>
    public int Reviews => Volatile.Read(ref _reviews);

    /// <summary>Starts the server on a free loopback port.</summary>
    /// <param name="issuer">The sandbox issuer whose service-account tokens are genuine.</param>
    /// <param name="kubernetesIssuer">The <c>iss</c> of genuine tokens; <see cref="SandboxJwtIssuer.DefaultKubernetesIssuer"/> when null.</param>
    /// <returns>The running server.</returns>
    public static TokenReviewServer Start(SandboxJwtIssuer issuer, string? kubernetesIssuer = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var listener = new HttpListener();
            var address = new Uri($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add(address.ToString());
            try
            {
                listener.Start();
                return new TokenReviewServer(listener, new Uri($"http://127.0.0.1:{port}"), issuer, kubernetesIssuer ?? SandboxJwtIssuer.DefaultKubernetesIssuer);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                ((IDisposable)listener).Dispose();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }

        ((IDisposable)_listener).Dispose();
        _stop.Dispose();
    }

    private static string CreateCaPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sandbox TokenReview stand-in", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/apis/authentication.k8s.io/v1/tokenreviews")
            {
                response.StatusCode = 404;
                return;
            }

            var body = await JsonNode.ParseAsync(context.Request.InputStream).ConfigureAwait(false);
            var token = body?["spec"]?["token"]?.GetValue<string>() ?? "";
            var audiences = (body?["spec"]?["audiences"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToArray() ?? [];
            var status = await ReviewAsync(token, audiences).ConfigureAwait(false);
            Interlocked.Increment(ref _reviews);
            var answer = new JsonObject
            {
                ["kind"] = "TokenReview",
                ["apiVersion"] = "authentication.k8s.io/v1",
                ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                ["spec"] = new JsonObject { ["token"] = "", ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode?)a).ToArray()) },
                ["status"] = status,
            };
            response.StatusCode = 201;
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.OutputStream, answer).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            response.StatusCode = 400;
        }
        finally
        {
            response.Close();
        }
    }

    private async Task<JsonObject> ReviewAsync(string token, string[] audiences)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _kubernetesIssuer,
            IssuerSigningKey = _issuer.PublicKey,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateAudience = audiences.Length > 0,
            ValidAudiences = audiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
        };
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new JsonObject { ["authenticated"] = false, ["user"] = new JsonObject(), ["error"] = "[invalid bearer token, token could not be validated]" };
        }

        var tokenAudiences = jwt.Audiences.ToArray();
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var uid = payload?["kubernetes.io"]?["serviceaccount"]?["uid"]?.GetValue<string>()
            ?? payload?["kubernetes.io/serviceaccount/service-account.uid"]?.GetValue<string>()
            ?? "";
        return new JsonObject
        {
            ["authenticated"] = true,
            ["user"] = new JsonObject
            {
                ["username"] = jwt.Subject,
                ["uid"] = uid,
                ["groups"] = new JsonArray("system:serviceaccounts", "system:authenticated"),
            },
            ["audiences"] = new JsonArray(tokenAudiences.Select(a => (JsonNode?)a).ToArray()),
        };
    }
}
