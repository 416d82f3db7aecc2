using System.Globalization;
using System.Text;

namespace Sandbox.Harness.Tofu.Hcl;

/// <summary>
/// A reader for the native HCL 2 syntax of <c>.tf</c> files: bodies of attributes and blocks,
/// strings with <c>${}</c> interpolation, heredocs (<c>&lt;&lt;EOT</c> and the indented
/// <c>&lt;&lt;-EOT</c>), numbers, bools, null, tuples, objects, references, index and splat,
/// function calls, operators, conditionals and <c>for</c> expressions, and the three comment
/// styles. Template directives (<c>%{if}</c>, <c>%{for}</c>) are refused with a clear message.
/// Grammar: HashiCorp's hclsyntax specification (hcl/hclsyntax/spec.md); the structure it
/// produces is checked against HashiCorp's own parser in the tests (tests/hcl-oracle).
/// Every error is a <see cref="TofuException"/> with <c>file:line:column</c> and the fix.
/// </summary>
internal sealed class HclParser
{
    private readonly string _text;
    private readonly string _file;
    private readonly int[] _lineStarts;
    private int _pos;

    // > 0 inside (), [] and {} of an expression, where newlines are plain whitespace.
    private int _nesting;

    private HclParser(string text, string file)
    {
        _text = text;
        _file = file;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    /// <summary>Parses a whole file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="file">The file name for messages.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="TofuException">The text is not valid HCL.</exception>
    public static HclFile Parse(string text, string file)
    {
        var parser = new HclParser(text, file);
        var body = parser.ParseBody(endChar: null);
        return new HclFile(file, text, body);
    }

    /// <summary>Parses a template (the text of a <c>templatefile()</c>): literal text with <c>${}</c> interpolations.</summary>
    public static HclTemplate ParseTemplate(string text, string file)
    {
        var parser = new HclParser(text, file);
        return parser.ReadTemplateUntilEnd();
    }

    /// <summary>Parses one expression (tests, and <c>-var</c> values that are not plain strings).</summary>
    public static HclExpr ParseExpression(string text, string file)
    {
        var parser = new HclParser(text, file);
        parser._nesting = 1;
        var expr = parser.ParseExpr();
        parser.SkipSpace();
        if (parser._pos < text.Length)
        {
            throw parser.Error(parser._pos, $"unexpected {parser.Describe(parser._pos)} after the expression", "write a single expression.");
        }

        return expr;
    }

    // ---- positions and errors ----

    private HclPos PosAt(int offset)
    {
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new HclPos(offset, line + 1, offset - _lineStarts[line] + 1);
    }

    private TofuException Error(int offset, string problem, string fix)
    {
        var p = PosAt(Math.Min(offset, _text.Length));
        return TofuException.Syntax(_file, p.Line, p.Column, problem, fix);
    }

    private string Describe(int offset)
    {
        if (offset >= _text.Length)
        {
            return "end of file";
        }

        var c = _text[offset];
        return c switch
        {
            '\n' => "end of line",
            '\r' => "end of line",
            _ => $"'{c}'",
        };
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtEnd => _pos >= _text.Length;

    // ---- whitespace and comments ----

    /// <summary>Skips spaces, tabs and comments; newlines too when inside brackets.</summary>
    private void SkipSpace()
    {
        while (!AtEnd)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\r')
            {
                _pos++;
            }
            else if (c == '\n' && _nesting > 0)
            {
                _pos++;
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                // A line comment ends at the newline, which stays (it ends an attribute).
                while (!AtEnd && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var start = _pos;
                var end = _text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw Error(start, "a /* comment is never closed", "close it with */.");
                }

                _pos = end + 2;
            }
            else
            {
                return;
            }
        }
    }

    private void SkipSpaceAndNewlines()
    {
        while (true)
        {
            SkipSpace();
            if (!AtEnd && _text[_pos] == '\n')
            {
                _pos++;
                continue;
            }

            return;
        }
    }

    // ---- bodies ----

    private HclBody ParseBody(char? endChar)
    {
        var attributes = new List<HclAttribute>();
        var blocks = new List<HclBlock>();
        var saved = _nesting;
        _nesting = 0;
        while (true)
        {
            SkipSpaceAndNewlines();
            if (AtEnd)
            {
                if (endChar is not null)
                {
                    throw Error(_pos, "a block is never closed: the file ends before its '}'", "add the missing '}'.");
                }

                break;
            }

            if (endChar is { } e && _text[_pos] == e)
            {
                break;
            }

            var start = _pos;
            if (!IsIdStart(_text[_pos]))
            {
                throw Error(_pos, $"expected an attribute name or a block type, found {Describe(_pos)}",
                    "start each line of a body with name = value or with a block such as resource \"type\" \"name\" { ... }.");
            }

            var name = ReadIdentifier();
            SkipSpace();
            if (Peek() == '=' && Peek(1) != '=')
            {
                _pos++;
                SkipSpace();
                var expr = ParseExpr();
                if (attributes.Any(a => a.Name == name))
                {
                    throw Error(start, $"the attribute \"{name}\" is set twice in the same body", "keep one of the two.");
                }

                attributes.Add(new HclAttribute(name, expr, PosAt(start)));
                ExpectEndOfItem(endChar, $"the attribute \"{name}\"");
                continue;
            }

            var labels = new List<string>();
            while (true)
            {
                SkipSpace();
                if (Peek() == '"')
                {
                    var labelStart = _pos;
                    var template = ReadQuoted();
                    if (!template.IsLiteral)
                    {
                        throw Error(labelStart, "a block label cannot contain ${...}", "write the label as a plain string.");
                    }

                    labels.Add(string.Concat(template.Parts.Select(p => (string)((HclLiteral)p).Value!)));
                }
                else if (!AtEnd && IsIdStart(_text[_pos]))
                {
                    labels.Add(ReadIdentifier());
                }
                else
                {
                    break;
                }
            }

            SkipSpace();
            if (Peek() != '{')
            {
                throw Error(_pos, $"expected '=' or '{{' after \"{name}\", found {Describe(_pos)}",
                    $"write {name} = value for an attribute, or {name} \"label\" {{ ... }} for a block.");
            }

            _pos++;
            var body = ParseBody('}');
            _pos++; // the '}'
            blocks.Add(new HclBlock(name, labels, body, PosAt(start)));
            ExpectEndOfItem(endChar, $"the block \"{name}\"");
        }

        _nesting = saved;
        return new HclBody(attributes, blocks);
    }

    private void ExpectEndOfItem(char? endChar, string what)
    {
        SkipSpace();
        if (AtEnd || _text[_pos] == '\n' || (endChar is { } e && _text[_pos] == e))
        {
            return;
        }

        throw Error(_pos, $"unexpected {Describe(_pos)} after {what}", "put each attribute and block on its own line (a newline ends an attribute).");
    }

    private static bool IsIdStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    private string ReadIdentifier()
    {
        var start = _pos;
        while (!AtEnd && IsIdPart(_text[_pos]))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    // ---- expressions ----

    private HclExpr ParseExpr()
    {
        var condition = ParseBinary(0);
        SkipSpace();
        if (Peek() != '?')
        {
            return condition;
        }

        _pos++;
        SkipSpace();
        var whenTrue = ParseExpr();
        SkipSpace();
        if (Peek() != ':')
        {
            throw Error(_pos, $"expected ':' of a conditional (cond ? a : b), found {Describe(_pos)}", "add ': value-if-false'.");
        }

        _pos++;
        SkipSpace();
        var whenFalse = ParseExpr();
        return new HclConditional(condition.Start, whenFalse.End, condition, whenTrue, whenFalse);
    }

    private static readonly string[][] Levels =
    [
        ["||"],
        ["&&"],
        ["==", "!="],
        ["<=", ">=", "<", ">"],
        ["+", "-"],
        ["*", "/", "%"],
    ];

    private HclExpr ParseBinary(int level)
    {
        if (level == Levels.Length)
        {
            return ParseUnary();
        }

        var left = ParseBinary(level + 1);
        while (true)
        {
            SkipSpace();
            var op = Levels[level].FirstOrDefault(o => string.CompareOrdinal(_text, _pos, o, 0, o.Length) == 0);

            // "=>" is not ">=" and "<" ... fine; but "==" must not be read as "=" elsewhere.
            if (op is null || (op is "<" or ">" && Peek(1) == '='))
            {
                return left;
            }

            _pos += op.Length;
            SkipSpace();
            var right = ParseBinary(level + 1);
            left = new HclBinary(left.Start, right.End, op, left, right);
        }
    }

    private HclExpr ParseUnary()
    {
        SkipSpace();
        var c = Peek();
        if (c is '!' or '-')
        {
            var start = _pos;
            _pos++;
            SkipSpace();
            var operand = ParseUnary();
            return new HclUnary(PosAt(start), operand.End, c.ToString(), operand);
        }

        return ParsePostfix(ParsePrimary());
    }

    private HclExpr ParsePostfix(HclExpr expr)
    {
        while (true)
        {
            // Traversals continue only on the same line outside brackets; hcl allows no space before '.' or '['.
            if (Peek() == '.' && Peek(1) == '.')
            {
                return expr; // the "..." of an expanded argument or a grouping for
            }

            if (Peek() == '.' && Peek(1) == '*')
            {
                _pos += 2;
                var each = ParseSplatTail(new HclSplatItem(expr.Start, _pos), allowIndex: false);
                expr = new HclSplat(expr.Start, _pos, expr, each);
            }
            else if (Peek() == '.')
            {
                _pos++;
                if (char.IsDigit(Peek()))
                {
                    var numStart = _pos;
                    while (char.IsDigit(Peek()))
                    {
                        _pos++;
                    }

                    var index = new HclLiteral(PosAt(numStart), _pos, double.Parse(_text[numStart.._pos], CultureInfo.InvariantCulture));
                    expr = new HclIndex(expr.Start, _pos, expr, index);
                }
                else if (!AtEnd && IsIdStart(_text[_pos]))
                {
                    var name = ReadIdentifier();
                    expr = new HclGetAttr(expr.Start, _pos, expr, name);
                }
                else
                {
                    throw Error(_pos, $"expected an attribute name after '.', found {Describe(_pos)}", "write source.name, e.g. var.apps.");
                }
            }
            else if (Peek() == '[')
            {
                var open = _pos;
                _pos++;
                _nesting++;
                SkipSpace();
                if (Peek() == '*')
                {
                    _pos++;
                    SkipSpace();
                    Expect(']', open, "the splat [*]");
                    _nesting--;
                    var each = ParseSplatTail(new HclSplatItem(expr.Start, _pos), allowIndex: true);
                    expr = new HclSplat(expr.Start, _pos, expr, each);
                    continue;
                }

                var key = ParseExpr();
                SkipSpace();
                Expect(']', open, "the index");
                _nesting--;
                expr = new HclIndex(expr.Start, _pos, expr, key);
            }
            else
            {
                return expr;
            }
        }
    }

    private HclExpr ParseSplatTail(HclExpr item, bool allowIndex)
    {
        while (true)
        {
            if (Peek() == '.' && !AtEnd && _pos + 1 < _text.Length && IsIdStart(_text[_pos + 1]))
            {
                _pos++;
                var name = ReadIdentifier();
                item = new HclGetAttr(item.Start, _pos, item, name);
            }
            else if (allowIndex && Peek() == '[' && Peek(1) != '*')
            {
                var open = _pos;
                _pos++;
                _nesting++;
                SkipSpace();
                var key = ParseExpr();
                SkipSpace();
                Expect(']', open, "the index");
                _nesting--;
                item = new HclIndex(item.Start, _pos, item, key);
            }
            else
            {
                return item;
            }
        }
    }

    private void Expect(char c, int openedAt, string what)
    {
        if (Peek() != c)
        {
            var opened = PosAt(openedAt);
            throw Error(_pos, $"expected '{c}' to close {what} opened at line {opened.Line}, column {opened.Column}, found {Describe(_pos)}",
                $"add the missing '{c}' (or the missing ',' between items).");
        }

        _pos++;
    }

    private HclExpr ParsePrimary()
    {
        SkipSpace();
        if (AtEnd)
        {
            throw Error(_pos, "expected an expression, found the end of the file", "complete the expression.");
        }

        var start = _pos;
        var c = _text[_pos];
        if (char.IsDigit(c))
        {
            return ReadNumber();
        }

        if (c == '"')
        {
            return ReadQuoted();
        }

        if (c == '<' && Peek(1) == '<')
        {
            return ReadHeredoc();
        }

        if (c == '[')
        {
            return ReadTupleOrFor();
        }

        if (c == '{')
        {
            return ReadObjectOrFor();
        }

        if (c == '(')
        {
            _pos++;
            _nesting++;
            SkipSpace();
            var inner = ParseExpr();
            SkipSpace();
            Expect(')', start, "the parenthesis");
            _nesting--;
            return new HclParens(PosAt(start), _pos, inner);
        }

        if (IsIdStart(c))
        {
            var name = ReadIdentifier();
            switch (name)
            {
                case "true":
                    return new HclLiteral(PosAt(start), _pos, true);
                case "false":
                    return new HclLiteral(PosAt(start), _pos, false);
                case "null":
                    return new HclLiteral(PosAt(start), _pos, null);
            }

            var afterName = _pos;
            SkipSpace();
            if (Peek() == '(')
            {
                return ReadCall(start, name);
            }

            _pos = afterName;
            if (Peek() == ':' && Peek(1) == ':')
            {
                throw Error(_pos, "provider-namespaced functions (a::b()) are not supported", "use a built-in function.");
            }

            return new HclVariable(PosAt(start), _pos, name);
        }

        throw Error(_pos, $"expected an expression, found {Describe(_pos)}",
            "write a value: a \"string\", a number, true/false, a [list], an {object}, a reference such as var.name, or a function call.");
    }

    private HclLiteral ReadNumber()
    {
        var start = _pos;
        while (char.IsDigit(Peek()))
        {
            _pos++;
        }

        if (Peek() == '.' && char.IsDigit(Peek(1)))
        {
            _pos++;
            while (char.IsDigit(Peek()))
            {
                _pos++;
            }
        }

        if (Peek() is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (Peek() is '+' or '-')
            {
                _pos++;
            }

            if (!char.IsDigit(Peek()))
            {
                _pos = save;
            }
            else
            {
                while (char.IsDigit(Peek()))
                {
                    _pos++;
                }
            }
        }

        return new HclLiteral(PosAt(start), _pos, double.Parse(_text[start.._pos], NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private HclCall ReadCall(int start, string name)
    {
        var open = _pos;
        _pos++; // (
        _nesting++;
        var args = new List<HclExpr>();
        var expand = false;
        SkipSpace();
        while (Peek() != ')')
        {
            if (expand)
            {
                throw Error(_pos, "the expanded argument (...) must be the last one", "move the argument with ... to the end.");
            }

            args.Add(ParseExpr());
            SkipSpace();
            if (Peek() == '.' && Peek(1) == '.' && Peek(2) == '.')
            {
                _pos += 3;
                expand = true;
                SkipSpace();
            }

            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
                continue;
            }

            if (Peek() != ')')
            {
                throw Error(_pos, $"expected ',' or ')' in the arguments of {name}(), found {Describe(_pos)}",
                    "separate the arguments with ',' and close the call with ')'.");
            }
        }

        Expect(')', open, $"the call {name}(");
        _nesting--;
        return new HclCall(PosAt(start), _pos, name, args, expand);
    }

    private bool AtKeyword(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
        {
            return false;
        }

        var after = _pos + word.Length;
        return after >= _text.Length || !IsIdPart(_text[after]);
    }

    private HclExpr ReadTupleOrFor()
    {
        var start = _pos;
        _pos++;
        _nesting++;
        SkipSpace();
        if (AtKeyword("for"))
        {
            var f = ReadForHeader(start, isObject: false);
            _nesting--;
            return f;
        }

        var items = new List<HclExpr>();
        while (Peek() != ']')
        {
            if (AtEnd)
            {
                throw Error(start, "a list '[' is never closed", "add the missing ']'.");
            }

            items.Add(ParseExpr());
            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
            else if (Peek() != ']')
            {
                throw Error(_pos, $"expected ',' or ']' in a list, found {Describe(_pos)}", "separate the items with ',' and close the list with ']'.");
            }
        }

        _pos++;
        _nesting--;
        return new HclTuple(PosAt(start), _pos, items);
    }

    private HclExpr ReadObjectOrFor()
    {
        var start = _pos;
        _pos++;
        _nesting++;
        SkipSpace();
        if (AtKeyword("for"))
        {
            var f = ReadForHeader(start, isObject: true);
            _nesting--;
            return f;
        }

        var items = new List<HclObjectItem>();
        while (Peek() != '}')
        {
            if (AtEnd)
            {
                throw Error(start, "an object '{' is never closed", "add the missing '}'.");
            }

            HclExpr key;
            string? bare = null;
            var keyStart = _pos;
            if (IsIdStart(Peek()))
            {
                var name = ReadIdentifier();
                var afterName = _pos;
                SkipSpace();
                if (Peek() is '=' or ':' && Peek(1) != '=' && Peek(1) != ':')
                {
                    key = name is "true" or "false" or "null"
                        ? new HclLiteral(PosAt(keyStart), afterName, name == "null" ? null : name == "true")
                        : new HclVariable(PosAt(keyStart), afterName, name);
                    bare = name is "true" or "false" or "null" ? null : name;
                }
                else
                {
                    _pos = keyStart;
                    key = ParseExpr();
                }
            }
            else
            {
                key = ParseExpr();
            }

            SkipSpace();
            if (!(Peek() is '=' or ':') || Peek(1) == '=')
            {
                throw Error(_pos, $"expected '=' after the object key, found {Describe(_pos)}", "write each object item as key = value.");
            }

            _pos++;
            SkipSpace();
            var value = ParseExpr();
            items.Add(new HclObjectItem(key, value, bare));

            // Items end with ',' or a newline (which the value's parse may already have passed).
            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (Peek() != '}' && !_text.AsSpan(value.End, _pos - value.End).Contains('\n'))
            {
                throw Error(_pos, $"expected ',', a newline or '}}' after an object item, found {Describe(_pos)}",
                    "put each item on its own line or separate the items with ','.");
            }

            SkipSpace();
        }

        _pos++;
        _nesting--;
        return new HclObject(PosAt(start), _pos, items);
    }

    private HclFor ReadForHeader(int start, bool isObject)
    {
        _pos += 3; // for
        SkipSpace();
        if (!IsIdStart(Peek()))
        {
            throw Error(_pos, "expected a variable name after 'for'", "write for v in collection : ... or for k, v in collection : ....");
        }

        string? keyVar = null;
        var valueVar = ReadIdentifier();
        SkipSpace();
        if (Peek() == ',')
        {
            _pos++;
            SkipSpace();
            keyVar = valueVar;
            valueVar = ReadIdentifier();
            SkipSpace();
        }

        if (!AtKeyword("in"))
        {
            throw Error(_pos, $"expected 'in' in the for expression, found {Describe(_pos)}", "write for v in collection : ....");
        }

        _pos += 2;
        SkipSpace();
        var collection = ParseExpr();
        SkipSpace();
        if (Peek() != ':')
        {
            throw Error(_pos, $"expected ':' after the collection of the for expression, found {Describe(_pos)}", "write for v in collection : value.");
        }

        _pos++;
        SkipSpace();
        HclExpr? keyExpr = null;
        var valueExpr = ParseExpr();
        var grouping = false;
        SkipSpace();
        if (isObject)
        {
            if (Peek() != '=' || Peek(1) != '>')
            {
                throw Error(_pos, $"expected '=>' in the object for expression, found {Describe(_pos)}", "write {for k, v in collection : key => value}.");
            }

            _pos += 2;
            SkipSpace();
            keyExpr = valueExpr;
            valueExpr = ParseExpr();
            SkipSpace();
            if (Peek() == '.' && Peek(1) == '.' && Peek(2) == '.')
            {
                _pos += 3;
                grouping = true;
                SkipSpace();
            }
        }

        HclExpr? condition = null;
        if (AtKeyword("if"))
        {
            _pos += 2;
            SkipSpace();
            condition = ParseExpr();
            SkipSpace();
        }

        Expect(isObject ? '}' : ']', start, "the for expression");
        return new HclFor(PosAt(start), _pos, keyVar, valueVar, collection, keyExpr, valueExpr, condition, grouping);
    }

    // ---- templates ----

    private HclTemplate ReadQuoted()
    {
        var start = _pos;
        _pos++; // "
        var parts = ReadTemplateParts(start, quoted: true, heredocEnd: null);
        return new HclTemplate(PosAt(start), _pos, parts, IsHeredoc: false);
    }

    private HclTemplate ReadTemplateUntilEnd()
    {
        var parts = ReadTemplateParts(0, quoted: false, heredocEnd: null);
        return new HclTemplate(PosAt(0), _pos, parts, IsHeredoc: false);
    }

    /// <summary>Reads template parts until the closing quote (quoted), or to the end of the text.</summary>
    private List<HclExpr> ReadTemplateParts(int start, bool quoted, int? heredocEnd)
    {
        var parts = new List<HclExpr>();
        var literal = new StringBuilder();
        var literalStart = _pos;
        var limit = heredocEnd ?? _text.Length;
        var stripNext = false;

        void Flush(bool stripTrailing)
        {
            var s = literal.ToString();
            if (stripTrailing)
            {
                s = s.TrimEnd(' ', '\t', '\r', '\n');
            }

            if (s.Length > 0)
            {
                parts.Add(new HclLiteral(PosAt(literalStart), _pos, s));
            }

            literal.Clear();
        }

        while (true)
        {
            if (_pos >= limit)
            {
                if (quoted)
                {
                    throw Error(start, "a string is never closed", "add the closing '\"' on the same line.");
                }

                break;
            }

            var c = _text[_pos];
            if (quoted && c == '"')
            {
                _pos++;
                break;
            }

            if (quoted && c == '\n')
            {
                throw Error(start, "a string is never closed before the end of the line", "close it with '\"', or use a heredoc (<<-EOT ... EOT) for text over several lines.");
            }

            if (c == '$' && Peek(1) == '$' && Peek(2) == '{')
            {
                literal.Append("${");
                _pos += 3;
                continue;
            }

            if (c == '%' && Peek(1) == '%' && Peek(2) == '{')
            {
                literal.Append("%{");
                _pos += 3;
                continue;
            }

            if (c == '%' && Peek(1) == '{')
            {
                throw Error(_pos, "template directives (%{if}, %{for}) are not supported by this reader",
                    "compute the value with a conditional or a for expression outside the string, or write %%{ for a literal '%{'.");
            }

            if (c == '$' && Peek(1) == '{')
            {
                var open = _pos;
                _pos += 2;
                var stripBefore = Peek() == '~';
                if (stripBefore)
                {
                    _pos++;
                }

                Flush(stripBefore);
                var saved = _nesting;
                _nesting = 1;
                SkipSpace();
                var expr = ParseExpr();
                SkipSpace();
                stripNext = Peek() == '~';
                if (stripNext)
                {
                    _pos++;
                }

                Expect('}', open, "the interpolation ${");
                _nesting = saved;
                parts.Add(expr);
                literalStart = _pos;
                if (stripNext)
                {
                    while (_pos < limit && _text[_pos] is ' ' or '\t' or '\r' or '\n')
                    {
                        _pos++;
                    }

                    literalStart = _pos;
                }

                continue;
            }

            if (quoted && c == '\\')
            {
                _pos++;
                literal.Append(ReadEscape(_pos - 1));
                continue;
            }

            literal.Append(c);
            _pos++;
        }

        Flush(stripTrailing: false);
        return parts;
    }

    private string ReadEscape(int at)
    {
        var c = Peek();
        _pos++;
        switch (c)
        {
            case 'n': return "\n";
            case 'r': return "\r";
            case 't': return "\t";
            case '"': return "\"";
            case '\\': return "\\";
            case 'u':
            case 'U':
                var n = c == 'u' ? 4 : 8;
                if (_pos + n > _text.Length || !int.TryParse(_text.AsSpan(_pos, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                {
                    throw Error(at, $"invalid \\{c} escape", $"write \\{c} followed by {n} hexadecimal digits.");
                }

                _pos += n;
                return char.ConvertFromUtf32(code);
            default:
                throw Error(at, $"invalid escape \\{c}", "use \\n, \\r, \\t, \\\", \\\\, \\uNNNN or \\UNNNNNNNN (write \\\\ for a backslash).");
        }
    }

    private HclTemplate ReadHeredoc()
    {
        var start = _pos;
        _pos += 2;
        var flush = Peek() == '-';
        if (flush)
        {
            _pos++;
        }

        if (!IsIdStart(Peek()))
        {
            throw Error(_pos, "expected a heredoc marker after <<", "write <<EOT (or <<-EOT), the text on the following lines, then EOT alone on a line.");
        }

        var marker = ReadIdentifier();
        if (Peek() == '\r')
        {
            _pos++;
        }

        if (Peek() != '\n')
        {
            throw Error(_pos, $"the heredoc marker {marker} must end its line", $"start the text on the line after <<{(flush ? "-" : "")}{marker}.");
        }

        _pos++;
        var contentStart = _pos;

        // Find the closing line: the marker alone, optionally indented.
        var lineStart = _pos;
        var contentEnd = -1;
        var afterClose = -1;
        while (lineStart <= _text.Length)
        {
            var lineEnd = _text.IndexOf('\n', lineStart);
            var end = lineEnd < 0 ? _text.Length : lineEnd;
            var line = _text[lineStart..end].TrimEnd('\r');
            if (line.Trim(' ', '\t') == marker)
            {
                contentEnd = lineStart;
                afterClose = end;
                break;
            }

            if (lineEnd < 0)
            {
                break;
            }

            lineStart = lineEnd + 1;
        }

        if (contentEnd < 0)
        {
            throw Error(start, $"the heredoc <<{(flush ? "-" : "")}{marker} is never closed", $"end it with {marker} alone on a line.");
        }

        _pos = contentStart;
        var parts = ReadTemplateParts(start, quoted: false, heredocEnd: contentEnd);
        _pos = afterClose;
        if (flush)
        {
            parts = FlushIndent(parts);
        }

        return new HclTemplate(PosAt(start), afterClose, parts, IsHeredoc: true);
    }

    /// <summary>
    /// <c>&lt;&lt;-</c>: removes the smallest indentation of the lines from every line. As in hclsyntax,
    /// only literal text at the start of a line counts, and lines holding only whitespace do not.
    /// </summary>
    private static List<HclExpr> FlushIndent(List<HclExpr> parts)
    {
        var min = int.MaxValue;
        var atLineStart = true;
        foreach (var part in parts)
        {
            if (part is HclLiteral { Value: string s })
            {
                var lines = s.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    var isStart = i > 0 || atLineStart;
                    if (isStart)
                    {
                        var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                        var onlySpace = lines[i].Trim(' ', '\t', '\r').Length == 0;
                        var isLastFragment = i == lines.Length - 1;

                        // A fragment followed by an interpolation on the same line counts even if blank.
                        if (!onlySpace || (isLastFragment && !ReferenceEquals(part, parts[^1])))
                        {
                            min = Math.Min(min, indent);
                        }
                    }
                }

                atLineStart = s.EndsWith('\n');
            }
            else
            {
                if (atLineStart)
                {
                    min = 0;
                }

                atLineStart = false;
            }
        }

        if (min is int.MaxValue or 0)
        {
            return parts;
        }

        var result = new List<HclExpr>();
        atLineStart = true;
        foreach (var part in parts)
        {
            if (part is HclLiteral { Value: string s } lit)
            {
                var lines = s.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (i > 0 || atLineStart)
                    {
                        var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                        lines[i] = lines[i][Math.Min(indent, min)..];
                    }
                }

                result.Add(lit with { Value = string.Join('\n', lines) });
                atLineStart = s.EndsWith('\n');
            }
            else
            {
                result.Add(part);
                atLineStart = false;
            }
        }

        return result;
    }
}
