namespace Sandbox.Harness.Vault;

/// <summary>
/// The client could not get an answer from Vault: the connection was refused or reset,
/// the name did not resolve, or the request ran out of time.
/// </summary>
public sealed class VaultUnreachableException : SandboxException
{
    private VaultUnreachableException(string message, Uri address, string method, string path, bool timedOut, Exception? inner)
        : base(message, inner)
    {
        Address = address;
        Method = method;
        Path = path;
        TimedOut = timedOut;
    }

    /// <summary>The Vault address the client was configured with.</summary>
    public Uri Address { get; }

    /// <summary>The HTTP method of the request that failed.</summary>
    public string Method { get; }

    /// <summary>The request path (no query, token or body).</summary>
    public string Path { get; }

    /// <summary>True when the request ran out of time rather than failing to connect.</summary>
    public bool TimedOut { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => TimedOut ? ExitCode.Timeout : ExitCode.VaultError;

    internal static VaultUnreachableException ConnectionFailed(Uri address, string method, string path, int attempts, Exception inner) => new(
        $"""
        Could not reach Vault at {address} for {method} {path}{Attempts(attempts)}: {inner.Message}
        Check that the sandbox Vault is running (sandbox status) and listening on that address.
        """,
        address, method, path, timedOut: false, inner);

    internal static VaultUnreachableException TimedOutAfter(Uri address, string method, string path, TimeSpan timeout, int attempts, Exception? inner) => new(
        $"""
        Vault at {address} did not answer {method} {path} within {timeout.TotalSeconds:0.###} s{Attempts(attempts)}.
        Check that the sandbox Vault is running and not stuck (its log is in the run folder); raise VaultClientOptions timeouts only if it is merely slow.
        """,
        address, method, path, timedOut: true, inner);

    private static string Attempts(int attempts) => attempts > 1 ? $" (after {attempts} attempts)" : string.Empty;
}
