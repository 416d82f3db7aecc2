using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Vault.Internal;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault;

/// <summary>The database engine (spec §9). <c>mount</c> is the mount path, for example <c>postgres</c>.</summary>
public sealed partial class VaultClient
{
    /// <summary>Writes a connection (<c>POST &lt;mount&gt;/config/:name</c>). Sent once.</summary>
    /// <returns>Vault's warnings (for example about a literal password in the URL).</returns>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>error creating database object</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> DatabaseWriteConnectionAsync(string mount, string name, DatabaseConnectionConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var body = ToJsonObject(config with { ConnectionDetails = null });
        return SendExpectingNoDataAsync(HttpMethod.Post, VaultPath(RequireName(mount, nameof(mount)), "config", RequireName(name, nameof(name))), RequestKind.SingleAttempt, body, cancellationToken);
    }

    /// <summary>Reads a connection (password removed by Vault); null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<DatabaseConnectionConfig?> DatabaseReadConnectionAsync(string mount, string name, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<DatabaseConnectionConfig>(VaultPath(RequireName(mount, nameof(mount)), "config", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Writes a role (<c>POST &lt;mount&gt;/roles/:name</c>). Sent once.</summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>database name is required</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task DatabaseWriteRoleAsync(string mount, string name, DatabaseRole role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        await SendExpectingNoDataAsync(HttpMethod.Post, VaultPath(RequireName(mount, nameof(mount)), "roles", RequireName(name, nameof(name))), RequestKind.SingleAttempt, ToJsonObject(role), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a role; null when absent. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task<DatabaseRole?> DatabaseReadRoleAsync(string mount, string name, CancellationToken cancellationToken = default)
    {
        var envelope = await ReadEnvelopeOrNullAsync<DatabaseRole>(VaultPath(RequireName(mount, nameof(mount)), "roles", RequireName(name, nameof(name))), cancellationToken).ConfigureAwait(false);
        return envelope?.Data;
    }

    /// <summary>Lists role names; empty when none. Retried on transient failures.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal Task<IReadOnlyList<string>> DatabaseListRolesAsync(string mount, CancellationToken cancellationToken = default) =>
        ListKeysAsync(VaultPath(RequireName(mount, nameof(mount)), "roles") + "/", cancellationToken);

    /// <summary>Deletes a role. Sent once.</summary>
    /// <exception cref="VaultApiException">Vault answered with an error.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal async Task DatabaseDeleteRoleAsync(string mount, string name, CancellationToken cancellationToken = default) =>
        await SendExpectingNoDataAsync(HttpMethod.Delete, VaultPath(RequireName(mount, nameof(mount)), "roles", RequireName(name, nameof(name))), RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Issues credentials (<c>GET &lt;mount&gt;/creds/:role</c>). A GET, but not idempotent (each call
    /// creates a database user and a lease), so it is sent once and never retried.
    /// </summary>
    /// <exception cref="VaultApiException">Vault refused, e.g. 400 <c>unknown role</c> or 500 <c>is not an allowed role</c>.</exception>
    /// <exception cref="VaultSealedException">Vault is sealed.</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<DatabaseCredentials> DatabaseGetCredentialsAsync(string mount, string role, CancellationToken cancellationToken = default)
    {
        var path = VaultPath(RequireName(mount, nameof(mount)), "creds", RequireName(role, nameof(role)));
        var envelope = await SendEnvelopeAsync<CredentialData>(HttpMethod.Get, path, RequestKind.SingleAttempt, null, cancellationToken).ConfigureAwait(false);
        if (envelope.Data is not { Username: { } username, Password: { } password } || string.IsNullOrEmpty(envelope.LeaseId))
        {
            throw VaultApiException.MalformedResponse("GET", "/v1/" + path, HttpStatusCode.OK, "the answer lacks 'lease_id', 'data.username' or 'data.password'");
        }

        return new DatabaseCredentials(envelope.LeaseId, TimeSpan.FromSeconds(envelope.LeaseDuration), envelope.Renewable, username, password);
    }

    private sealed record CredentialData(string? Username, string? Password);
}
