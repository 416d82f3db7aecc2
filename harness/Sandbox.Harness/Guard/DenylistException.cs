namespace Sandbox.Harness.Guard;

/// <summary>
/// A denylist file is malformed. The guard never falls back to "no denylist": the program stops.
/// </summary>
public sealed class DenylistException : SandboxException
{
    private DenylistException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    /// <summary>A problem at a known place in the file.</summary>
    /// <param name="source">The file (or the name given to <see cref="Denylist.Parse"/>).</param>
    /// <param name="line">1-based line.</param>
    /// <param name="column">1-based column.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="fix">How to fix it.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    internal static DenylistException At(string source, long line, long column, string problem, string fix, Exception? innerException = null) => new(
        $"""
        Invalid denylist {source}:{line}:{column}: {problem}
        Fix: {fix}
        The guard never runs without a denylist; correct the file and run again.
        """,
        innerException);

    /// <summary>The file could not be read at all.</summary>
    /// <param name="path">The path that was given.</param>
    /// <param name="reason">The operating system's reason.</param>
    /// <param name="innerException">The I/O exception.</param>
    internal static DenylistException Unreadable(string path, string reason, Exception? innerException = null) => new(
        $"""
        Cannot read denylist {path}: {reason}
        Fix: pass an existing, readable YAML file with --denylist FILE or SANDBOX_DENYLIST, or neither to use the built-in production denylist.
        """,
        innerException);
}
