using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Sandbox.Harness.Vault.Internal;

namespace Sandbox.Harness.Vault;

/// <summary>
/// A typed async client for the subset of Vault's HTTP API that Sandbox uses
/// (see <c>docs/vault-client.md</c>). Methods are grouped by area in partial files.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> is passed in so that every request goes through the production
/// guard (<c>SandboxGuard.CreateHttpClient</c>); the client never creates its own.
/// Idempotent reads run through the Polly pipeline <see cref="ReadPipelineName"/>; init, unseal,
/// seal, writes, logins and credential issue are sent exactly once.
/// </remarks>
public sealed partial class VaultClient
{
    /// <summary>The name of the resilience pipeline that retries idempotent reads.</summary>
    internal const string ReadPipelineName = "vault-idempotent-read";

    /// <summary>The name of the resilience pipeline for requests that are never retried.</summary>
    internal const string SingleAttemptPipelineName = "vault-single-attempt";

    /// <summary>The header that carries the Vault token.</summary>
    internal const string TokenHeader = "X-Vault-Token";

    private static readonly ResiliencePropertyKey<string> MethodKey = new("vault.method");
    private static readonly ResiliencePropertyKey<string> PathKey = new("vault.path");

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VaultClientOptions _options;
    private readonly Uri _baseUri;
    private readonly ResiliencePipeline<VaultRawResponse> _readPipeline;
    private readonly ResiliencePipeline<VaultRawResponse> _healthPipeline;
    private readonly ResiliencePipeline<VaultRawResponse> _singlePipeline;

    /// <summary>Creates a client for the Vault at <paramref name="address"/>, with no token.</summary>
    /// <param name="address">The Vault address, for example <c>http://127.0.0.1:8200</c>.</param>
    /// <param name="httpClient">The (guarded) HTTP client to send through; it is not disposed by this client.</param>
    /// <param name="timeProvider">The clock for timeouts and back-off; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where request lines go (method, path, status, timing; never tokens or bodies).</param>
    /// <param name="options">Timeouts and retry limits; <see cref="VaultClientOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The address is not an absolute http(s) URI.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="VaultClientOptions.Validate"/>).</exception>
    internal VaultClient(
        Uri address,
        HttpClient httpClient,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        VaultClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(httpClient);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The Vault address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }

        Address = address;
        _http = httpClient;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _options = options ?? VaultClientOptions.Default;
        _options.Validate();
        var text = address.GetLeftPart(UriPartial.Path);
        _baseUri = new Uri(text.EndsWith('/') ? text : text + "/");
        _readPipeline = BuildRetryingPipeline(ReadPipelineName, retryOnStatus: true);
        _healthPipeline = BuildRetryingPipeline(ReadPipelineName + "-health", retryOnStatus: false);
        _singlePipeline = new ResiliencePipelineBuilder<VaultRawResponse> { Name = SingleAttemptPipelineName, TimeProvider = _time }
            .AddTimeout(new TimeoutStrategyOptions { Name = "vault-request-timeout", Timeout = _options.WriteTimeout })
            .Build();
    }

    private VaultClient(VaultClient other, string? token)
    {
        Address = other.Address;
        _http = other._http;
        _time = other._time;
        _logger = other._logger;
        _options = other._options;
        _baseUri = other._baseUri;
        _readPipeline = other._readPipeline;
        _healthPipeline = other._healthPipeline;
        _singlePipeline = other._singlePipeline;
        Token = token;
    }

    /// <summary>The Vault address this client talks to.</summary>
    public Uri Address { get; }

    /// <summary>The token sent as <c>X-Vault-Token</c>, or null for unauthenticated calls.</summary>
    public string? Token { get; }

    /// <summary>The timeouts and retry limits in use.</summary>
    internal VaultClientOptions Options => _options;

    /// <summary>Returns a new client that shares this one's HTTP client and settings but sends <paramref name="token"/>.</summary>
    /// <param name="token">The Vault token, or null to send none.</param>
    public VaultClient WithToken(string? token) => new(this, string.IsNullOrEmpty(token) ? null : token);

    /// <inheritdoc />
    public override string ToString() => $"VaultClient {{ Address = {Address}, Token = {(Token is null ? "none" : "***")} }}";

    private ResiliencePipeline<VaultRawResponse> BuildRetryingPipeline(string name, bool retryOnStatus)
    {
        var handle = new PredicateBuilder<VaultRawResponse>()
            .Handle<HttpRequestException>(IsTransientConnectionFailure)
            .Handle<TimeoutRejectedException>()
            .Handle<OperationCanceledException>(ex => ex.InnerException is TimeoutException);
        if (retryOnStatus)
        {
            handle = handle.HandleResult(IsTransientStatus);
        }

        var builder = new ResiliencePipelineBuilder<VaultRawResponse> { Name = name, TimeProvider = _time }
            .AddTimeout(new TimeoutStrategyOptions { Name = "vault-read-total-timeout", Timeout = _options.ReadTotalTimeout });
        if (_options.ReadRetryCount > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<VaultRawResponse>
            {
                Name = "vault-read-retry",
                ShouldHandle = handle,
                MaxRetryAttempts = _options.ReadRetryCount,
                Delay = _options.ReadRetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } ex ? Describe(ex) : $"HTTP {args.Outcome.Result?.Code}";
                    Log.Retrying(
                        _logger,
                        args.Context.Properties.GetValue(MethodKey, "?"),
                        args.Context.Properties.GetValue(PathKey, "?"),
                        reason,
                        args.AttemptNumber + 1,
                        (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        return builder
            .AddTimeout(new TimeoutStrategyOptions { Name = "vault-read-attempt-timeout", Timeout = _options.ReadAttemptTimeout })
            .Build();
    }

    /// <summary>
    /// A 5xx answer worth repeating: not 501 (not initialized; permanent) and not 503 "Vault is sealed"
    /// (only an unseal helps). A standby's 503 "node is not active" and a 500/502/504 are retried.
    /// </summary>
    private static bool IsTransientStatus(VaultRawResponse response) =>
        response.Code >= 500 && response.Code != 501 && !(response.Code == 503 && IsSealedBody(response.Body));

    private static bool IsTransientConnectionFailure(HttpRequestException exception) =>
        FindSandboxException(exception) is null;

    private static bool IsSealedBody(byte[] body) =>
        body.Length > 0 && Encoding.UTF8.GetString(body).Contains("Vault is sealed", StringComparison.Ordinal);

    private static SandboxException? FindSandboxException(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SandboxException sandbox)
            {
                return sandbox;
            }
        }

        return null;
    }

    private static string Describe(Exception exception)
    {
        var socket = exception as SocketException ?? exception.InnerException as SocketException;
        return socket is not null ? socket.SocketErrorCode.ToString() : exception.GetType().Name;
    }

    /// <summary>Sends one logical request and returns the complete answer, whatever its status.</summary>
    internal async Task<VaultRawResponse> SendAsync(
        HttpMethod method,
        string path,
        RequestKind kind,
        JsonNode? body = null,
        string? query = null,
        string? contentType = null,
        CancellationToken cancellationToken = default)
    {
        var requestPath = "/v1/" + path;
        var requestUri = new Uri(_baseUri, "v1/" + path + (string.IsNullOrEmpty(query) ? string.Empty : "?" + query));
        var payload = body?.ToJsonString(VaultJson.Options);
        var pipeline = kind switch
        {
            RequestKind.IdempotentRead => _readPipeline,
            RequestKind.HealthProbe => _healthPipeline,
            _ => _singlePipeline,
        };

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(MethodKey, method.Method);
        context.Properties.Set(PathKey, requestPath);
        var attempts = 0;
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                async (ctx, _) =>
                {
                    attempts++;
                    try
                    {
                        var response = await SendOnceAsync(method, requestUri, requestPath, payload, contentType, attempts, ctx.CancellationToken).ConfigureAwait(false);
                        return Outcome.FromResult(response);
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<VaultRawResponse>(ex);
                    }
                },
                context,
                0).ConfigureAwait(false);

            if (outcome.Exception is null)
            {
                return outcome.Result!;
            }

            throw Translate(outcome.Exception, method.Method, requestPath, attempts, cancellationToken);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<VaultRawResponse> SendOnceAsync(
        HttpMethod method, Uri requestUri, string requestPath, string? payload, string? contentType, int attempt, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var request = new HttpRequestMessage(method, requestUri);
        if (Token is not null)
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, Token);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (payload is not null)
        {
            request.Content = new StringContent(payload, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }
        else
        {
            // SocketsHttpHandler silently re-sends a request that has no content when the server
            // closes the connection before answering (up to 3 more times). That would repeat a seal
            // or a credential issue behind our back, so every request carries (empty) content: the
            // retry pipeline above is then the only thing that ever repeats a request.
            request.Content = new ByteArrayContent([]);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var elapsedMs = (long)_time.GetElapsedTime(started).TotalMilliseconds;
        Log.Answered(_logger, method.Method, requestPath, (int)response.StatusCode, elapsedMs, attempt);
        return new VaultRawResponse(response.StatusCode, bytes);
    }

    private Exception Translate(Exception exception, string method, string path, int attempts, CancellationToken cancellationToken)
    {
        if (FindSandboxException(exception) is { } sandbox)
        {
            // A guard refusal (or another deliberate Sandbox error) surfaces as itself.
            ExceptionDispatchInfo.Capture(sandbox).Throw();
        }

        if (cancellationToken.IsCancellationRequested && exception is OperationCanceledException)
        {
            ExceptionDispatchInfo.Capture(exception).Throw();
        }

        switch (exception)
        {
            case TimeoutRejectedException timeout:
                Log.Unreachable(_logger, method, path, Address, "timed out");
                return VaultUnreachableException.TimedOutAfter(Address, method, path, timeout.Timeout, attempts, exception);
            case OperationCanceledException when exception.InnerException is TimeoutException:
                Log.Unreachable(_logger, method, path, Address, "HttpClient.Timeout elapsed");
                return VaultUnreachableException.TimedOutAfter(Address, method, path, _http.Timeout, attempts, exception);
            case OperationCanceledException:
                ExceptionDispatchInfo.Capture(exception).Throw();
                return exception;
            case HttpRequestException or IOException or SocketException:
                Log.Unreachable(_logger, method, path, Address, Describe(exception));
                return VaultUnreachableException.ConnectionFailed(Address, method, path, attempts, exception);
            default:
                ExceptionDispatchInfo.Capture(exception).Throw();
                return exception;
        }
    }
}
