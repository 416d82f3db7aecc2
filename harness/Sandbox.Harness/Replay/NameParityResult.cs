using System.Globalization;
using System.Text;

namespace Sandbox.Harness.Replay;

/// <summary>The outcome of the name parity check.</summary>
/// <param name="Probes">Every probe, in the order run.</param>
/// <param name="Notes">What the check used or could not do (stand-in tokens, a swapped <c>kubernetes_host</c>).</param>
internal sealed record NameParityResult(IReadOnlyList<ParityProbe> Probes, IReadOnlyList<string> Notes)
{
    /// <summary>True when every probe passed (and there was at least one).</summary>
    public bool Passed => Probes.Count > 0 && Probes.All(p => p.Passed);

    /// <summary>The probes that failed.</summary>
    public IReadOnlyList<ParityProbe> Failures => Probes.Where(p => !p.Passed).ToArray();

    /// <summary>A summary line, the notes, then the failures (or every probe when <paramref name="all"/>).</summary>
    /// <param name="all">List passed probes too.</param>
    /// <returns>The text.</returns>
    public string Describe(bool all = false)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"name parity: {(Passed ? "passed" : "FAILED")}, {Probes.Count - Failures.Count}/{Probes.Count} probes as expected").Append('\n');
        foreach (var note in Notes)
        {
            sb.Append("  note: ").Append(note).Append('\n');
        }

        foreach (var probe in all ? Probes : Failures)
        {
            sb.Append("  ").Append(probe).Append('\n');
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();
}
