using System.Globalization;
using System.Text;

namespace Sandbox.Harness.Replay;

/// <summary>Everything replay looked at, and what it did to each name.</summary>
/// <param name="Changes">One entry per name, in the order replay applied them.</param>
/// <param name="Parts">The parts that were applied.</param>
internal sealed record ReplayResult(IReadOnlyList<ReplayChange> Changes, ReplayParts Parts)
{
    /// <summary>How many names replay wrote (created or updated). 0 means the sandbox already matched.</summary>
    public int ChangeCount => Changes.Count(c => c.IsWrite);

    /// <summary>How many of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The count.</returns>
    public int Count(ReplayChangeKind kind) => Changes.Count(c => c.Kind == kind);

    /// <summary>The one-line summary, e.g. <c>0 changes (31 unchanged, 3 kept)</c>.</summary>
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            foreach (var kind in Enum.GetValues<ReplayChangeKind>())
            {
                var n = Count(kind);
                if (n > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {kind.ToString().ToLowerInvariant()}"));
                }
            }

            var count = ChangeCount;
            return string.Create(CultureInfo.InvariantCulture, $"{count} change{(count == 1 ? "" : "s")} ({string.Join(", ", parts)})");
        }
    }

    /// <summary>The summary, then one line per name that was written, kept or skipped.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder("replay: ").Append(Summary).Append('\n');
        foreach (var change in Changes.Where(c => c.Kind != ReplayChangeKind.Unchanged))
        {
            sb.Append("  ").Append(change).Append('\n');
        }

        return sb.ToString();
    }
}
