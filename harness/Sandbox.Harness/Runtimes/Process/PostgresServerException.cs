namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// A throw-away PostgreSQL cluster could not be found, created, started or stopped.
/// The message names the binary, its exit code and the last lines of its log; never a password.
/// </summary>
internal sealed class PostgresServerException : SandboxException
{
    private PostgresServerException(string message, ExitCode exitCode, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    /// <inheritdoc />
    public override ExitCode ExitCode { get; }

    internal static PostgresServerException BinariesNotFound(string searched) => new(
        $"""
        Could not find the PostgreSQL server binaries (initdb, pg_ctl) on PATH or in {searched}.
        Install them (Debian: apt-get install postgresql-15), or put their bin folder on PATH,
        or use --runtime docker.
        """,
        ExitCode.PreflightFailed);

    internal static PostgresServerException CommandFailed(string binary, int exitCode, string output) => new(
        $"""
        '{binary}' failed with exit code {exitCode}.
        Last lines of its output:
        {output}
        Check the folder is writable by the user that runs PostgreSQL, and that no other server uses it.
        """,
        ExitCode.RuntimeFailed);

    internal static PostgresServerException NoFreePort(int attempts, string logTail) => new(
        $"""
        PostgreSQL did not start on a free 127.0.0.1 port after {attempts} attempts.
        Last lines of the server log:
        {logTail}
        """,
        ExitCode.RuntimeFailed);

    internal static PostgresServerException NotReady(TimeSpan timeout, string logTail) => new(
        $"""
        PostgreSQL did not accept connections within {timeout.TotalSeconds:0} s.
        Last lines of the server log:
        {logTail}
        """,
        ExitCode.Timeout);

    internal static PostgresServerException FolderNotEmpty(string folder) => new(
        $"The folder '{folder}' for a new PostgreSQL cluster is not empty. Pass a new or empty folder.",
        ExitCode.RuntimeFailed);

    internal static PostgresServerException TemplateLockTimeout(string lockFile, TimeSpan waited) => new(
        $"""
        Waited {waited.TotalSeconds:0} s for another sandbox to finish building the PostgreSQL template cluster (lock {lockFile}).
        If no sandbox is starting, the lock holder died: remove {lockFile} and try again.
        """,
        ExitCode.Timeout);

    internal static PostgresServerException TemplateUnusable(string folder, string problem) => new(
        $"""
        The PostgreSQL template cluster in '{folder}' cannot be used: {problem}.
        Remove that folder (it is a cache; the next sandbox rebuilds it), or check its permissions.
        """,
        ExitCode.RuntimeFailed);
}
