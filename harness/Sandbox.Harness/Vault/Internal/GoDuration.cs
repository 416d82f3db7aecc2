using System.Globalization;
using System.Text.Json;

namespace Sandbox.Harness.Vault.Internal;

/// <summary>Parses the duration strings Vault prints (<c>768h</c>, <c>9m55s</c>, <c>1.5s</c>, <c>300ms</c>) or plain seconds.</summary>
internal static class GoDuration
{
    public static TimeSpan? Parse(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var total = TimeSpan.Zero;
        var i = 0;
        var negative = text[0] == '-';
        if (negative || text[0] == '+')
        {
            i++;
        }

        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw new JsonException($"'{text}' is not a duration.");
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                "us" or "µs" => TimeSpan.FromMicroseconds(number),
                "ns" => TimeSpan.FromTicks((long)(number / 100)),
                _ => throw new JsonException($"'{text}' is not a duration (unknown unit '{text[unitStart..i]}')."),
            };
        }

        return negative ? -total : total;
    }
}
