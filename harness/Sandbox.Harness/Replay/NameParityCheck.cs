using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay.Internal;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Replay;

/// <summary>
/// The behavioural check of the names: the <c>&lt;app&gt;</c> runtime identity can read its own
/// config (and database credentials) and nothing of another app; the CI identity
/// <c>gitea_cicd_&lt;app&gt;</c> gets <c>&lt;app&gt;-ops</c> and can write its own config; expired,
/// wrong-audience and wrong-claim CI tokens are refused. Used by <c>sandbox replay --check</c>'s
/// parity mode and by the scenario suite "name parity". It writes to the sandbox only what a
/// probe needs (a same-value write of the app's own config; a temporary <c>kubernetes_host</c>,
/// restored afterwards) and revokes every token and lease it obtains.
/// </summary>
internal sealed class NameParityCheck
{
    private const int ImpossibleVersion = 999_999_999;

    private readonly VaultClient _root;
    private readonly SandboxGuard _guard;
    private readonly ILogger _logger;

    /// <summary>Creates the check.</summary>
    /// <param name="root">A client with the sandbox's root token (to create stand-in tokens, read back values, revoke).</param>
    /// <param name="guard">The production guard (checks the temporary <c>kubernetes_host</c>).</param>
    /// <param name="logger">Probe lines (who, path, expected, actual); never tokens.</param>
    public NameParityCheck(VaultClient root, SandboxGuard guard, ILogger<NameParityCheck>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(guard);
        _root = root;
        _guard = guard;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Runs every probe for every app.</summary>
    /// <param name="topology">The replayed topology.</param>
    /// <param name="options">Which parts were replayed, and the sandbox issuer.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Every probe with its outcome.</returns>
    public async Task<NameParityResult> RunAsync(TopologySpec topology, NameParityOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(options);
        var plan = TopologyPlan.From(topology);
        var probes = new List<ParityProbe>();
        var notes = new List<string>();
        var slugs = (options.Apps ?? topology.Apps.Select(a => a.Slug).ToArray()).ToArray();
        var useKubernetes = options.Parts.HasFlag(ReplayParts.KubernetesAuth) && (options.Issuer is not null || options.ServiceAccountTokens is not null);
        var useJwt = options.Parts.HasFlag(ReplayParts.JwtAuth) && options.Issuer is not null;
        var useDatabase = options.Parts.HasFlag(ReplayParts.Database);
        if (!useKubernetes)
        {
            notes.Add("runtime identity: a token created with the <app> role's policies stands in for a Kubernetes login (no Kubernetes auth input or issuer)");
        }

        if (!useJwt)
        {
            notes.Add("CI identity: a token created with the gitea_cicd_<app> role's policies stands in for a JWT login; bad tokens not tried (no JWT auth input or issuer)");
        }

        if (!useDatabase)
        {
            notes.Add($"{plan.DatabaseConnection.Mount}/creds/<app> reads not tried for the app itself (no database part); other apps' creds are still probed for denial");
        }

        TokenReviewServer? reviewer = null;
        KubernetesAuthConfig? previousConfig = null;
        try
        {
            if (useKubernetes && options.ServiceAccountTokens is not null)
            {
                notes.Add("service-account tokens issued by the cluster's API server, which Vault's Kubernetes auth reviews them with; kubernetes_host left as replay wrote it");
            }
            else if (useKubernetes)
            {
                reviewer = TokenReviewServer.Start(options.Issuer!);
                var host = reviewer.Address.ToString().TrimEnd('/');
                // The config guard, as for replay: the stand-in this check just started is the only endpoint allowed.
                _guard.Ensure(_guard.CheckVaultDialled(host, VaultDialledValue.Url, new Guard.Internal.SandboxEndpointSet().Add(reviewer.Address, "the check's TokenReview stand-in"), TopologyReplayer.GuardCaller));
                previousConfig = await _root.KubernetesReadConfigAsync(topology.Kubernetes.Path, cancellationToken).ConfigureAwait(false);
                await _root.KubernetesWriteConfigAsync(topology.Kubernetes.Path, (previousConfig ?? new KubernetesAuthConfig()) with { KubernetesHost = host, KubernetesCaCert = reviewer.CaCertificatePem, DisableLocalCaJwt = true, TokenReviewerJwt = null }, cancellationToken).ConfigureAwait(false);
                notes.Add($"kubernetes_host pointed at the check's own TokenReview stand-in {host} during the check, then restored");
            }

            for (var i = 0; i < slugs.Length; i++)
            {
                var app = topology.Apps.FirstOrDefault(a => a.Slug == slugs[i]) ?? throw new ArgumentException($"the topology has no app '{slugs[i]}'", nameof(options));
                var other = slugs.Length > 1 ? slugs[(i + 1) % slugs.Length] : "sandbox-probe-other-app";
                var otherApp = topology.Apps.FirstOrDefault(a => a.Slug == other);
                await RuntimeProbesAsync(topology, plan, app, other, otherApp, useKubernetes, useDatabase, options, probes, notes, cancellationToken).ConfigureAwait(false);
                await CiProbesAsync(topology, plan, app, other, useJwt, options, probes, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (reviewer is not null)
            {
                if (previousConfig is not null)
                {
                    await _root.KubernetesWriteConfigAsync(topology.Kubernetes.Path, previousConfig with { TokenReviewerJwt = null }, CancellationToken.None).ConfigureAwait(false);
                }

                await reviewer.DisposeAsync().ConfigureAwait(false);
            }
        }

        return new NameParityResult(probes, notes);
    }

    private static async Task<string?> ServiceAccountTokenAsync(NameParityOptions options, ServiceAccountIdentity account, TopologySpec topology, CancellationToken cancellationToken) =>
        options.ServiceAccountTokens is { } tokens
            ? await tokens(account, cancellationToken).ConfigureAwait(false)
            : options.Issuer!.MintServiceAccountToken(account, audience: topology.Kubernetes.Audience);

    private async Task RuntimeProbesAsync(TopologySpec topology, TopologyPlan plan, AppSpec app, string other, AppSpec? otherApp, bool useKubernetes,
        bool useDatabase, NameParityOptions options, List<ParityProbe> probes, List<string> notes, CancellationToken cancellationToken)
    {
        var kv = topology.KvMount;
        var db = plan.DatabaseConnection.Mount;
        var role = app.KubernetesRole;
        string who;
        VaultClient? client;
        if (useKubernetes)
        {
            who = $"kubernetes role {role.Name}";
            var account = new ServiceAccountIdentity(app.Namespace, app.ServiceAccount);
            var jwt = await ServiceAccountTokenAsync(options, account, topology, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The cluster has no ServiceAccount {account.Namespace}/{account.Name} (app '{app.Slug}' of the topology): were the apps' objects applied?");
            (client, var login) = await LoginAsync(who, $"auth/{topology.Kubernetes.Path}/login", role.Policies,
                ct => _root.WithToken(null).KubernetesLoginAsync(topology.Kubernetes.Path, role.Name, jwt, ct), cancellationToken).ConfigureAwait(false);
            probes.Add(Log(login));

            // Another app's service account must not log in as this app's role.
            var foreign = new ServiceAccountIdentity(otherApp?.Namespace ?? other, otherApp?.ServiceAccount ?? other);
            if (await ServiceAccountTokenAsync(options, foreign, topology, cancellationToken).ConfigureAwait(false) is { } foreignJwt)
            {
                var (foreignClient, foreignLogin) = await LoginAsync($"service account {foreign.Namespace}/{foreign.Name} as kubernetes role {role.Name}", $"auth/{topology.Kubernetes.Path}/login",
                    role.Policies, ct => _root.WithToken(null).KubernetesLoginAsync(topology.Kubernetes.Path, role.Name, foreignJwt, ct), cancellationToken).ConfigureAwait(false);
                probes.Add(Log(foreignLogin with { Expected = ProbeAccess.Denied }));
                await RevokeAsync(foreignClient).ConfigureAwait(false);
            }
            else
            {
                notes.Add($"service account {foreign.Namespace}/{foreign.Name} as kubernetes role {role.Name}: not tried (the cluster has no such ServiceAccount to issue a token for)");
            }
        }
        else
        {
            who = $"token with policies of kubernetes role {role.Name}";
            client = await StandInAsync(role.Policies, cancellationToken).ConfigureAwait(false);
        }

        if (client is null)
        {
            return;
        }

        try
        {
            probes.Add(Log(await ReadKvAsync(client, who, kv, $"{app.Slug}/config", ProbeAccess.Granted, cancellationToken).ConfigureAwait(false)));
            if (useDatabase)
            {
                probes.Add(Log(await ReadCredsAsync(client, who, db, app.Slug, ProbeAccess.Granted, cancellationToken).ConfigureAwait(false)));
            }

            probes.Add(Log(await WriteKvProbeAsync(client, who, kv, $"{app.Slug}/config", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await ReadKvAsync(client, who, kv, $"{other}/config", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await ListKvAsync(client, who, kv, other + "/", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await ReadCredsAsync(client, who, db, other, ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await WriteKvProbeAsync(client, who, kv, $"{other}/config", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
        }
        finally
        {
            await RevokeAsync(client).ConfigureAwait(false);
        }
    }

    private async Task CiProbesAsync(TopologySpec topology, TopologyPlan plan, AppSpec app, string other, bool useJwt, NameParityOptions options,
        List<ParityProbe> probes, CancellationToken cancellationToken)
    {
        var kv = topology.KvMount;
        var role = app.JwtRole;
        string who;
        VaultClient? client;
        if (useJwt)
        {
            who = $"jwt role {role.Name}";
            var claims = GiteaClaimsFor(plan.JwtRoles.Single(r => r.Name == role.Name));
            var jwt = options.Issuer!.MintGiteaToken(claims);
            (client, var login) = await LoginAsync(who, $"auth/{topology.Jwt.Path}/login", role.Policies,
                ct => _root.WithToken(null).JwtLoginAsync(topology.Jwt.Path, role.Name, jwt, ct), cancellationToken).ConfigureAwait(false);
            probes.Add(Log(login));
            foreach (var kind in new[] { BadTokenKind.Expired, BadTokenKind.WrongAudience, BadTokenKind.WrongBoundClaim })
            {
                var bad = options.Issuer.MintBadToken(kind, claims);
                var (badClient, badLogin) = await LoginAsync($"jwt role {role.Name} ({Words(kind)} token)", $"auth/{topology.Jwt.Path}/login", role.Policies,
                    ct => _root.WithToken(null).JwtLoginAsync(topology.Jwt.Path, role.Name, bad, ct), cancellationToken).ConfigureAwait(false);
                probes.Add(Log(badLogin with { Expected = ProbeAccess.Denied }));
                await RevokeAsync(badClient).ConfigureAwait(false);
            }
        }
        else
        {
            who = $"token with policies of jwt role {role.Name}";
            client = await StandInAsync(role.Policies, cancellationToken).ConfigureAwait(false);
        }

        if (client is null)
        {
            return;
        }

        try
        {
            probes.Add(Log(await WriteOwnConfigAsync(client, who, kv, $"{app.Slug}/config", cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await ReadKvAsync(client, who, kv, $"{app.Slug}/config", ProbeAccess.Granted, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await ReadKvAsync(client, who, kv, $"{other}/config", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
            probes.Add(Log(await WriteKvProbeAsync(client, who, kv, $"{other}/config", ProbeAccess.Denied, cancellationToken).ConfigureAwait(false)));
        }
        finally
        {
            await RevokeAsync(client).ConfigureAwait(false);
        }
    }

    private static string Words(BadTokenKind kind) => kind switch
    {
        BadTokenKind.Expired => "expired",
        BadTokenKind.WrongAudience => "wrong-audience",
        BadTokenKind.WrongBoundClaim => "wrong-claim",
        _ => kind.ToString(),
    };

    private static GiteaActionsClaims GiteaClaimsFor(JwtRoleState role)
    {
        string? First(string claim) => role.BoundClaims.TryGetValue(claim, out var v) && v.Count > 0 ? v[0] : null;
        var repository = First("repository") ?? "sandbox/app";
        var claims = new GiteaActionsClaims(repository)
        {
            Audience = role.BoundAudiences.Count > 0 ? role.BoundAudiences[0] : "vault",
            Subject = role.BoundSubject,
        };
        return First("ref") is { } gitRef ? claims with { Ref = gitRef } : claims;
    }

    private ParityProbe Log(ParityProbe probe)
    {
        ReplayLog.Probe(_logger, probe.Who, probe.Path, probe.Expected, probe.Actual);
        return probe;
    }

    private async Task<VaultClient> StandInAsync(IReadOnlyList<string> policies, CancellationToken cancellationToken)
    {
        var auth = await _root.CreateTokenAsync(new TokenCreateRequest { Policies = policies, Ttl = TimeSpan.FromMinutes(10), DisplayName = "name-parity" }, cancellationToken).ConfigureAwait(false);
        return _root.WithToken(auth.ClientToken);
    }

    private static async Task<(VaultClient? Client, ParityProbe Probe)> LoginAsync(string who, string path, IReadOnlyList<string> expectedPolicies,
        Func<CancellationToken, Task<VaultAuthInfo>> login, VaultClient root, CancellationToken cancellationToken)
    {
        try
        {
            var auth = await login(cancellationToken).ConfigureAwait(false);
            var client = root.WithToken(auth.ClientToken);
            var missing = expectedPolicies.Except(auth.Policies, StringComparer.Ordinal).ToArray();
            return missing.Length == 0
                ? (client, new ParityProbe(who, "login", path, ProbeAccess.Granted, ProbeAccess.Granted, $"policies [{string.Join(", ", auth.Policies)}]"))
                : (client, new ParityProbe(who, "login", path, ProbeAccess.Granted, ProbeAccess.Error, $"logged in without [{string.Join(", ", missing)}]; got [{string.Join(", ", auth.Policies)}]"));
        }
        catch (VaultApiException e) when ((int)e.StatusCode is >= 400 and < 500)
        {
            return (null, new ParityProbe(who, "login", path, ProbeAccess.Granted, ProbeAccess.Denied, $"{(int)e.StatusCode} {Flatten(e)}"));
        }
        catch (VaultApiException e)
        {
            return (null, new ParityProbe(who, "login", path, ProbeAccess.Granted, ProbeAccess.Error, $"{(int)e.StatusCode} {Flatten(e)}"));
        }
    }

    private Task<(VaultClient? Client, ParityProbe Probe)> LoginAsync(string who, string path, IReadOnlyList<string> expectedPolicies,
        Func<CancellationToken, Task<VaultAuthInfo>> login, CancellationToken cancellationToken) =>
        LoginAsync(who, path, expectedPolicies, login, _root, cancellationToken);

    private static string Flatten(VaultApiException e) => string.Join("; ", e.Errors).Replace('\n', ' ').Replace('\t', ' ');

    private static ParityProbe Outcome(string who, string operation, string path, ProbeAccess expected, VaultApiException e) =>
        e.StatusCode == HttpStatusCode.Forbidden
            ? new ParityProbe(who, operation, path, expected, ProbeAccess.Denied, "403")
            : new ParityProbe(who, operation, path, expected, ProbeAccess.Error, $"{(int)e.StatusCode} {Flatten(e)}");

    private static async Task<ParityProbe> ReadKvAsync(VaultClient client, string who, string mount, string path, ProbeAccess expected, CancellationToken cancellationToken)
    {
        var full = $"{mount}/data/{path}";
        try
        {
            var secret = await client.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ParityProbe(who, "read", full, expected, ProbeAccess.Granted, secret is null ? "404 (absent, but allowed)" : "200");
        }
        catch (VaultApiException e)
        {
            return Outcome(who, "read", full, expected, e);
        }
    }

    private static async Task<ParityProbe> ListKvAsync(VaultClient client, string who, string mount, string prefix, ProbeAccess expected, CancellationToken cancellationToken)
    {
        var full = $"{mount}/metadata/{prefix}";
        try
        {
            await client.KvV2ListAsync(mount, prefix, cancellationToken).ConfigureAwait(false);
            return new ParityProbe(who, "list", full, expected, ProbeAccess.Granted, "200 or 404");
        }
        catch (VaultApiException e)
        {
            return Outcome(who, "list", full, expected, e);
        }
    }

    /// <summary>A write that the ACL decides but that never changes data: check-and-set with a version that cannot exist.</summary>
    private static async Task<ParityProbe> WriteKvProbeAsync(VaultClient client, string who, string mount, string path, ProbeAccess expected, CancellationToken cancellationToken)
    {
        var full = $"{mount}/data/{path}";
        try
        {
            await client.KvV2WriteAsync(mount, path, new JsonObject { ["name-parity-probe"] = "1" }, cas: ImpossibleVersion, cancellationToken).ConfigureAwait(false);
            return new ParityProbe(who, "write", full, expected, ProbeAccess.Granted, "200: the write went through");
        }
        catch (VaultApiException e) when (e.HasError("check-and-set"))
        {
            return new ParityProbe(who, "write", full, expected, ProbeAccess.Granted, "allowed by the ACL (stopped by check-and-set, nothing written)");
        }
        catch (VaultApiException e)
        {
            return Outcome(who, "write", full, expected, e);
        }
    }

    /// <summary>A real write of the app's own config, with the values it already has (a new version, same data).</summary>
    private async Task<ParityProbe> WriteOwnConfigAsync(VaultClient client, string who, string mount, string path, CancellationToken cancellationToken)
    {
        var full = $"{mount}/data/{path}";
        var current = await _root.KvV2ReadAsync(mount, path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var data = current?.Data?.DeepClone().AsObject() ?? new JsonObject { ["name-parity-probe"] = "1" };
        try
        {
            var written = await client.KvV2WriteAsync(mount, path, data, cas: current?.Metadata.Version ?? 0, cancellationToken).ConfigureAwait(false);
            return new ParityProbe(who, "write", full, ProbeAccess.Granted, ProbeAccess.Granted, $"200 (version {written.Version}, same values)");
        }
        catch (VaultApiException e) when (e.HasError("check-and-set"))
        {
            return new ParityProbe(who, "write", full, ProbeAccess.Granted, ProbeAccess.Granted, "allowed by the ACL (someone wrote meanwhile; nothing written)");
        }
        catch (VaultApiException e)
        {
            return Outcome(who, "write", full, ProbeAccess.Granted, e);
        }
    }

    private async Task<ParityProbe> ReadCredsAsync(VaultClient client, string who, string mount, string role, ProbeAccess expected, CancellationToken cancellationToken)
    {
        var full = $"{mount}/creds/{role}";
        try
        {
            var creds = await client.DatabaseGetCredentialsAsync(mount, role, cancellationToken).ConfigureAwait(false);
            await _root.RevokeLeaseAsync(creds.LeaseId, CancellationToken.None).ConfigureAwait(false);
            return new ParityProbe(who, "read", full, expected, ProbeAccess.Granted, "200 (lease revoked)");
        }
        catch (VaultApiException e)
        {
            return Outcome(who, "read", full, expected, e);
        }
    }

    private static async Task RevokeAsync(VaultClient? client)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            await client.RevokeSelfAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (VaultApiException)
        {
            // Already gone (expired or revoked): nothing to clean.
        }
    }
}
