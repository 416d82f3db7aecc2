using System.Text;

namespace Sandbox.Harness.Tests.Fuzz;

/// <summary>The syntax whose structure a mutation imitates: its brackets, separators, quotes and odd values.</summary>
internal enum InputDialect
{
    Yaml,
    Json,
    Hcl,
    Lines,
}

/// <summary>
/// Deterministic mutations of a valid input: truncations, byte flips, deleted/duplicated/swapped/re-indented
/// lines, cut spans, and tokens of the input's own syntax (YAML anchors and flow brackets, JSON
/// braces, HCL blocks and heredocs) in random places. The same seed gives the same inputs.
/// </summary>
internal sealed class InputMutator
{
    private static readonly string[] YamlTokens =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "-", "?", "? ", ",", "#", "&a ", "*a", "<<: *a", "!!str ", "!!int ", "!!map ", "!!binary ", "!custom ",
        "|", ">", "|-", "\"", "'", "\t", "\n", "\n  ", "\n    - ", "---\n", "...\n", "%YAML 1.2\n", "%TAG ! !x\n", "~", "null", "true", "[]", "{}", "\0",
        "\r", "\u00a0", "é", "\ud83d\ude00", "\\", "@", "`", "%", "*", "&",
    ];

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud800", "null", "true", "false", "-", "0", "1e999", "-1", "99999999999999999999999", "0.5",
        "\"\"", "[]", "{}", "\n", "\t", "\0", "/*", "//", "'", "é",
    ];

    private static readonly string[] HclTokens =
    [
        "{", "}", "[", "]", "=", "\"", "\\", "#", "//", "/*", "*/", "<<EOF\n", "\nEOF\n", "${", "%{", "\n", "\t", ",", ":", "\0", "-1", "99999999999999999999",
        "true", "null", "storage ", "listener ", "\"tcp\"", "\"file\"", "address = ", "path = ", "é",
    ];

    private static readonly string[] LineTokens = ["\n", "#", " ", "\t", "=", ":", ",", "-", "0", "-1", "99999999999999999999", "round", "seed", "faults", "\0", "é", "x"];

    private static readonly string[] OddValues =
    [
        "-1", "0", "99999999999999999999", "1e309", "NaN", "~", "null", "true", "[]", "{}", "''", "\"\"", "&a x", "*a", "*nope", "!!binary x", "0x10", "1_000",
        "-", ":", "{a: [b", "\"unterminated", "'unterminated", "60s", "-5m", "999999h", "", " ", "é\u0301", "../../etc/passwd", "/",
    ];

    private readonly Random _random;
    private readonly string[] _tokens;

    public InputMutator(int seed, InputDialect dialect)
    {
        _random = new Random(seed);
        _tokens = dialect switch
        {
            InputDialect.Yaml => YamlTokens,
            InputDialect.Json => JsonTokens,
            InputDialect.Hcl => HclTokens,
            _ => LineTokens,
        };
    }

    /// <summary>One to three mutations of <paramref name="valid"/>.</summary>
    public string Mutate(string valid)
    {
        var text = valid;
        var count = 1 + _random.Next(3);
        for (var i = 0; i < count; i++)
        {
            text = MutateOnce(text);
        }

        return text;
    }

    /// <summary>The same on bytes (for inputs read as bytes): text mutations plus raw byte flips (invalid UTF-8 included).</summary>
    public byte[] MutateBytes(byte[] valid)
    {
        if (_random.Next(3) != 0)
        {
            return Encoding.UTF8.GetBytes(Mutate(Encoding.UTF8.GetString(valid)));
        }

        var bytes = (byte[])valid.Clone();
        if (bytes.Length == 0)
        {
            return [(byte)_random.Next(256)];
        }

        var flips = 1 + _random.Next(4);
        for (var i = 0; i < flips; i++)
        {
            bytes[_random.Next(bytes.Length)] = (byte)_random.Next(256);
        }

        return _random.Next(4) == 0 ? bytes[.._random.Next(bytes.Length + 1)] : bytes;
    }

    private string MutateOnce(string text)
    {
        if (text.Length == 0)
        {
            return Pick(_tokens);
        }

        var lines = text.Split('\n').ToList();
        switch (_random.Next(10))
        {
            case 0:
                return text[.._random.Next(text.Length + 1)];
            case 1:
            {
                var chars = text.ToCharArray();
                chars[_random.Next(chars.Length)] = (char)(_random.Next(4) == 0 ? _random.Next(0x20) : _random.Next(0x20, 0x7f));
                return new string(chars);
            }

            case 2:
                return text.Insert(_random.Next(text.Length + 1), Pick(_tokens));
            case 3:
                lines.RemoveAt(_random.Next(lines.Count));
                return string.Join('\n', lines);
            case 4:
            {
                var i = _random.Next(lines.Count);
                lines.Insert(i, lines[i]);
                return string.Join('\n', lines);
            }

            case 5:
            {
                var (a, b) = (_random.Next(lines.Count), _random.Next(lines.Count));
                (lines[a], lines[b]) = (lines[b], lines[a]);
                return string.Join('\n', lines);
            }

            case 6:
            {
                var i = _random.Next(lines.Count);
                var shift = 1 + _random.Next(4);
                lines[i] = _random.Next(2) == 0 ? new string(' ', shift) + lines[i] : lines[i][Math.Min(shift, lines[i].Length - lines[i].TrimStart().Length)..];
                return string.Join('\n', lines);
            }

            case 7:
            {
                var start = _random.Next(text.Length);
                var length = _random.Next(Math.Min(40, text.Length - start) + 1);
                return text.Remove(start, length);
            }

            case 8:
                return ReplaceWord(text);
            default:
            {
                // A slice of the input itself, pasted elsewhere: nested structure in odd places.
                var start = _random.Next(text.Length);
                var slice = text.Substring(start, _random.Next(Math.Min(80, text.Length - start) + 1));
                return text.Insert(_random.Next(text.Length + 1), slice);
            }
        }
    }

    private string ReplaceWord(string text)
    {
        var at = _random.Next(text.Length);
        var start = at;
        while (start > 0 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] is '_' or '.' or '/' or '-'))
        {
            start--;
        }

        var end = at;
        while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] is '_' or '.' or '/' or '-'))
        {
            end++;
        }

        return text[..start] + Pick(OddValues) + text[end..];
    }

    private string Pick(string[] values) => values[_random.Next(values.Length)];
}
