using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// Turns every spelling of a host into one canonical form: lower case, no trailing dot,
/// percent-decoded, full-width and ideographic dots folded, IDN as punycode, brackets and
/// zone ids removed, every IPv4 spelling (decimal, octal, hex, short) and IPv4-mapped IPv6
/// as the plain IPv4 address.
/// </summary>
internal static class HostCanonicalizer
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Canonicalises <paramref name="raw"/>; false when it cannot be a host at all.</summary>
    public static bool TryCanonicalize(string? raw, out string host, out IPAddress? address)
    {
        host = string.Empty;
        address = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return false;
        }

        var s = raw.Trim();

        // Fast path: the common loopback literal from the connect callback.
        if (s.Length <= 15 && s[0] is >= '0' and <= '9' && IsPlainDottedQuad(s) && IPAddress.TryParse(s, out var quick))
        {
            // A plain dotted quad without leading zeros is already its own canonical spelling.
            address = quick;
            host = s;
            return true;
        }

        if (s.Length >= 2 && s[0] == '[' && s[^1] == ']')
        {
            s = s[1..^1];
        }

        if (s.Contains(':', StringComparison.Ordinal))
        {
            return TryIPv6(s, out host, out address);
        }

        if (s.Contains('%', StringComparison.Ordinal))
        {
            for (var i = 0; i < 4 && s.Contains('%', StringComparison.Ordinal); i++)
            {
                var decoded = Uri.UnescapeDataString(s);
                if (decoded == s)
                {
                    break;
                }

                s = decoded;
            }

            if (s.Contains('%', StringComparison.Ordinal))
            {
                return false;
            }

            if (s.Contains(':', StringComparison.Ordinal) || s.Contains('[', StringComparison.Ordinal))
            {
                return TryCanonicalize(s, out host, out address);
            }
        }

        s = FoldCompatibilityForms(s);
        s = s.ToLowerInvariant().TrimEnd('.');
        if (s.Length == 0)
        {
            return false;
        }

        if (!IsAscii(s))
        {
            if (Uts46.IsAvailable)
            {
                // The UTS #46 mapping a resolver or child tool applies (circled, mathematical and
                // other compatibility letters, ignored characters), then punycode. A name with an
                // IDNA error is refused: what a child would make of it cannot be known.
                var mapped = Uts46.ToAscii(s)?.ToLowerInvariant().TrimEnd('.');
                if (string.IsNullOrEmpty(mapped))
                {
                    return false;
                }

                s = mapped;
            }
            else
            {
                try
                {
                    s = Idn.GetAscii(s).ToLowerInvariant();
                }
                catch (ArgumentException)
                {
                    return false;
                }
            }
        }

        if (s[0] is >= '0' and <= '9' && LooksNumeric(s))
        {
            if (IPAddress.TryParse(s, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork)
            {
                address = v4;
                host = v4.ToString();
                return true;
            }

            // Digits and dots that are not an address (for example 1.2.3.4.5): refuse rather than guess.
            if (!s.Any(char.IsAsciiLetter))
            {
                return false;
            }
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        if (s.Contains("..", StringComparison.Ordinal) || s.Length > 253)
        {
            return false;
        }

        host = s;
        return true;
    }

    /// <summary>Strips zone ids and maps IPv4-mapped IPv6 to IPv4.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            return new IPAddress(address.GetAddressBytes());
        }

        return address;
    }

    /// <summary>
    /// IPv4 addresses embedded in an IPv6 address by a translation scheme that could carry a
    /// connection to them: IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    /// </summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b.Slice(2, 4));
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Slice(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.Slice(12, 4));
        }

        if (b[..12].IndexOfAnyExcept((byte)0) < 0 && (b[12] | b[13]) != 0)
        {
            return new IPAddress(b.Slice(12, 4));
        }

        return null;
    }

    private static bool TryIPv6(string s, out string host, out IPAddress? address)
    {
        host = string.Empty;
        address = null;
        s = s.Replace("%25", "%", StringComparison.Ordinal);
        var zone = s.IndexOf('%', StringComparison.Ordinal);
        var bare = zone >= 0 ? s[..zone] : s;
        if (!IPAddress.TryParse(bare, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = Normalize(parsed);
        host = address.ToString();
        return true;
    }

    private static bool IsPlainDottedQuad(string s)
    {
        var dots = 0;
        var octetStart = true;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '.')
            {
                dots++;
                octetStart = true;
                continue;
            }

            if (c is < '0' or > '9')
            {
                return false;
            }

            // A leading zero followed by more digits is octal: leave those to the general path.
            if (octetStart && c == '0' && i + 1 < s.Length && s[i + 1] != '.')
            {
                return false;
            }

            octetStart = false;
        }

        return dots == 3;
    }

    private static bool LooksNumeric(string s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiHexDigit(c) || c is '.' or 'x'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAscii(string s)
    {
        foreach (var c in s)
        {
            if (c > 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The part of IDNA's compatibility mapping that invariant globalization lacks: full-width
    /// ASCII to ASCII, ideographic and full-width full stops to '.', and characters IDNA maps to
    /// nothing (soft hyphen, zero-width joiners and spaces) removed.
    /// </summary>
    private static string FoldCompatibilityForms(string s)
    {
        if (IsAscii(s))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            switch (c)
            {
                case >= '\uFF01' and <= '\uFF5E':
                    sb.Append((char)(c - 0xFEE0));
                    break;
                case '\u3002' or '\uFF0E' or '\uFF61':
                    sb.Append('.');
                    break;
                case '\u00AD' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF':
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }
}
