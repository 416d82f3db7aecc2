namespace Sandbox.Harness.Faults;

/// <summary>A chaos plan could not be made or read (bad rounds, unknown fault, malformed printed plan).</summary>
internal sealed class ChaosPlanException : SandboxException
{
    private ChaosPlanException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    internal static ChaosPlanException BadRounds(int rounds) => new(
        $"""
        A chaos run needs 1 to {ChaosPlan.MaxRounds} rounds; got {rounds}.
        Pass --rounds with a value in that range.
        """);

    internal static ChaosPlanException NoFaults() => new(
        $"""
        A chaos run needs at least one fault to choose from; the list was empty.
        Name faults from: {FaultCatalog.Known}.
        """);

    internal static ChaosPlanException UnknownFault(string name) => new(
        $"""
        Unknown fault '{name}'.
        Known faults: {FaultCatalog.Known}.
        """);

    internal static ChaosPlanException Malformed(string source, int line, string text, string expected) => new(
        $"""
        {source}, line {line}: cannot read '{text}'.
        Expected {expected}
        Print a plan with 'sandbox chaos --seed N --rounds K' and replay that text unchanged (lines starting with '#' are ignored).
        """);
}
