using System.Globalization;
using System.Text;

namespace Sandbox.Harness.Policies.Internal;

/// <summary>
/// A parser for the subset of HCL 1 that Vault policies use: <c>key = value</c>, blocks with
/// string labels (<c>path "x" { ... }</c>), strings, numbers, bools, lists and objects, and the
/// comments <c>#</c>, <c>//</c> and <c>/* */</c>. Heredocs are refused with a clear message.
/// A block <c>a "b" "c" { body }</c> becomes the item <c>a = { b = { c = body } }</c>.
/// </summary>
internal sealed class HclParser
{
    private readonly string _text;
    private readonly string _source;
    private readonly Func<string, int, int, string, string, Exception> _error;
    private int _pos;
    private int _line = 1;
    private int _col = 1;

    private HclParser(string text, string source, Func<string, int, int, string, string, Exception> error)
    {
        _text = text;
        _source = source;
        _error = error;
    }

    /// <summary>Parses a whole document into its root object.</summary>
    /// <param name="text">The HCL text.</param>
    /// <param name="source">The file or name for messages.</param>
    /// <param name="error">Builds the exception for (source, line, column, problem, fix).</param>
    public static HclObject Parse(string text, string source, Func<string, int, int, string, string, Exception> error)
    {
        var parser = new HclParser(text, source, error);
        var body = parser.ParseBody(topLevel: true, 1, 1);
        return body;
    }

    private HclObject ParseBody(bool topLevel, int line, int col)
    {
        var items = new List<HclItem>();
        while (true)
        {
            SkipTrivia();
            if (AtEnd)
            {
                if (!topLevel)
                {
                    throw FailAt(line, col, "expected '}' to close this '{', got end of file",
                        "add the missing '}'.");
                }

                return new HclObject(items, line, col);
            }

            if (Peek == '}')
            {
                if (topLevel)
                {
                    throw Fail("unexpected '}'", "remove the extra '}' or the missing '{'.");
                }

                Advance();
                return new HclObject(items, line, col);
            }

            items.Add(ParseItem());
            SkipTrivia();
            if (!AtEnd && Peek == ',')
            {
                Advance();
            }
        }
    }

    private HclItem ParseItem()
    {
        var (keyLine, keyCol) = (_line, _col);
        var key = ParseKey();
        SkipTrivia();
        if (!AtEnd && Peek == '=')
        {
            Advance();
            SkipTrivia();
            var value = ParseValue();
            return new HclItem(key, value, keyLine, keyCol);
        }

        // Block: key label* { body }
        var labels = new List<(string Label, int Line, int Col)>();
        while (!AtEnd && (Peek == '"' || IsIdentStart(Peek)))
        {
            var (l, c) = (_line, _col);
            labels.Add((ParseKey(), l, c));
            SkipTrivia();
        }

        if (AtEnd || Peek != '{')
        {
            throw Fail($"expected '=' or '{{' after \"{key}\", got {Describe()}",
                "write key = value, or a block such as path \"secret/*\" { capabilities = [\"read\"] }.");
        }

        var (bLine, bCol) = (_line, _col);
        Advance();
        HclNode body = ParseBody(topLevel: false, bLine, bCol);
        for (var i = labels.Count - 1; i >= 0; i--)
        {
            body = new HclObject([new HclItem(labels[i].Label, body, labels[i].Line, labels[i].Col)], labels[i].Line, labels[i].Col);
        }

        return new HclItem(key, body, keyLine, keyCol);
    }

    private string ParseKey()
    {
        if (Peek == '"')
        {
            return ParseString();
        }

        if (IsIdentStart(Peek))
        {
            var start = _pos;
            while (!AtEnd && IsIdentPart(Peek))
            {
                Advance();
            }

            return _text[start.._pos];
        }

        throw Fail($"expected a key, got {Describe()}", "start each entry with a name, e.g. path \"kvv2/data/app/*\" { ... }.");
    }

    private HclNode ParseValue()
    {
        var (line, col) = (_line, _col);
        if (AtEnd)
        {
            throw Fail("expected a value, got end of file", "complete the assignment.");
        }

        switch (Peek)
        {
            case '"':
                return new HclScalar(ParseString(), line, col);
            case '[':
                return ParseList();
            case '{':
                Advance();
                return ParseBody(topLevel: false, line, col);
            case '<' when _pos + 1 < _text.Length && _text[_pos + 1] == '<':
                throw Fail("heredoc strings are not supported by Sandbox's policy parser", "write the value as a quoted string.");
        }

        if (Peek == '-' || char.IsAsciiDigit(Peek))
        {
            var start = _pos;
            Advance();
            while (!AtEnd && (char.IsAsciiDigit(Peek) || Peek == '.' || Peek == 'e' || Peek == 'E' || Peek == '+' || Peek == '-'))
            {
                Advance();
            }

            var s = _text[start.._pos];
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                throw FailAt(line, col, $"invalid number \"{s}\"", "write a plain number such as 30.");
            }

            return new HclScalar(d, line, col);
        }

        if (IsIdentStart(Peek))
        {
            var word = ParseKey();
            return word switch
            {
                "true" => new HclScalar(true, line, col),
                "false" => new HclScalar(false, line, col),
                _ => throw FailAt(line, col, $"unexpected bare word \"{word}\"", $"quote it: \"{word}\"."),
            };
        }

        throw Fail($"expected a value, got {Describe()}", "use a quoted string, a number, true/false, a [list] or an { object }.");
    }

    private HclList ParseList()
    {
        var (line, col) = (_line, _col);
        Advance(); // [
        var items = new List<HclNode>();
        while (true)
        {
            SkipTrivia();
            if (AtEnd)
            {
                throw FailAt(line, col, "list is not closed: expected ']'", "add the missing ']'.");
            }

            if (Peek == ']')
            {
                Advance();
                return new HclList(items, line, col);
            }

            items.Add(ParseValue());
            SkipTrivia();
            if (!AtEnd && Peek == ',')
            {
                Advance();
                continue;
            }

            SkipTrivia();
            if (AtEnd || Peek != ']')
            {
                throw Fail($"expected ',' or ']' in list, got {Describe()}", "separate list items with commas and close the list with ']'.");
            }
        }
    }

    private string ParseString()
    {
        var (line, col) = (_line, _col);
        Advance(); // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek == '\n')
            {
                throw FailAt(line, col, "unterminated string", "close the string with a double quote on the same line.");
            }

            var c = Peek;
            Advance();
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (AtEnd)
            {
                throw FailAt(line, col, "unterminated string", "close the string with a double quote.");
            }

            var e = Peek;
            Advance();
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'u' when _pos + 4 <= _text.Length && int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp):
                    sb.Append((char)cp);
                    for (var i = 0; i < 4; i++)
                    {
                        Advance();
                    }

                    break;
                default:
                    throw FailAt(_line, _col - 2, $"invalid escape \"\\{e}\" in string", "escape only \\\", \\\\, \\n, \\t, \\r or \\uXXXX.");
            }
        }
    }

    private void SkipTrivia()
    {
        while (!AtEnd)
        {
            var c = Peek;
            if (char.IsWhiteSpace(c))
            {
                Advance();
            }
            else if (c == '#' || (c == '/' && _pos + 1 < _text.Length && _text[_pos + 1] == '/'))
            {
                while (!AtEnd && Peek != '\n')
                {
                    Advance();
                }
            }
            else if (c == '/' && _pos + 1 < _text.Length && _text[_pos + 1] == '*')
            {
                var (line, col) = (_line, _col);
                Advance();
                Advance();
                while (true)
                {
                    if (AtEnd)
                    {
                        throw FailAt(line, col, "comment is not closed: expected '*/'", "close the comment with */.");
                    }

                    if (Peek == '*' && _pos + 1 < _text.Length && _text[_pos + 1] == '/')
                    {
                        Advance();
                        Advance();
                        break;
                    }

                    Advance();
                }
            }
            else
            {
                return;
            }
        }
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Peek => _text[_pos];

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _col = 1;
        }
        else
        {
            _col++;
        }

        _pos++;
    }

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-' || c == '.';

    private string Describe() => AtEnd ? "end of file" : Peek switch
    {
        '"' => "a string",
        '\n' => "a new line",
        var c => $"'{c}'",
    };

    private Exception Fail(string problem, string fix) => FailAt(_line, _col, problem, fix);

    private Exception FailAt(int line, int col, string problem, string fix) => _error(_source, line, col, problem, fix);
}
