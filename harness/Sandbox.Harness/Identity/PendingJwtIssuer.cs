using System.Security.Cryptography;

namespace Sandbox.Harness.Identity;

/// <summary>
/// A <see cref="SandboxJwtIssuer"/> whose RSA key is being made on the thread pool while a sandbox's
/// PostgreSQL and Vault start: the replay is the first to need it. Disposing it disposes the issuer
/// once made, for a start that failed or a caller that only needed the key saved.
/// </summary>
internal sealed class PendingJwtIssuer : IAsyncDisposable
{
    private readonly Task<SandboxJwtIssuer> _made;

    /// <summary>Starts making the key.</summary>
    /// <param name="issuer">The <c>iss</c> of the issuer's tokens.</param>
    /// <exception cref="ArgumentException"><paramref name="issuer"/> is empty.</exception>
    public PendingJwtIssuer(string issuer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        _made = Task.Run(() => new SandboxJwtIssuer(issuer), CancellationToken.None);
    }

    /// <summary>The issuer, once its key is made.</summary>
    /// <param name="cancellationToken">Stops waiting (the key is still made, and disposed with this).</param>
    public Task<SandboxJwtIssuer> WaitAsync(CancellationToken cancellationToken) => _made.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        SandboxJwtIssuer made;
        try
        {
            made = await _made.ConfigureAwait(false);
        }
        catch (CryptographicException)
        {
            return; // no key was made: nothing to dispose, and the caller's own error is the one to report
        }

        made.Dispose();
    }
}
