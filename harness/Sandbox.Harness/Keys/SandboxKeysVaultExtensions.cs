using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Keys;

/// <summary>Unsealing a Vault with the shares of a key file.</summary>
internal static class SandboxKeysVaultExtensions
{
    /// <summary>
    /// Submits the key file's shares, one unseal call each (never retried), until Vault reports
    /// unsealed or <see cref="SandboxKeys.UnsealThreshold"/> shares have been sent. Vault keeps
    /// shares from an attempt already under way, so call <see cref="VaultClient.ResetUnsealAsync"/>
    /// first when a stale attempt may be pending.
    /// </summary>
    /// <param name="vault">The client (no token needed).</param>
    /// <param name="keys">The validated key file.</param>
    /// <param name="cancellationToken">Cancels between and during calls.</param>
    /// <returns>The last seal status; <c>Sealed</c> is false on success.</returns>
    /// <exception cref="VaultApiException">Vault refused a share (for example 400 <c>invalid key</c> for another sandbox's key).</exception>
    /// <exception cref="VaultUnreachableException">Vault could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<SealStatus> UnsealWithAsync(this VaultClient vault, SandboxKeys keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(keys);
        var shares = keys.UnsealKeysB64.Count > 0 ? keys.UnsealKeysB64 : keys.UnsealKeysHex;
        if (shares.Count == 0)
        {
            throw new ArgumentException("The key file holds no unseal key.", nameof(keys));
        }

        SealStatus? status = null;
        foreach (var share in shares.Take(Math.Max(1, keys.UnsealThreshold)))
        {
            status = await vault.UnsealAsync(share, cancellationToken).ConfigureAwait(false);
            if (!status.Sealed)
            {
                break;
            }
        }

        return status!;
    }
}
