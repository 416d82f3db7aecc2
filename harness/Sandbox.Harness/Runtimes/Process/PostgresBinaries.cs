namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// The outcome of looking for the PostgreSQL server binaries: either the folder that holds
/// <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>, or a preflight problem in words.
/// </summary>
/// <param name="BinDirectory">The folder with the binaries, or null when they were not found.</param>
/// <param name="Problem">What is missing and where it was looked for, or null when found.</param>
internal sealed record PostgresBinaries(string? BinDirectory, string? Problem)
{
    /// <summary>True when the binaries were found and can be run.</summary>
    public bool Found => BinDirectory is not null && Problem is null;
}
