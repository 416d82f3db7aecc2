using System.Net;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>Secrets engines (<c>sys/mounts</c>) and auth methods (<c>sys/auth</c>), spec §6.</summary>
public sealed partial class VaultClient
{
    /// <summary>
    /// Vault's answer while a freshly enabled kv v2 mount upgrades itself in the background
    /// (vault-plugin-secrets-kv upgrade.go); every versioned path of the mount answers it with 400.
    /// </summary>
    internal const string KvUpgradingMessage = "Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly.";

    /// <summary>The name of the pipeline that waits out a kv v2 mount's upgrade.</summary>
    internal const string KvUpgradePipelineName = "vault-kv-upgrade-wait";

    /// <summary>
    /// Enables a secrets engine at <paramref name="path"/> (<c>POST sys/mounts/:path</c>). Sent once.
    /// For a kv v2 mount it then waits until the mount serves (<see cref="WaitForKvV2ReadyAsync"/>),
    /// so the caller's first write does not meet Vault's upgrade answer.
    /// </summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>path is already in use at kv/</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task EnableSecretsEngineAsync(string path, MountRequest request, CancellationToken cancellationToken = default) =>
        EnableSecretsEngineAsync(path, request, waitForKvV2: true, cancellationToken);

    /// <summary>
    /// Enables a secrets engine; with <paramref name="waitForKvV2"/> false a kv v2 mount is not awaited, and the
    /// caller waits (<see cref="WaitForKvV2ReadyAsync"/>) before its first use, doing other work meanwhile.
    /// </summary>
    /// <param name="path">The mount path (no slashes).</param>
    /// <param name="request">The engine type and its settings.</param>
    /// <param name="waitForKvV2">Whether a kv v2 mount is awaited until it serves.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal async Task EnableSecretsEngineAsync(string path, MountRequest request, bool waitForKvV2, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("sys/mounts", RequireName(path, nameof(path))), RequestKind.SingleAttempt, MountBody(request), cancellationToken).ConfigureAwait(false);
        if (waitForKvV2 && IsKvV2(request))
        {
            await WaitForKvV2ReadyAsync(path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="request"/> enables a kv v2 engine (type <c>kv-v2</c>, or <c>kv</c> with option version 2).</summary>
    /// <param name="request">The mount request.</param>
    private static bool IsKvV2(MountRequest request) =>
        request.Type is "kv-v2" || (request.Type == "kv" && request.Options?.GetValueOrDefault("version") == "2");

    /// <summary>
    /// Polls <c>GET &lt;mount&gt;/config</c> until it answers anything but Vault's kv v2 upgrade
    /// answer (400 <see cref="KvUpgradingMessage"/>), which alone is retried, every
    /// <see cref="VaultClientOptions.KvUpgradePollInterval"/> for up to
    /// <see cref="VaultClientOptions.KvUpgradeTimeout"/>.
    /// </summary>
    /// <param name="mount">The kv v2 mount (no slashes).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>How many upgrade answers were seen (0 when the mount served at once).</returns>
    /// <exception cref="VaultApiException">Vault answered another error, or still the upgrade answer when the time ran out.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<int> WaitForKvV2ReadyAsync(string mount, CancellationToken cancellationToken = default)
    {
        var path = VaultPath(RequireName(mount, nameof(mount)), "config");
        var seen = 0;
        var pipeline = new ResiliencePipelineBuilder { Name = KvUpgradePipelineName, TimeProvider = _time }
            .AddTimeout(new TimeoutStrategyOptions { Name = KvUpgradePipelineName + "-timeout", Timeout = _options.KvUpgradeTimeout })
            .AddRetry(new RetryStrategyOptions
            {
                Name = KvUpgradePipelineName + "-retry",
                ShouldHandle = new PredicateBuilder().Handle<VaultApiException>(IsKvUpgrading),
                MaxRetryAttempts = int.MaxValue,
                Delay = _options.KvUpgradePollInterval,
                BackoffType = DelayBackoffType.Constant,
                OnRetry = _ =>
                {
                    seen++;
                    return default;
                },
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async ct => await ReadEnvelopeOrNullAsync<JsonObject>(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            throw VaultApiException.FromResponse("GET", path, HttpStatusCode.BadRequest,
                [$"{KvUpgradingMessage} (still answered after {_options.KvUpgradeTimeout.TotalSeconds:0} s of polling; raise VaultClientOptions.KvUpgradeTimeout if the mount holds much kv v1 data)"], bodyWasJson: true);
        }

        return seen;
    }

    /// <summary>Whether <paramref name="e"/> is exactly Vault's kv v2 upgrade answer.</summary>
    /// <param name="e">The error.</param>
    internal static bool IsKvUpgrading(VaultApiException e) =>
        e is { StatusCode: HttpStatusCode.BadRequest } && e.Errors.Any(x => string.Equals(x.Trim(), KvUpgradingMessage, StringComparison.Ordinal));

    /// <summary>Lists the secrets engines (<c>GET sys/mounts</c>), keyed by path with its trailing '/'. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<IReadOnlyDictionary<string, MountInfo>> ListSecretsEnginesAsync(CancellationToken cancellationToken = default)
    {
        var envelope = await SendEnvelopeAsync<Dictionary<string, MountInfo>>(HttpMethod.Get, "sys/mounts", RequestKind.IdempotentRead, null, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? [];
    }

    /// <summary>Disables the secrets engine at <paramref name="path"/> (<c>DELETE sys/mounts/:path</c>); succeeds when absent. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task DisableSecretsEngineAsync(string path, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath("sys/mounts", RequireName(path, nameof(path))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Enables an auth method at <paramref name="path"/> (<c>POST sys/auth/:path</c>; needs sudo). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>path is already in use at jwt/</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task EnableAuthMethodAsync(string path, MountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("sys/auth", RequireName(path, nameof(path))), RequestKind.SingleAttempt, MountBody(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the auth methods (<c>GET sys/auth</c>), keyed by path with its trailing '/'. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<IReadOnlyDictionary<string, MountInfo>> ListAuthMethodsAsync(CancellationToken cancellationToken = default)
    {
        var envelope = await SendEnvelopeAsync<Dictionary<string, MountInfo>>(HttpMethod.Get, "sys/auth", RequestKind.IdempotentRead, null, cancellationToken).ConfigureAwait(false);
        return envelope.Data ?? [];
    }

    /// <summary>Disables the auth method at <paramref name="path"/> (<c>DELETE sys/auth/:path</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task DisableAuthMethodAsync(string path, CancellationToken cancellationToken = default) =>
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
