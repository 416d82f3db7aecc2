namespace Sandbox.Harness;

/// <summary>
/// The one shape of a message about bad input at a place in a file, shared by the exceptions that
/// point into one (topology, OpenTofu, policy, rehearse change): <c>file:line:column: problem</c>, then
/// <c>Fix: fix</c> on the next line. Line and column are 1-based, 0 when the whole file is at fault.
/// </summary>
internal static class PositionedMessage
{
    /// <summary>Formats the message.</summary>
    /// <param name="file">The file (or option, or name) at fault.</param>
    /// <param name="line">The 1-based line, 0 when the whole file is at fault.</param>
    /// <param name="column">The 1-based column, 0 when the whole file is at fault.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="fix">What to change.</param>
    /// <returns><c>file:line:column: problem</c>, a new line, <c>Fix: fix</c>.</returns>
    public static string Format(string file, int line, int column, string problem, string fix) =>
        $"{file}:{line}:{column}: {problem}{Environment.NewLine}Fix: {fix}";
}
