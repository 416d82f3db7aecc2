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

    /// <summary>
    /// The build this run's parallel suites share with other runs of the same command made at the same time
    /// (rehearse's two sides): the scenario project is built once for all of them, never twice at once. Null:
    /// its own build. A run of one <c>dotnet test</c> (<see cref="Parallel"/> 1) builds in it, as before; its
    /// caller runs such runs one after another.
    /// </summary>
    public SharedBuild? Build { get; init; }

    /// <summary>A name for this run in progress lines when several runs print at once (e.g. <c>baseline</c>); null for none.</summary>
    public string? Label { get; init; }
}

/// <summary>One build of the scenario project for several runs at once: the first run starts it, the others await the same build.</summary>
internal sealed class SharedBuild
{
    private readonly Lock _gate = new();
    private Task<int>? _build;

    /// <summary>The build's exit code: <paramref name="build"/> runs on the first call only.</summary>
    /// <param name="build">Builds the project and returns dotnet build's exit code.</param>
    public Task<int> RunOnceAsync(Func<Task<int>> build)
    {
        lock (_gate)
        {
            return _build ??= build();
        }
    }
}
