namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// A throw-away PostgreSQL cluster could not be found, created, started or stopped.
/// Messages name the binary, its exit code and the last lines of the server log; they never
/// carry the superuser password.
/// </summary>
public sealed class PostgresServerException : SandboxException
{
    private PostgresServerException(ExitCode exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <inheritdoc />
    public override ExitCode ExitCode { get; }

    /// <summary>The PostgreSQL server binaries (or what running them needs) are missing.</summary>
    /// <param name="problem">What is missing and where it was looked for.</param>
    public static PostgresServerException Preflight(string problem) => new(
        ExitCode.PreflightFailed,
        $"""
        PostgreSQL server binaries are not usable: {problem}
        Install them (Debian/Ubuntu: apt-get install -y postgresql), or put the folder holding initdb, pg_ctl and postgres on PATH.
        """);

    /// <summary>The folder for the cluster already holds files that are not a cluster made by Sandbox.</summary>
    /// <param name="folder">The folder.</param>
    public static PostgresServerException FolderNotEmpty(string folder) => new(
        ExitCode.RuntimeFailed,
        $"""
        The folder '{folder}' for a throw-away PostgreSQL cluster is not empty.
        Give an empty or missing folder; Sandbox never initialises a cluster over existing files.
        """);

    /// <summary>A PostgreSQL tool exited with an error.</summary>
    /// <param name="binary">The binary that failed (full path).</param>
    /// <param name="action">What it was asked to do (for example <c>initialise the cluster</c>).</param>
    /// <param name="exitCode">Its exit code.</param>
    /// <param name="output">The last lines of its stdout/stderr (already free of secrets).</param>
    /// <param name="logTail">The last lines of the server log (already redacted).</param>
    public static PostgresServerException CommandFailed(string binary, string action, int exitCode, string output, string logTail) => new(
        ExitCode.RuntimeFailed,
        $"""
        '{binary}' failed to {action} (exit code {exitCode}).
        Its output ended with:
        {Indent(output)}
        The server log ended with:
        {Indent(logTail)}
        Check the lines above; the full server log stays in the cluster folder until the sandbox is removed.
        """);

    /// <summary>The server did not accept a password login in time.</summary>
    /// <param name="address">host:port that was tried.</param>
    /// <param name="timeout">How long it was given.</param>
    /// <param name="lastError">The last connection error (no secrets).</param>
    /// <param name="logTail">The last lines of the server log (already redacted).</param>
    /// <param name="innerException">The last connection exception.</param>
    public static PostgresServerException NotReady(string address, TimeSpan timeout, string lastError, string logTail, Exception? innerException) => new(
        ExitCode.RuntimeFailed,
        $"""
        PostgreSQL at {address} did not accept a login within {timeout.TotalSeconds:0} s; last error: {lastError}
        The server log ended with:
        {Indent(logTail)}
        The machine may be overloaded; retry, or read the server log for the cause.
        """,
        innerException);

    private static string Indent(string text)
        => string.IsNullOrWhiteSpace(text) ? "    (empty)" : string.Join('\n', text.Split('\n').Select(l => "    " + l));
}
