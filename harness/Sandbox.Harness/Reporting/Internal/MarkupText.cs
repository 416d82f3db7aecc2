using System.Globalization;
using System.Text;
using System.Xml;

namespace Sandbox.Harness.Reporting.Internal;

/// <summary>Text helpers shared by the HTML and JUnit writers.</summary>
internal static class MarkupText
{
    /// <summary>Drops characters XML 1.0 cannot hold (NUL, most control characters, lone surrogates).</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = XmlConvert.IsXmlChar(c);
            var pair = !ok && i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c);
            if (ok || pair)
            {
                builder?.Append(c);
                if (pair)
                {
                    builder?.Append(text[i + 1]);
                    i++;
                }

                continue;
            }

            builder ??= new StringBuilder(text, 0, i, text.Length);
            builder.Append('\uFFFD');
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>Escapes text for HTML/XML element content and double- or single-quoted attributes.</summary>
    public static string Escape(string? text)
    {
        var clean = Clean(text);
        if (clean.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return clean;
        }

        var builder = new StringBuilder(clean.Length + 16);
        foreach (var c in clean)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>A number for SVG coordinates and durations, always with '.' as the decimal separator.</summary>
    public static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds as a short human duration: <c>850 ms</c>, <c>3.2 s</c>, <c>2 min 05 s</c>.</summary>
    public static string Duration(double ms)
    {
        if (ms < 1000)
        {
            return ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms";
        }

        if (ms < 60_000)
        {
            return (ms / 1000).ToString("0.0#", CultureInfo.InvariantCulture) + " s";
        }

        var span = TimeSpan.FromMilliseconds(ms);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds:00} s");
    }
}
