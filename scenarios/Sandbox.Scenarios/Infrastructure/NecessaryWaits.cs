using System.Globalization;
using System.Text.Json.Nodes;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// Records the waits a run cannot avoid — sandboxes starting, Vault restarting, leases running
/// out, chaos holds — as JSON lines in <c>raw/waits.jsonl</c>, so the drill can report how much of
/// its wall time was spent waiting on them (the benchmark's denominator). Each line carries when the
/// wait started (UTC, to the millisecond) as well as how long it took: suites run at once, in one
/// process or several, and the drill counts the time during which at least one wait was in progress,
/// which needs the intervals, not only their lengths.
/// </summary>
public static class NecessaryWaits
{
    private static readonly Lock Gate = new();

    /// <summary>The file, relative to the report folder.</summary>
    public static readonly string FileName = Path.Combine(ScenarioEnvironment.RawFolder, "waits.jsonl");

    /// <summary>Appends one wait that has just ended (it started <paramref name="duration"/> ago).</summary>
    public static void Record(string kind, TimeSpan duration, string scenario)
    {
        var start = TimeProvider.System.GetUtcNow() - duration;
        var line = new JsonObject
        {
            ["kind"] = kind,
            ["start"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["ms"] = Math.Round(duration.TotalMilliseconds, 1),
            ["scenario"] = scenario,
        }.ToJsonString();
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(ScenarioEnvironment.Current.ReportDirectory, FileName), line + "\n");
        }
    }

    /// <summary>Times <paramref name="action"/> and records it.</summary>
    public static async Task<T> TimeAsync<T>(string kind, string scenario, Func<Task<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var start = TimeProvider.System.GetTimestamp();
        try
        {
            return await action();
        }
        finally
        {
            Record(kind, TimeProvider.System.GetElapsedTime(start), scenario);
        }
    }

    /// <summary>Times <paramref name="action"/> and records it.</summary>
    public static Task TimeAsync(string kind, string scenario, Func<Task> action) =>
        TimeAsync(kind, scenario, async () =>
        {
            await action();
            return 0;
        });

    /// <summary>A readable figure for logs.</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
