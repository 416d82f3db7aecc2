using System.Globalization;
using System.Text.RegularExpressions;

namespace Sandbox.Harness.Topology;

/// <summary>
/// A TTL in Vault's duration syntax: whole seconds (<c>30</c>) or a Go-style duration made of
/// number-unit pairs with the units <c>s</c>, <c>m</c>, <c>h</c> and <c>d</c>
/// (<c>90s</c>, <c>1h30m</c>, <c>1.5h</c>, <c>7d</c>). Vault counts TTLs in whole seconds.
/// </summary>
/// <param name="Text">The text as written.</param>
/// <param name="Value">The duration, truncated to whole seconds.</param>
internal readonly partial record struct VaultDuration(string Text, TimeSpan Value)
{
    /// <summary>The duration in whole seconds, the form Vault returns (<c>token_ttl: 3600</c>).</summary>
    public long Seconds => (long)Value.TotalSeconds;

    /// <summary>Parses Vault's duration syntax.</summary>
    /// <param name="text">The text, e.g. <c>1h</c>.</param>
    /// <param name="duration">The duration when valid.</param>
    /// <returns>True when the text is a valid, non-negative duration.</returns>
    public static bool TryParse(string? text, out VaultDuration duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var secs))
        {
            duration = new VaultDuration(text, TimeSpan.FromSeconds(secs));
            return true;
        }

        if (!DurationPattern().IsMatch(t))
        {
            return false;
        }

        double total = 0;
        foreach (Match m in PartPattern().Matches(t))
        {
            var n = double.Parse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "s" => n,
                "m" => n * 60,
                "h" => n * 3600,
                _ => n * 86400,
            };
        }

        duration = new VaultDuration(text, TimeSpan.FromSeconds(Math.Floor(total)));
        return true;
    }

    /// <summary>Creates a duration of whole seconds (its text is the number of seconds followed by <c>s</c>).</summary>
    /// <param name="seconds">The seconds.</param>
    /// <returns>The duration.</returns>
    public static VaultDuration FromSeconds(long seconds) =>
        new(seconds.ToString(CultureInfo.InvariantCulture) + "s", TimeSpan.FromSeconds(seconds));

    /// <summary>The text as written.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Text;

    [GeneratedRegex(@"^(\d+(\.\d+)?(s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(s|m|h|d)", RegexOptions.CultureInvariant)]
    private static partial Regex PartPattern();
}
