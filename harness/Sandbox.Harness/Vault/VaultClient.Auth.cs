using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>
/// JWT auth (spec §11) and Kubernetes auth (spec §12). <c>mount</c> is the auth path without
/// <c>auth/</c>, for example <c>jwt</c> or <c>kubernetes</c>. Logins need no token and are never retried.
/// </summary>
public sealed partial class VaultClient
{
    /// <summary>Writes the JWT method's config (<c>POST auth/&lt;mount&gt;/config</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>exactly one of ... must be set</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task JwtWriteConfigAsync(string mount, JwtAuthConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("auth", RequireName(mount, nameof(mount)), "config"), RequestKind.SingleAttempt, ToJsonObject(config), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the JWT method's config; null when not written. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<JwtAuthConfig?> JwtReadConfigAsync(string mount, CancellationToken cancellationToken = default) =>
        (await ReadEnvelopeOrNullAsync<JwtAuthConfig>(VaultPath("auth", RequireName(mount, nameof(mount)), "config"), cancellationToken).ConfigureAwait(false))?.Data;

    /// <summary>Writes a JWT role (<c>POST auth/&lt;mount&gt;/role/:name</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>must have at least one bound constraint</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task JwtWriteRoleAsync(string mount, string name, JwtRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("auth", RequireName(mount, nameof(mount)), "role", RequireName(name, nameof(name))), RequestKind.SingleAttempt, ToJsonObject(role), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a JWT role; null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<JwtRole?> JwtReadRoleAsync(string mount, string name, CancellationToken cancellationToken = default) =>
        (await ReadEnvelopeOrNullAsync<JwtRole>(VaultPath("auth", RequireName(mount, nameof(mount)), "role", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false))?.Data;

    /// <summary>Lists JWT role names; empty when none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> JwtListRolesAsync(string mount, CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath("auth", RequireName(mount, nameof(mount)), "role") + "/", cancellationToken);

    /// <summary>Logs in with a JWT (<c>POST auth/&lt;mount&gt;/login</c>). Sent once; no token needed.</summary>
    /// <param name="mount">The JWT auth path, for example <c>jwt</c>.</param>
    /// <param name="role">The role to log in as, for example <c>gitea_cicd_app</c>.</param>
    /// <param name="jwt">The signed JWT (secret; never logged).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>error validating token: invalid audience (aud) claim</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<VaultAuthInfo> JwtLoginAsync(string mount, string role, string jwt, CancellationToken cancellationToken = default) =>
        LoginAsync(mount, role, jwt, cancellationToken);

    /// <summary>Writes the Kubernetes method's config (<c>POST auth/&lt;mount&gt;/config</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>no host provided</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task KubernetesWriteConfigAsync(string mount, KubernetesAuthConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("auth", RequireName(mount, nameof(mount)), "config"), RequestKind.SingleAttempt, ToJsonObject(config), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the Kubernetes method's config; null when not written. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<KubernetesAuthConfig?> KubernetesReadConfigAsync(string mount, CancellationToken cancellationToken = default) =>
        (await ReadEnvelopeOrNullAsync<KubernetesAuthConfig>(VaultPath("auth", RequireName(mount, nameof(mount)), "config"), cancellationToken).ConfigureAwait(false))?.Data;

    /// <summary>Writes a Kubernetes role (<c>POST auth/&lt;mount&gt;/role/:name</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>"bound_service_account_names" can not be empty</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task KubernetesWriteRoleAsync(string mount, string name, KubernetesRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath("auth", RequireName(mount, nameof(mount)), "role", RequireName(name, nameof(name))), RequestKind.SingleAttempt, ToJsonObject(role), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a Kubernetes role; null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<KubernetesRole?> KubernetesReadRoleAsync(string mount, string name, CancellationToken cancellationToken = default) =>
        (await ReadEnvelopeOrNullAsync<KubernetesRole>(VaultPath("auth", RequireName(mount, nameof(mount)), "role", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false))?.Data;

    /// <summary>Lists Kubernetes role names; empty when none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> KubernetesListRolesAsync(string mount, CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath("auth", RequireName(mount, nameof(mount)), "role") + "/", cancellationToken);

    /// <summary>Logs in with a service-account JWT (<c>POST auth/&lt;mount&gt;/login</c>). Sent once; no token needed.</summary>
    /// <param name="mount">The Kubernetes auth path, for example <c>kubernetes</c>.</param>
    /// <param name="role">The role, for example the app slug.</param>
    /// <param name="jwt">The service-account JWT (secret; never logged).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="VaultApiException">Vault refused, e.g. 403 <c>permission denied</c> when TokenReview fails.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<VaultAuthInfo> KubernetesLoginAsync(string mount, string role, string jwt, CancellationToken cancellationToken = default) =>
        LoginAsync(mount, role, jwt, cancellationToken);

    private Task<VaultAuthInfo> LoginAsync(string mount, string role, string jwt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(jwt);
        var body = new JsonObject { ["role"] = role, ["jwt"] = jwt };
        return SendForAuthAsync(VaultPath("auth", RequireName(mount, nameof(mount)), "login"), body, cancellationToken);
    }
}
