using System.Text.RegularExpressions;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// The last line of defence that keeps secrets out of the evidence pack. Everything a
/// <see cref="ScenarioTimeline"/> stores, every failure message and every copied log
/// line passes through <see cref="Redact(string, out int)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The rule for callers is still: never put a token, an unseal key or a password into
/// timeline text. This filter only catches what looks like one:
/// </para>
/// <list type="bullet">
/// <item>a Vault/OpenBao token: <c>hvs.</c>, <c>hvb.</c>, <c>hvr.</c> or the legacy
/// <c>s.</c>/<c>b.</c>/<c>r.</c> prefix followed by 24 or more token characters;</item>
/// <item>an unseal key: 64 or 66 hex digits (32 or 33 bytes; not after <c>sha256:</c>),
/// or 43–44 base64 characters that decode to 32 or 33 bytes and mix upper case, lower case
/// and digits (random keys do; identifiers of that length almost never do);</item>
/// <item>a password pair: <c>password=…</c>, <c>"password": "…"</c>, <c>PGPASSWORD=…</c>,
/// <c>pwd: …</c>, and the password part of <c>scheme://user:password@host</c>.</item>
/// </list>
/// <para>
/// A match is replaced by <c>[redacted:&lt;what&gt;]</c> and counted, both in tests and in
/// release builds. Throwing instead was rejected: a scenario that fails because Vault echoed
/// something odd would then lose the very evidence of that failure, and a chaos run would stop
/// at a report-writing step. The count travels with the result (<see cref="ScenarioResult.Redactions"/>),
/// the report shows it in red, and a suite can assert it is zero.
/// </para>
/// </remarks>
internal static partial class SecretFilter
{
    /// <summary>The replacement text for a token.</summary>
    public const string TokenMarker = "[redacted:vault-token]";

    /// <summary>The replacement text for an unseal key.</summary>
    public const string KeyMarker = "[redacted:unseal-key]";

    /// <summary>The replacement text for a password.</summary>
    public const string PasswordMarker = "[redacted:password]";

    /// <summary>Returns <paramref name="text"/> with everything that looks like a secret replaced.</summary>
    /// <param name="text">Text meant for the evidence pack.</param>
    /// <param name="redactions">How many replacements were made.</param>
    /// <returns>The text, safe to store.</returns>
    public static string Redact(string text, out int redactions)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        var result = TokenPattern().Replace(text, _ =>
        {
            count++;
            return TokenMarker;
        });
        result = PasswordPairPattern().Replace(result, m =>
        {
            var raw = m.Groups["value"].Value;
            var value = raw.Trim('"', '\'');
            if (value.Length == 0 || value.StartsWith("[redacted", StringComparison.Ordinal) || value.StartsWith("{{", StringComparison.Ordinal))
            {
                return m.Value;
            }

            count++;
            var quote = raw[0] is '"' or '\'' ? raw[..1] : string.Empty;
            return m.Groups["key"].Value + quote + PasswordMarker + quote;
        });
        result = UrlPasswordPattern().Replace(result, m =>
        {
            if (m.Value.StartsWith("{{", StringComparison.Ordinal) || m.Value.StartsWith("[redacted", StringComparison.Ordinal))
            {
                return m.Value; // Vault's connection_url template placeholder, not a password.
            }

            count++;
            return PasswordMarker;
        });
        result = HexKeyPattern().Replace(result, _ =>
        {
            count++;
            return KeyMarker;
        });
        result = Base64KeyPattern().Replace(result, m =>
        {
            if (!LooksLikeBase64Key(m.Value))
            {
                return m.Value;
            }

            count++;
            return KeyMarker;
        });
        redactions = count;
        return result;
    }

    /// <summary>Whether <see cref="Redact(string, out int)"/> would change <paramref name="text"/>.</summary>
    /// <param name="text">The text to check.</param>
    /// <returns><see langword="true"/> when the text looks like it holds a secret.</returns>
    public static bool ContainsSecret(string text)
    {
        _ = Redact(text, out var redactions);
        return redactions > 0;
    }

    private static bool LooksLikeBase64Key(string candidate)
    {
        var padded = candidate.EndsWith('=');
        var body = padded ? candidate[..^1] : candidate;
        var bytes = body.Length switch
        {
            43 => 32,
            44 when !padded => 33,
            _ => 0,
        };
        if (bytes == 0 || (padded && body.Length != 43))
        {
            return false;
        }

        return body.Any(char.IsAsciiLetterUpper) && body.Any(char.IsAsciiLetterLower) && body.Any(char.IsAsciiDigit);
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_.\-])(?:hv[sbr]|[sbr])\.[A-Za-z0-9_\-]{24,}", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"(?<key>(?:password|passwd|pwd)[""']?\s*[=:]\s*)(?<value>""[^""]*""|'[^']*'|[^\s&;,""']+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PasswordPairPattern();

    [GeneratedRegex(@"(?<=[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+(?=@)", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPasswordPattern();

    [GeneratedRegex(@"(?<![0-9A-Fa-f])(?<!sha256:)(?:[0-9a-fA-F]{66}|[0-9a-fA-F]{64})(?![0-9A-Fa-f])", RegexOptions.CultureInvariant)]
    private static partial Regex HexKeyPattern();

    [GeneratedRegex(@"(?<![A-Za-z0-9+/=_\-])[A-Za-z0-9+/_\-]{43,44}=?(?![A-Za-z0-9+/=_\-])", RegexOptions.CultureInvariant)]
    private static partial Regex Base64KeyPattern();
}
