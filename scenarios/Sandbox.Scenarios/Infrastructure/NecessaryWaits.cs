using System.Globalization;
using System.Text.Json.Nodes;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// Records the waits a run cannot avoid — sandboxes starting, Vault restarting, leases running
/// out, chaos holds — as JSON lines in <c>raw/waits.jsonl</c>, so the drill can report how much of
/// its wall time was spent waiting on them (the benchmark's denominator).
/// </summary>
public static class NecessaryWaits
{
    private static readonly Lock Gate = new();

    /// <summary>The file, relative to the report folder.</summary>
    public static readonly string FileName = Path.Combine(ScenarioEnvironment.RawFolder, "waits.jsonl");

    /// <summary>Appends one wait.</summary>
    public static void Record(string kind, TimeSpan duration, string scenario)
    {
        var line = new JsonObject
        {
            ["kind"] = kind,
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
