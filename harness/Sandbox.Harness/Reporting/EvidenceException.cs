namespace Sandbox.Harness.Reporting;

/// <summary>The evidence pack could not be read or written (a broken scenario file, an unwritable report folder).</summary>
internal sealed class EvidenceException : SandboxException
{
    private EvidenceException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    internal static EvidenceException UnreadableScenario(string path, string reason, Exception? inner = null) => new(
        $"""
        Could not read the scenario result '{path}': {reason}
        It should be a file written by EvidenceWriter. Delete it, or re-run the scenario that wrote it.
        """,
        inner);

    internal static EvidenceException MissingLog(string what, string path) => new(
        $"""
        The {what} to copy into the evidence pack does not exist: '{path}'.
        Pass the path the run actually wrote, or leave it out.
        """);

    internal static EvidenceException NotADirectory(string path) => new(
        $"""
        The report folder '{path}' exists and is not a folder.
        Choose another --report DIR (or SANDBOX_REPORT_DIR).
        """);
}
