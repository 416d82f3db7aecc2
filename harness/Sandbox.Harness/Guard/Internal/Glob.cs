using System.Text;
using System.Text.RegularExpressions;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// A shell-style glob: <c>*</c> (any run of characters), <c>?</c> (one character) and
/// <c>[abc]</c>, <c>[a-z]</c>, <c>[!abc]</c> classes. Matching is case-insensitive, because the
/// guard must not be fooled by a case-insensitive file system or a differently cased name.
/// </summary>
internal sealed class Glob
{
    private readonly Regex _regex;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    public static bool HasWildcards(string s) => s.AsSpan().IndexOfAny("*?[") >= 0;

    public static bool TryCreate(string pattern, out Glob? glob, out string error)
    {
        glob = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            error = "the pattern is empty";
            return false;
        }

        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"'[' at position {i + 1} is never closed by ']'";
                        return false;
                    }

                    var body = pattern[(i + 1)..close];
                    var negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate)
                    {
                        body = body[1..];
                    }

                    if (body.Length == 0)
                    {
                        error = $"the character class at position {i + 1} is empty";
                        return false;
                    }

                    for (var j = 0; j < body.Length; j++)
                    {
                        if (body[j] == '-' && j > 0 && j < body.Length - 1 && body[j - 1] > body[j + 1])
                        {
                            error = $"the range '{body[j - 1]}-{body[j + 1]}' at position {i + 1} is reversed";
                            return false;
                        }
                    }

                    sb.Append('[');
                    if (negate)
                    {
                        sb.Append('^');
                    }

                    foreach (var bc in body)
                    {
                        sb.Append(bc is '\\' or ']' or '[' or '^' ? "\\" + bc : bc.ToString());
                    }

                    sb.Append(']');
                    i = close;
                    break;
                case ']':
                    error = $"']' at position {i + 1} has no matching '['";
                    return false;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        sb.Append('$');
        glob = new Glob(pattern, new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1)));
        return true;
    }

    public bool IsMatch(string value) => _regex.IsMatch(value);
}
