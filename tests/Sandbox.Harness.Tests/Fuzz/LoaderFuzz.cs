using System.Text;

namespace Sandbox.Harness.Tests.Fuzz;

/// <summary>
/// Feeds a loader mutated inputs in-process and sorts the outcomes: accepted, refused with the loader's
/// own typed error, or anything else (a crash: what the CLI would report as exit 1 with "Internal error").
/// </summary>
internal static class LoaderFuzz
{
    /// <summary>UTF-8 that writes a lone surrogate (a mutation can split a pair) as U+FFFD instead of throwing.</summary>
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Inputs per loader.</summary>
    public const int Inputs = 10_000;

    /// <summary>Writes a fuzzed input to the file a file-based loader reads.</summary>
    public static void WriteFile(string path, string text) => File.WriteAllText(path, text, LenientUtf8);

    /// <summary>Runs <paramref name="load"/> on <see cref="Inputs"/> mutations of the valid inputs (deterministic seeds).</summary>
    /// <param name="valid">The valid fixtures mutations start from.</param>
    /// <param name="dialect">Their syntax.</param>
    /// <param name="load">Loads one input; returns normally when it is accepted.</param>
    /// <param name="isTyped">True for the loader's own error type.</param>
    /// <param name="seed">The first seed.</param>
    public static FuzzOutcome Run(IReadOnlyList<string> valid, InputDialect dialect, Action<string> load, Func<Exception, bool> isTyped, int seed = 1)
    {
        var outcome = new FuzzOutcome();
        for (var i = 0; i < Inputs; i++)
        {
            var mutator = new InputMutator(seed + i, dialect);
            var input = mutator.Mutate(valid[i % valid.Count]);
            Classify(outcome, seed + i, Escape(input), () => load(input), isTyped);
        }

        return outcome;
    }

    /// <summary>As <see cref="Run"/>, for a loader that reads bytes (invalid UTF-8 included).</summary>
    public static FuzzOutcome RunBytes(IReadOnlyList<byte[]> valid, InputDialect dialect, Action<byte[]> load, Func<Exception, bool> isTyped, int seed = 1)
    {
        var outcome = new FuzzOutcome();
        for (var i = 0; i < Inputs; i++)
        {
            var mutator = new InputMutator(seed + i, dialect);
            var input = mutator.MutateBytes(valid[i % valid.Count]);
            Classify(outcome, seed + i, Convert.ToBase64String(input), () => load(input), isTyped);
        }

        return outcome;
    }

    private static void Classify(FuzzOutcome outcome, int seed, string shown, Action attempt, Func<Exception, bool> isTyped)
    {
        try
        {
            attempt();
            outcome.Accepted++;
        }
        catch (Exception e) when (isTyped(e))
        {
            outcome.Refused++;
            if (e.Message.Contains("   at ", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(e.Message))
            {
                outcome.Crashes.Add($"seed {seed}: {e.GetType().Name} with a message that is empty or holds a stack trace: {e.Message}\n  input: {shown}");
            }

            outcome.Messages.Add(e.Message);
        }
        catch (Exception e)
        {
            outcome.Crashes.Add($"seed {seed}: {e.GetType().FullName}: {e.Message}\n  at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}\n  input: {shown}");
        }
    }

    private static string Escape(string input)
    {
        var b = new StringBuilder("\"");
        foreach (var c in input.Length > 600 ? input[..600] + "…" : input)
        {
            b.Append(c switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or > '~' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return b.Append('"').ToString();
    }
}

/// <summary>How a loader answered the fuzzed inputs.</summary>
internal sealed class FuzzOutcome
{
    public int Accepted { get; set; }

    public int Refused { get; set; }

    public List<string> Crashes { get; } = [];

    public List<string> Messages { get; } = [];

    public string Report() =>
        $"{Accepted} accepted, {Refused} refused with the typed error, {Crashes.Count} crashed. First crashes:\n" + string.Join("\n", Crashes.Take(8));
}
