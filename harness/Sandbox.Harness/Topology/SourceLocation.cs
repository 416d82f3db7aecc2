namespace Sandbox.Harness.Topology;

/// <summary>Where a topology element was written: file and 1-based line and column.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">The line.</param>
/// <param name="Column">The column.</param>
internal sealed record SourceLocation(string File, int Line, int Column)
{
    /// <summary><c>file:line:column</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
