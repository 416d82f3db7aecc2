namespace Sandbox.Cli.Drills;

/// <summary>One run of the scenario suites through <c>dotnet test</c>, as a verb asked for it.</summary>
/// <param name="Command">How the report names the run, e.g. <c>drill all</c>.</param>
/// <param name="Filter">The <c>dotnet test --filter</c> expression.</param>
/// <param name="Runtime">process, docker, k3d or auto.</param>
/// <param name="ReportDirectory">The report folder, or <see langword="null"/> for a new one under <c>.sandbox-reports/</c>.</param>
/// <param name="Denylist">A user's denylist file added to the built-in one, or <see langword="null"/>.</param>
internal sealed record ScenarioRunRequest(string Command, string Filter, string Runtime, string? ReportDirectory, string? Denylist)
{
    /// <summary>Extra variables for the test process (the chaos seed and rounds).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The chaos seed, for the report.</summary>
    public int? Seed { get; init; }

    /// <summary>The printed chaos plan, for the report.</summary>
    public string? ChaosPlan { get; init; }

    /// <summary>
    /// The NUnit categories the filter selects, one per independent suite; with <see cref="Parallel"/> above 1
    /// and more than one of them, each runs in its own <c>dotnet test</c> process (and so its own sandboxes,
    /// canary and report part). Empty: one process for the whole filter.
    /// </summary>
    public IReadOnlyList<string> Suites { get; init; } = [];

    /// <summary>How many suites run at once. The default value is 1.</summary>
    public int Parallel { get; init; } = 1;
}
