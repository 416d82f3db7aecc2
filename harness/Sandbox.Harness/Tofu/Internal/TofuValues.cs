using System.Globalization;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>A value that the static import cannot know (a computed attribute, a data source, an unsupported function).</summary>
/// <param name="Reason">Why, for the report.</param>
/// <param name="At">Where (<c>file:line</c>).</param>
internal sealed record Unknown(string Reason, string At);

/// <summary>A set of strings (what <c>toset()</c> and a <c>set(string)</c> variable give): distinct, in lexical order as OpenTofu iterates it.</summary>
internal sealed record TofuSet(IReadOnlyList<object?> Items);

/// <summary>
/// The value model of the evaluator: <see cref="string"/>, <see cref="double"/>, <see cref="bool"/>,
/// null, <see cref="List{T}"/> (list and tuple), <see cref="TofuSet"/>, <see cref="SortedDictionary{TKey, TValue}"/>
/// (map and object, lexical key order as OpenTofu iterates them) and <see cref="Unknown"/>.
/// </summary>
internal static class TofuValues
{
    public static SortedDictionary<string, object?> NewMap() => new(StringComparer.Ordinal);

    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"the string \"{Shorten(s)}\"",
        double d => $"the number {Format(d)}",
        bool b => b ? "true" : "false",
        List<object?> l => $"a list of {l.Count}",
        TofuSet s => $"a set of {s.Items.Count}",
        SortedDictionary<string, object?> m => $"a map of {m.Count}",
        Unknown u => $"unknown ({u.Reason})",
        _ => value.GetType().Name,
    };

    public static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    public static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>OpenTofu's automatic conversion to string (numbers and bools convert; collections do not).</summary>
    public static bool TryString(object? value, out string text)
    {
        switch (value)
        {
            case string s:
                text = s;
                return true;
            case double d:
                text = Format(d);
                return true;
            case bool b:
                text = b ? "true" : "false";
                return true;
            default:
                text = "";
                return false;
        }
    }

    public static IReadOnlyList<object?>? AsSequence(object? value) => value switch
    {
        List<object?> l => l,
        TofuSet s => s.Items,
        _ => null,
    };

    public static TofuSet ToSet(IEnumerable<object?> items)
    {
        var strings = new SortedSet<string>(StringComparer.Ordinal);
        var others = new List<object?>();
        foreach (var item in items)
        {
            if (TryString(item, out var s))
            {
                strings.Add(s);
            }
            else if (!others.Any(o => DeepEquals(o, item)))
            {
                others.Add(item);
            }
        }

        return new TofuSet([.. strings.Cast<object?>(), .. others]);
    }

    public static bool DeepEquals(object? a, object? b)
    {
        switch (a)
        {
            case null:
                return b is null;
            case List<object?> la when b is List<object?> lb:
                return la.Count == lb.Count && la.Zip(lb).All(p => DeepEquals(p.First, p.Second));
            case TofuSet sa when b is TofuSet sb:
                return DeepEquals(new List<object?>(sa.Items), new List<object?>(sb.Items));
            case SortedDictionary<string, object?> ma when b is SortedDictionary<string, object?> mb:
                return ma.Count == mb.Count && ma.All(p => mb.TryGetValue(p.Key, out var v) && DeepEquals(p.Value, v));
            default:
                return a.Equals(b);
        }
    }

    /// <summary>The first unknown inside a value, or null when the value is fully known.</summary>
    public static Unknown? FirstUnknown(object? value) => value switch
    {
        Unknown u => u,
        List<object?> l => l.Select(FirstUnknown).FirstOrDefault(u => u is not null),
        TofuSet s => s.Items.Select(FirstUnknown).FirstOrDefault(u => u is not null),
        SortedDictionary<string, object?> m => m.Values.Select(FirstUnknown).FirstOrDefault(u => u is not null),
        _ => null,
    };
}
