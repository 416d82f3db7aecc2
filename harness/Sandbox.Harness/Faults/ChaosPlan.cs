using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sandbox.Harness.Faults.Internal;

namespace Sandbox.Harness.Faults;

/// <summary>
/// A seeded, ordered sequence of chaos rounds. The same seed, round count and fault list give
/// the same plan on every machine: the generator is <c>SplitMix64</c>, specified bit for bit,
/// never <see cref="Random"/>. <see cref="Describe"/> prints the plan and <see cref="Parse"/>
/// reads that print back for a replay.
/// </summary>
/// <remarks>
/// Destructive faults (<c>delete-key-file</c>, <c>corrupt-key-file</c>, <c>wipe-storage</c>) are
/// excluded unless the caller names them in <c>allowed</c>; see <see cref="DestructiveExcludedNotice"/>.
/// </remarks>
internal sealed partial class ChaosPlan : IEquatable<ChaosPlan>
{
    /// <summary>The largest round count a plan accepts: 10 000.</summary>
    public const int MaxRounds = 10_000;

    /// <summary>What the CLI prints when destructive faults were left out.</summary>
    public static readonly string DestructiveExcludedNotice =
        "Destructive faults (" + string.Join(", ", FaultCatalog.All.Where(FaultCatalog.IsDestructive).Select(FaultCatalog.NameOf))
        + ") are excluded by default; name them explicitly to include them.";

    private ChaosPlan(int seed, IReadOnlyList<FaultKind> faults, IReadOnlyList<ChaosRound> rounds)
    {
        Seed = seed;
        Faults = faults;
        Rounds = rounds;
    }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The faults the plan chose from, in enum order.</summary>
    public IReadOnlyList<FaultKind> Faults { get; }

    /// <summary>The rounds, in order.</summary>
    public IReadOnlyList<ChaosRound> Rounds { get; }

    /// <summary>Whether any destructive fault may occur.</summary>
    public bool IncludesDestructive => Faults.Any(FaultCatalog.IsDestructive);

    /// <summary>Makes the plan for <paramref name="seed"/>.</summary>
    /// <param name="seed">Any integer; the same seed gives the same plan.</param>
    /// <param name="rounds">How many rounds, 1 to <see cref="MaxRounds"/>.</param>
    /// <param name="allowed">The faults to choose from. The default value is <see langword="null"/>: <see cref="FaultCatalog.Default"/> (nothing destructive). Order and duplicates do not matter.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ChaosPlanException">Rounds out of range, or no fault allowed.</exception>
    public static ChaosPlan Create(int seed, int rounds, IReadOnlyCollection<FaultKind>? allowed = null)
    {
        if (rounds is < 1 or > MaxRounds)
        {
            throw ChaosPlanException.BadRounds(rounds);
        }

        var faults = Normalise(allowed ?? FaultCatalog.Default);
        if (faults.Count == 0)
        {
            throw ChaosPlanException.NoFaults();
        }

        var random = new SplitMix64(unchecked((ulong)(long)seed));
        var list = new List<ChaosRound>(rounds);
        for (var number = 1; number <= rounds; number++)
        {
            // The order of draws is part of the format: fault, wait, hold, then corruption.
            var fault = faults[random.NextBelow(faults.Count)];
            var wait = random.NextInclusive(FaultCatalog.WaitSecondsRange.Min, FaultCatalog.WaitSecondsRange.Max);
            var (holdMin, holdMax) = FaultCatalog.HoldSecondsRange(fault);
            var hold = random.NextInclusive(holdMin, holdMax);
            KeyCorruption? corruption = fault == FaultKind.CorruptKeyFile
                ? (KeyCorruption)random.NextBelow(Enum.GetValues<KeyCorruption>().Length)
                : null;
            list.Add(new ChaosRound(number, fault, wait, hold, corruption));
        }

        return new ChaosPlan(seed, faults, list);
    }

    /// <summary>
    /// Reads a plan printed by <see cref="Describe"/>. Blank lines and lines starting with
    /// <c>#</c> are ignored. Rounds may have been edited by hand (to replay part of a run);
    /// <see cref="MatchesSeed"/> tells whether they are still what the seed gives.
    /// </summary>
    /// <param name="text">The printed plan.</param>
    /// <param name="source">What to call the text in errors, e.g. a file name. The default value is <c>chaos plan</c>.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ChaosPlanException">The text is malformed; the message names the line and what was expected.</exception>
    public static ChaosPlan Parse(string text, string source = "chaos plan")
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        int? seed = null;
        int expectedRounds = 0;
        IReadOnlyList<FaultKind> faults = [];
        var rounds = new List<ChaosRound>();
        var lastLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var lineNumber = i + 1;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            lastLine = lineNumber;
            if (seed is null)
            {
                var header = HeaderPattern().Match(line);
                if (!header.Success
                    || !int.TryParse(header.Groups["seed"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsedSeed)
                    || !int.TryParse(header.Groups["rounds"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out expectedRounds)
                    || expectedRounds is < 1 or > MaxRounds)
                {
                    throw ChaosPlanException.Malformed(source, lineNumber, line, "the header 'chaos plan: seed=<int> rounds=<1..10000> faults=<name>,<name>...'.");
                }

                var named = new List<FaultKind>();
                foreach (var name in header.Groups["faults"].Value.Split(','))
                {
                    if (!FaultCatalog.TryParse(name, out FaultKind fault))
                    {
                        throw ChaosPlanException.Malformed(source, lineNumber, line, $"fault names from: {FaultCatalog.Known}.");
                    }

                    named.Add(fault);
                }

                seed = parsedSeed;
                faults = Normalise(named);
                continue;
            }

            rounds.Add(ParseRound(source, lineNumber, line, rounds.Count + 1, faults));
        }

        if (seed is null)
        {
            throw ChaosPlanException.Malformed(source, Math.Max(1, lastLine), string.Empty, "the header 'chaos plan: seed=<int> rounds=<n> faults=...'; the text is empty.");
        }

        if (rounds.Count != expectedRounds)
        {
            throw ChaosPlanException.Malformed(
                source,
                lastLine,
                lines[lastLine - 1].Trim(),
                string.Create(CultureInfo.InvariantCulture, $"{expectedRounds} rounds as the header says; found {rounds.Count}."));
        }

        return new ChaosPlan(seed.Value, faults, rounds);
    }

    /// <summary>Whether the rounds are exactly what <see cref="Create"/> gives for this seed and fault list.</summary>
    /// <returns><see langword="true"/> when nobody edited the rounds.</returns>
    public bool MatchesSeed() => Equals(Create(Seed, Rounds.Count, [.. Faults]));

    /// <summary>
    /// The printed plan: a header line, then one line per round, each ending in a line break.
    /// <code>
    /// chaos plan: seed=42 rounds=2 faults=restart-vault-graceful,restart-vault-kill,seal,stop-postgres,short-lease-ttl
    /// round 1: seal wait=3s hold=7s
    /// round 2: restart-vault-kill wait=0s hold=2s
    /// </code>
    /// </summary>
    /// <returns>The text; <see cref="Parse"/> reads it back.</returns>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"chaos plan: seed={Seed} rounds={Rounds.Count} faults={string.Join(',', Faults.Select(FaultCatalog.NameOf))}\n");
        foreach (var round in Rounds)
        {
            text.Append(round.Describe()).Append('\n');
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    /// <inheritdoc />
    public bool Equals(ChaosPlan? other) => other is not null && string.Equals(Describe(), other.Describe(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ChaosPlan);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Describe());

    private static List<FaultKind> Normalise(IEnumerable<FaultKind> faults) => [.. faults.Distinct().Order()];

    private static ChaosRound ParseRound(string source, int lineNumber, string line, int expectedNumber, IReadOnlyList<FaultKind> faults)
    {
        const string Expected = "'round <n>: <fault> wait=<s>s hold=<s>s' (plus ' corruption=truncate|garbage|flip-bit' for corrupt-key-file).";
        var match = RoundPattern().Match(line);
        if (!match.Success
            || !int.TryParse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !int.TryParse(match.Groups["wait"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var wait)
            || !int.TryParse(match.Groups["hold"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var hold))
        {
            throw ChaosPlanException.Malformed(source, lineNumber, line, Expected);
        }

        if (number != expectedNumber)
        {
            throw ChaosPlanException.Malformed(source, lineNumber, line, string.Create(CultureInfo.InvariantCulture, $"round {expectedNumber} next; rounds are numbered 1, 2, 3, ... without gaps."));
        }

        if (!FaultCatalog.TryParse(match.Groups["fault"].Value, out FaultKind fault) || !faults.Contains(fault))
        {
            throw ChaosPlanException.Malformed(source, lineNumber, line, $"one of the header's faults: {string.Join(", ", faults.Select(FaultCatalog.NameOf))}.");
        }

        if (wait > 3600 || hold > 3600)
        {
            throw ChaosPlanException.Malformed(source, lineNumber, line, "wait and hold of at most 3600 seconds.");
        }

        KeyCorruption? corruption = null;
        var corruptionGroup = match.Groups["corruption"];
        if (fault == FaultKind.CorruptKeyFile)
        {
            if (!corruptionGroup.Success || !FaultCatalog.TryParse(corruptionGroup.Value, out KeyCorruption parsed))
            {
                throw ChaosPlanException.Malformed(source, lineNumber, line, "corrupt-key-file rounds to end in ' corruption=truncate', '=garbage' or '=flip-bit'.");
            }

            corruption = parsed;
        }
        else if (corruptionGroup.Success)
        {
            throw ChaosPlanException.Malformed(source, lineNumber, line, "'corruption=' only on corrupt-key-file rounds.");
        }

        return new ChaosRound(number, fault, wait, hold, corruption);
    }

    [GeneratedRegex(@"^chaos plan: seed=(?<seed>-?\d{1,10}) rounds=(?<rounds>\d{1,6}) faults=(?<faults>[a-z\-]+(?:,[a-z\-]+)*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^round (?<number>\d{1,6}): (?<fault>[a-z\-]+) wait=(?<wait>\d{1,6})s hold=(?<hold>\d{1,6})s(?: corruption=(?<corruption>[a-z\-]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex RoundPattern();
}
