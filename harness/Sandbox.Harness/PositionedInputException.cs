namespace Sandbox.Harness;

/// <summary>
/// Bad input at a place in a file (or an option, or a directory when no single file is at fault): the
/// message is <see cref="PositionedMessage"/>'s <c>file:line:column: problem</c> and <c>Fix: fix</c>, and
/// the CLI exits <see cref="ExitCode.InvalidInput"/>. <see cref="Topology.TopologyException"/> has the same
/// members but is public API, so it does not derive from this internal base.
/// </summary>
internal abstract class PositionedInputException : SandboxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file at fault.</param>
    /// <param name="line">The 1-based line, 0 when the whole file is at fault.</param>
    /// <param name="column">The 1-based column, 0 when the whole file is at fault.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="fix">What to change.</param>
    /// <param name="lastLine">A line that follows the fix, or null.</param>
    /// <param name="inner">The cause, or null.</param>
    private protected PositionedInputException(string file, int line, int column, string problem, string fix, string? lastLine = null, Exception? inner = null)
        : base(PositionedMessage.Format(file, line, column, problem, fix) + (lastLine is null ? "" : Environment.NewLine + lastLine), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
        Fix = fix;
    }

    /// <summary>The file at fault (a directory or an option when no single file is).</summary>
    public string File { get; }

    /// <summary>The 1-based line (0 when the whole file is at fault).</summary>
    public int Line { get; }

    /// <summary>The 1-based column (0 when the whole file is at fault).</summary>
    public int Column { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>What to change.</summary>
    public string Fix { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;
}
