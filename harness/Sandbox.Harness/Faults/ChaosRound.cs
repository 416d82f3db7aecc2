using System.Globalization;

namespace Sandbox.Harness.Faults;

/// <summary>One round of a chaos run: wait in the steady state, inject the fault, hold, recover, check.</summary>
/// <param name="Number">1-based round number.</param>
/// <param name="Fault">The fault to inject.</param>
/// <param name="WaitSeconds">Seconds of steady state before the fault.</param>
/// <param name="HoldSeconds">Seconds the fault lasts before recovery (see <see cref="FaultCatalog.HoldSecondsRange"/>).</param>
/// <param name="Corruption">How the key file is damaged; only for <see cref="FaultKind.CorruptKeyFile"/>.</param>
internal sealed record ChaosRound(int Number, FaultKind Fault, int WaitSeconds, int HoldSeconds, KeyCorruption? Corruption = null)
{
    /// <summary>The round's printed line, e.g. <c>round 2: seal wait=3s hold=7s</c>.</summary>
    /// <returns>The line, without a line break.</returns>
    public string Describe()
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"round {Number}: {FaultCatalog.NameOf(Fault)} wait={WaitSeconds}s hold={HoldSeconds}s");
        return Corruption is { } c ? $"{line} corruption={FaultCatalog.NameOf(c)}" : line;
    }

    /// <inheritdoc />
    public override string ToString() => Describe();
}
