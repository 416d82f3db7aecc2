namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A rehearse change (overlay, policy files, Helm values, a Vault binary or image) or a
/// <c>--rules</c> file that cannot be used. The message names the file, the line and column
/// (0 when the whole file is at fault), the problem and the fix. Nothing has been applied.
/// </summary>
internal sealed class RehearsalChangeException : PositionedInputException
{
    private RehearsalChangeException(string file, int line, int column, string problem, string fix, Exception? inner = null)
        : base(file, line, column, problem, fix, "Nothing was applied.", inner)
    {
    }

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
