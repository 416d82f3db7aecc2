using System.Globalization;
using System.Text.Json;

namespace Sandbox.Cli.Drills;

/// <summary>One line of <c>raw/waits.jsonl</c>: a wait a suite recorded.</summary>
/// <param name="Kind">What was waited on: <c>ttl</c>, <c>restart</c>, <c>hold</c>, <c>sandbox-up</c> ...</param>
/// <param name="Start">When it started (UTC); <see langword="null"/> in lines written before waits carried their start.</param>
/// <param name="Duration">How long it took.</param>
internal readonly record struct RecordedWait(string Kind, DateTimeOffset? Start, TimeSpan Duration);

/// <summary>
/// Reads the recorded waits and measures them. The drill's denominator is the <b>union</b> of the
/// necessary waits' intervals: the wall-clock time during which at least one of them was in progress,
/// in any suite. With suites (and tests) running at once their waits overlap, and their sum would
/// count the same second several times: a run whose waits all overlap perfectly would then report
/// a ratio under 1.
/// </summary>
internal static class RecordedWaits
{
    /// <summary>Parses the lines of a waits file (blank lines skipped).</summary>
    /// <param name="lines">The file's lines.</param>
    /// <param name="file">The file, named in errors.</param>
    /// <returns>Every wait, in file order.</returns>
    /// <exception cref="FormatException">A line is not a wait record; the message names the file and line.</exception>
    public static List<RecordedWait> Parse(IEnumerable<string> lines, string file)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var waits = new List<RecordedWait>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                DateTimeOffset? start = root.TryGetProperty("start", out var s) && s.ValueKind == JsonValueKind.String
                    ? DateTimeOffset.Parse(s.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
                    : null;
                waits.Add(new RecordedWait(root.GetProperty("kind").GetString() ?? "?", start, TimeSpan.FromMilliseconds(root.GetProperty("ms").GetDouble())));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException(
                    $"{file}, line {number.ToString(CultureInfo.InvariantCulture)}: not a wait record ({e.Message}). Each line is one JSON object with \"kind\", \"ms\" and \"start\" (UTC), as the scenario suites write it.",
                    e);
            }
        }

        return waits;
    }

    /// <summary>
    /// The wall-clock time during which at least one of <paramref name="waits"/> was in progress: the
    /// length of the union of their intervals [start, start + duration). A wait without a start cannot
    /// be placed, so it counts in full, on its own.
    /// </summary>
    /// <param name="waits">The waits to measure.</param>
    /// <returns>The union's length; zero for none.</returns>
    public static TimeSpan Union(IEnumerable<RecordedWait> waits)
    {
        ArgumentNullException.ThrowIfNull(waits);
        var unplaced = TimeSpan.Zero;
        var intervals = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        foreach (var wait in waits)
        {
            if (wait.Duration <= TimeSpan.Zero)
            {
                continue;
            }

            if (wait.Start is { } start)
            {
                intervals.Add((start, start + wait.Duration));
            }
            else
            {
                unplaced += wait.Duration;
            }
        }

        var total = unplaced;
        DateTimeOffset? openStart = null;
        var openEnd = DateTimeOffset.MinValue;
        foreach (var (start, end) in intervals.OrderBy(i => i.Start))
        {
            if (openStart is null || start > openEnd)
            {
                if (openStart is { } closed)
                {
                    total += openEnd - closed;
                }

                openStart = start;
                openEnd = end;
            }
            else if (end > openEnd)
            {
                openEnd = end;
            }
        }

        if (openStart is { } last)
        {
            total += openEnd - last;
        }

        return total;
    }
}
