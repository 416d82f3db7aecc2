using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>
/// The OpenTofu functions that Vault modules use, with OpenTofu's semantics
/// (opentofu.org/docs/language/functions). Any other function gives an <see cref="Unknown"/>
/// that the import reports; it is never guessed.
/// </summary>
internal static class TofuFunctions
{
    public static readonly string[] Supported =
    [
        "format", "lower", "upper", "replace", "join", "concat", "merge", "toset", "tolist", "tomap", "tostring", "tonumber", "tobool",
        "length", "keys", "values", "lookup", "contains", "element", "coalesce", "compact", "distinct", "flatten", "split", "trimspace",
        "trimprefix", "trimsuffix", "startswith", "endswith", "substr", "zipmap", "sort", "reverse", "jsonencode", "file", "templatefile", "abspath",
    ];

    public static object? Call(Scope scope, HclCall call, List<object?> args)
    {
        if (!Supported.Contains(call.Name, StringComparer.Ordinal))
        {
            return new Unknown($"the function {call.Name}() is not evaluated by the import (it knows {string.Join(", ", Supported)})", scope.Where(call));
        }

        if (call.ExpandLast && args.Count > 0)
        {
            var last = args[^1];
            args.RemoveAt(args.Count - 1);
            if (last is Unknown lu)
            {
                return lu;
            }

            args.AddRange(TofuValues.AsSequence(last) ?? throw Fail(scope, call, "the argument expanded with ... must be a list", "expand a list."));
        }

        // templatefile's variables may hold unknowns the template never uses; everything else propagates.
        if (call.Name != "templatefile" && args.Select(TofuValues.FirstUnknown).FirstOrDefault(u => u is not null) is { } unknown)
        {
            return unknown;
        }

        return call.Name switch
        {
            "format" => Format(scope, call, args),
            "lower" => Str(scope, call, args, 0).ToLowerInvariant(),
            "upper" => Str(scope, call, args, 0).ToUpperInvariant(),
            "replace" => Replace(scope, call, args),
            "join" => string.Join(Str(scope, call, args, 0), args.Skip(1).SelectMany(a => Seq(scope, call, a)).Select(v => AsString(scope, call, v))),
            "concat" => args.SelectMany(a => Seq(scope, call, a)).ToList(),
            "merge" => Merge(scope, call, args),
            "toset" => TofuValues.ToSet(Seq(scope, call, Arg(scope, call, args, 0))),
            "tolist" => new List<object?>(Seq(scope, call, Arg(scope, call, args, 0))),
            "tomap" => Arg(scope, call, args, 0) is SortedDictionary<string, object?> m ? m : throw Fail(scope, call, "tomap needs an object", "pass an object."),
            "tostring" => Str(scope, call, args, 0),
            "tonumber" => double.TryParse(Str(scope, call, args, 0), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw Fail(scope, call, "tonumber needs a number", "pass a number."),
            "tobool" => Arg(scope, call, args, 0) switch { bool b => b, "true" => true, "false" => false, _ => throw Fail(scope, call, "tobool needs true or false", "pass a bool.") },
            "length" => Arg(scope, call, args, 0) switch
            {
                string s => (double)new StringInfo(s).LengthInTextElements,
                SortedDictionary<string, object?> m => (double)m.Count,
                var v => (double)Seq(scope, call, v).Count,
            },
            "keys" => Map(scope, call, args, 0).Keys.Select(k => (object?)k).ToList(),
            "values" => Map(scope, call, args, 0).Values.ToList(),
            "lookup" => Map(scope, call, args, 0).TryGetValue(Str(scope, call, args, 1), out var lv)
                ? lv
                : args.Count > 2 ? args[2] : throw Fail(scope, call, $"lookup: the map has no key \"{Str(scope, call, args, 1)}\" and no default was given", "add a default: lookup(map, key, default)."),
            "contains" => Seq(scope, call, Arg(scope, call, args, 0)).Any(v => TofuValues.DeepEquals(v, Arg(scope, call, args, 1))),
            "element" => Element(scope, call, args),
            "coalesce" => args.FirstOrDefault(a => a is not null && a is not "") ?? throw Fail(scope, call, "coalesce: every argument is null or empty", "give at least one value."),
            "compact" => Seq(scope, call, Arg(scope, call, args, 0)).Where(v => v is not null && v is not "").ToList(),
            "distinct" => Seq(scope, call, Arg(scope, call, args, 0)).Aggregate(new List<object?>(), (acc, v) => { if (!acc.Any(a => TofuValues.DeepEquals(a, v))) { acc.Add(v); } return acc; }),
            "flatten" => Flatten(Seq(scope, call, Arg(scope, call, args, 0))),
            "split" => Str(scope, call, args, 1).Split(Str(scope, call, args, 0)).Select(s => (object?)s).ToList(),
            "trimspace" => Str(scope, call, args, 0).Trim(),
            "trimprefix" => Str(scope, call, args, 0) is var tp && tp.StartsWith(Str(scope, call, args, 1), StringComparison.Ordinal) ? tp[Str(scope, call, args, 1).Length..] : Str(scope, call, args, 0),
            "trimsuffix" => Str(scope, call, args, 0) is var ts && ts.EndsWith(Str(scope, call, args, 1), StringComparison.Ordinal) ? ts[..^Str(scope, call, args, 1).Length] : Str(scope, call, args, 0),
            "startswith" => Str(scope, call, args, 0).StartsWith(Str(scope, call, args, 1), StringComparison.Ordinal),
            "endswith" => Str(scope, call, args, 0).EndsWith(Str(scope, call, args, 1), StringComparison.Ordinal),
            "substr" => Substr(scope, call, args),
            "zipmap" => Zipmap(scope, call, args),
            "sort" => Seq(scope, call, Arg(scope, call, args, 0)).Select(v => AsString(scope, call, v)).Order(StringComparer.Ordinal).Select(v => (object?)v).ToList(),
            "reverse" => Seq(scope, call, Arg(scope, call, args, 0)).Reverse().ToList(),
            "jsonencode" => System.Text.Json.JsonSerializer.Serialize(ToJson(Arg(scope, call, args, 0))),
            "abspath" => Path.GetFullPath(Str(scope, call, args, 0), scope.Module.Evaluator.RootDir),
            "file" => ReadFile(scope, call, Str(scope, call, args, 0)),
            "templatefile" => TemplateFile(scope, call, args),
            _ => throw Fail(scope, call, $"{call.Name}() is not implemented", "report this."),
        };
    }

    private static object? ToJson(object? v) => v switch
    {
        List<object?> l => l.Select(ToJson).ToList(),
        TofuSet s => s.Items.Select(ToJson).ToList(),
        SortedDictionary<string, object?> m => m.ToDictionary(p => p.Key, p => ToJson(p.Value), StringComparer.Ordinal),
        _ => v,
    };

    private static TofuException Fail(Scope scope, HclCall call, string problem, string fix) =>
        TofuException.At(scope.File, call.Start.Line, call.Start.Column, $"{call.Name}(): {problem}", fix);

    private static object? Arg(Scope scope, HclCall call, List<object?> args, int i) =>
        i < args.Count ? args[i] : throw Fail(scope, call, $"needs at least {i + 1} argument{(i == 0 ? "" : "s")}, found {args.Count}", "add the missing argument.");

    private static string AsString(Scope scope, HclCall call, object? v) =>
        TofuValues.TryString(v, out var s) ? s : throw Fail(scope, call, $"a string is needed, found {TofuValues.Describe(v)}", "pass a string.");

    private static string Str(Scope scope, HclCall call, List<object?> args, int i) => AsString(scope, call, Arg(scope, call, args, i));

    private static IReadOnlyList<object?> Seq(Scope scope, HclCall call, object? v) =>
        TofuValues.AsSequence(v) ?? throw Fail(scope, call, $"a list or set is needed, found {TofuValues.Describe(v)}", "pass a list.");

    private static SortedDictionary<string, object?> Map(Scope scope, HclCall call, List<object?> args, int i) =>
        Arg(scope, call, args, i) as SortedDictionary<string, object?> ?? throw Fail(scope, call, $"a map is needed, found {TofuValues.Describe(args[i])}", "pass a map.");

    private static SortedDictionary<string, object?> Merge(Scope scope, HclCall call, List<object?> args)
    {
        var result = TofuValues.NewMap();
        foreach (var a in args)
        {
            if (a is null)
            {
                continue;
            }

            foreach (var (k, v) in a as SortedDictionary<string, object?> ?? throw Fail(scope, call, $"every argument must be a map, found {TofuValues.Describe(a)}", "pass maps."))
            {
                result[k] = v;
            }
        }

        return result;
    }

    private static object? Element(Scope scope, HclCall call, List<object?> args)
    {
        var list = Seq(scope, call, Arg(scope, call, args, 0));
        var index = Arg(scope, call, args, 1) is double d ? (int)d : throw Fail(scope, call, "the index must be a number", "pass a number.");
        return list.Count == 0 ? throw Fail(scope, call, "the list is empty", "pass a non-empty list.") : list[((index % list.Count) + list.Count) % list.Count];
    }

    private static List<object?> Flatten(IEnumerable<object?> items)
    {
        var result = new List<object?>();
        foreach (var item in items)
        {
            if (TofuValues.AsSequence(item) is { } inner)
            {
                result.AddRange(Flatten(inner));
            }
            else
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static string Substr(Scope scope, HclCall call, List<object?> args)
    {
        var s = Str(scope, call, args, 0);
        var offset = (int)(Arg(scope, call, args, 1) as double? ?? 0);
        var length = (int)(Arg(scope, call, args, 2) as double? ?? -1);
        offset = Math.Clamp(offset < 0 ? s.Length + offset : offset, 0, s.Length);
        length = length < 0 ? s.Length - offset : Math.Min(length, s.Length - offset);
        return s.Substring(offset, length);
    }

    private static SortedDictionary<string, object?> Zipmap(Scope scope, HclCall call, List<object?> args)
    {
        var keys = Seq(scope, call, Arg(scope, call, args, 0));
        var values = Seq(scope, call, Arg(scope, call, args, 1));
        var map = TofuValues.NewMap();
        for (var i = 0; i < Math.Min(keys.Count, values.Count); i++)
        {
            map[AsString(scope, call, keys[i])] = values[i];
        }

        return map;
    }

    /// <summary>replace(string, substring, replacement); a substring in slashes is a regular expression (RE2 syntax; $1 refers to groups).</summary>
    private static string Replace(Scope scope, HclCall call, List<object?> args)
    {
        var s = Str(scope, call, args, 0);
        var search = Str(scope, call, args, 1);
        var replacement = Str(scope, call, args, 2);
        if (search.Length > 1 && search.StartsWith('/') && search.EndsWith('/'))
        {
            try
            {
                return Regex.Replace(s, search[1..^1], replacement, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw Fail(scope, call, $"invalid regular expression {search}: {ex.Message}", "fix the pattern, or write the substring without slashes.");
            }
        }

        return s.Replace(search, replacement, StringComparison.Ordinal);
    }

    /// <summary>format with the verbs modules use: %s, %d, %v, %q, %f, %% (and widths such as %03d are refused as unknown).</summary>
    private static object? Format(Scope scope, HclCall call, List<object?> args)
    {
        var fmt = Str(scope, call, args, 0);
        var sb = new StringBuilder();
        var next = 1;
        for (var i = 0; i < fmt.Length; i++)
        {
            if (fmt[i] != '%')
            {
                sb.Append(fmt[i]);
                continue;
            }

            if (i + 1 >= fmt.Length)
            {
                throw Fail(scope, call, "the format ends with a lone %", "write %% for a percent sign.");
            }

            var verb = fmt[++i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }

            var value = Arg(scope, call, args, next++);
            switch (verb)
            {
                case 's' or 'v':
                    sb.Append(AsString(scope, call, value));
                    break;
                case 'q':
                    sb.Append('"').Append(AsString(scope, call, value).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case 'd':
                    sb.Append(value is double d && d == Math.Floor(d) ? d.ToString("0", CultureInfo.InvariantCulture) : throw Fail(scope, call, "%d needs a whole number", "pass a number."));
                    break;
                case 'f':
                    sb.Append(value is double f ? f.ToString("0.000000", CultureInfo.InvariantCulture) : throw Fail(scope, call, "%f needs a number", "pass a number."));
                    break;
                default:
                    return new Unknown($"format verb %{verb} is not evaluated by the import", scope.Where(call));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The path as written, joined to the root module's folder (or the home folder for <c>~/</c>) but
    /// with its <c>..</c> left in place: the file guard walks it component by component (a symlink
    /// before the <c>..</c> that follows it) as well as in its collapsed form, so the file is judged
    /// wherever it really leads. What is opened is the collapsed form, the file OpenTofu's
    /// <c>file()</c> opens (<c>internal/lang/funcs/filesystem.go</c>: <c>openFile</c>: <c>filepath.Join</c> with the base folder, then <c>filepath.Clean</c>, both textual).
    /// </summary>
    private static string Resolve(Scope scope, string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : Path.Combine(scope.Module.Evaluator.RootDir, path);

    /// <summary>file(path): relative paths start at the root module's folder, as OpenTofu's do (use path.module for the module's own files). Read through the guard.</summary>
    private static string ReadFile(Scope scope, HclCall call, string path)
    {
        var written = Resolve(scope, path);
        var evaluator = scope.Module.Evaluator;
        if (!evaluator.FileExists(written))
        {
            throw Fail(scope, call, $"no file \"{TofuEvaluator.Display(Path.GetFullPath(written))}\"", "relative paths start at the root module's folder; write \"${path.module}/file\" for a file beside the module.");
        }

        return evaluator.ReadFile(written);
    }

    private static object? TemplateFile(Scope scope, HclCall call, List<object?> args)
    {
        var path = Str(scope, call, args, 0);
        var vars = args.Count > 1
            ? Arg(scope, call, args, 1) as SortedDictionary<string, object?> ?? throw Fail(scope, call, "the variables must be an object", "write templatefile(path, { name = value }).")
            : TofuValues.NewMap();
        var text = ReadFile(scope, call, path);
        var full = Path.GetFullPath(Resolve(scope, path));
        var template = HclParser.ParseTemplate(text, TofuEvaluator.Display(full));
        return scope.ForTemplate(template.Start.Line > 0 ? TofuEvaluator.Display(full) : full, vars).Eval(template with { IsHeredoc = true });
    }
}
