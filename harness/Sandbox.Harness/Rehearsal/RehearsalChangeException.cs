namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A rehearse change (overlay, policy files, Helm values, a Vault binary or image) or a
/// <c>--rules</c> file that cannot be used. The message names the file, the line and column
/// (0 when the whole file is at fault), the problem and the fix. Nothing has been applied.
/// </summary>
internal sealed class RehearsalChangeException : SandboxException
{
    private RehearsalChangeException(string file, int line, int column, string problem, string fix, Exception? inner = null)
        : base(PositionedMessage.Format(file, line, column, problem, fix) + Environment.NewLine + "Nothing was applied.", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
        Fix = fix;
    }

    /// <summary>The file at fault (or the option, such as <c>--vault-binary</c>).</summary>
    public string File { get; }

    /// <summary>The 1-based line, 0 when the whole file is at fault.</summary>
    public int Line { get; }

    /// <summary>The 1-based column, 0 when the whole file is at fault.</summary>
    public int Column { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>What to change.</summary>
    public string Fix { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    internal static RehearsalChangeException At(string file, int line, int column, string problem, string fix, Exception? inner = null) =>
        new(file, line, column, problem, fix, inner);

    internal static RehearsalChangeException Missing(string file, string what) =>
        new(file, 0, 0, $"the {what} does not exist", "check the path (relative paths start at the current directory).");

    internal static RehearsalChangeException NoChange() =>
        new("--change", 0, 0, "no change to rehearse",
            "give --change FILE|DIR (a topology overlay, policy files or Helm values) and/or --vault-binary PATH / --vault-image IMAGE.");

    internal static RehearsalChangeException UnknownKind(string file) =>
        new(file, 0, 0, "not a change Sandbox can rehearse",
            "give a topology overlay (.yaml/.yml), policy files (.hcl, or a directory of them), or Helm values (a file named values.yaml or *-values.yaml).");

    internal static RehearsalChangeException Option(string option, string value, string problem, string fix) =>
        new(option, 0, 0, $"{option} \"{value}\": {problem}", fix);
}
