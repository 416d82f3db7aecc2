using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>Where an expression is evaluated: its module instance and file, and each/count/for/template variables.</summary>
internal sealed class Scope(ModuleInstance module, string file)
{
    public ModuleInstance Module { get; } = module;

    public string File { get; } = file;

    public object? EachKey { get; init; }

    public object? EachValue { get; init; }

    public int? CountIndex { get; init; }

    /// <summary>for-expression variables, innermost last.</summary>
    public IReadOnlyDictionary<string, object?> ForVars { get; init; } = new Dictionary<string, object?>();

    /// <summary>In a <c>templatefile()</c> template: its variables, and nothing else is in scope.</summary>
    public IReadOnlyDictionary<string, object?>? TemplateVars { get; init; }

    public object? SplatItem { get; init; }

    private TofuEvaluator Evaluator => Module.Evaluator;

    private string At(HclExpr e) => TofuEvaluator.At(File, e.Start);

    private TofuException Error(HclExpr e, string problem, string fix) => TofuException.At(File, e.Start.Line, e.Start.Column, problem, fix);

    private Scope With(Dictionary<string, object?> forVars, object? splat = null) => new(Module, File)
    {
        EachKey = EachKey,
        EachValue = EachValue,
        CountIndex = CountIndex,
        ForVars = forVars,
        TemplateVars = TemplateVars,
        SplatItem = splat ?? SplatItem,
    };

    public object? Eval(HclExpr expr)
    {
        switch (expr)
        {
            case HclLiteral l:
                return l.Value;
            case HclTemplate t:
                return Template(t);
            case HclTuple t:
                return t.Items.Select(Eval).ToList();
            case HclObject o:
                {
                    var map = TofuValues.NewMap();
                    foreach (var item in o.Items)
                    {
                        var key = item.BareKey is { } bare ? bare : Eval(item.Key);
                        if (key is Unknown u)
                        {
                            return u;
                        }

                        if (!TofuValues.TryString(key, out var k))
                        {
                            throw Error(item.Key, $"an object key must be a string, found {TofuValues.Describe(key)}", "use a string key.");
                        }

                        map[k] = Eval(item.Value);
                    }

                    return map;
                }

            case HclParens p:
                return Eval(p.Inner);
            case HclSplatItem:
                return SplatItem;
            case HclVariable v:
                return Variable(v);
            case HclGetAttr g:
                return GetAttr(g);
            case HclIndex i:
                return Index(i);
            case HclSplat s:
                return Splat(s);
            case HclCall c:
                return TofuFunctions.Call(this, c, c.Args.Select(Eval).ToList());
            case HclConditional c:
                {
                    var cond = Eval(c.Condition);
                    return cond switch
                    {
                        Unknown u => u,
                        bool b => Eval(b ? c.True : c.False),
                        _ => throw Error(c.Condition, $"the condition is {TofuValues.Describe(cond)}, not true or false", "write a condition that gives a bool."),
                    };
                }

            case HclUnary u:
                return Unary(u);
            case HclBinary b:
                return Binary(b);
            case HclFor f:
                return For(f);
            default:
                throw Error(expr, "this expression cannot be evaluated", "simplify it.");
        }
    }

    private object? Template(HclTemplate t)
    {
        if (t.Parts.Count == 1 && t.Parts[0] is not HclLiteral { Value: string } && !t.IsHeredoc)
        {
            // "${x}" is x itself, of whatever type (OpenTofu's template unwrapping).
            return Eval(t.Parts[0]);
        }

        var sb = new System.Text.StringBuilder();
        foreach (var part in t.Parts)
        {
            var v = part is HclLiteral { Value: string s } ? s : Eval(part);
            if (v is Unknown u)
            {
                return u;
            }

            if (!TofuValues.TryString(v, out var text))
            {
                throw Error(part, $"cannot include {TofuValues.Describe(v)} in a string", "interpolate a string, a number or a bool (use join() for a list).");
            }

            sb.Append(text);
        }

        return sb.ToString();
    }

    private object? Variable(HclVariable v)
    {
        if (ForVars.TryGetValue(v.Name, out var value))
        {
            return value;
        }

        if (TemplateVars is not null)
        {
            return TemplateVars.TryGetValue(v.Name, out var tv)
                ? tv
                : throw Error(v, $"the template refers to \"{v.Name}\", which templatefile() was not given", $"pass it in the variables map: templatefile(path, {{ {v.Name} = ... }}).");
        }

        throw Error(v, $"\"{v.Name}\" alone is not a value", v.Name switch
        {
            "var" or "local" or "each" or "count" or "module" or "path" => $"write {v.Name}.NAME.",
            _ => "refer to var.NAME, local.NAME, each.key, each.value, count.index, module.NAME.OUTPUT or TYPE.NAME.ATTRIBUTE.",
        });
    }

    private object? GetAttr(HclGetAttr g)
    {
        if (g.Source is HclVariable root && !ForVars.ContainsKey(root.Name) && TemplateVars is null)
        {
            switch (root.Name)
            {
                case "var":
                    return Module.Variable(g.Name, g.Start, File);
                case "local":
                    return Module.Local(g.Name, g.Start, File);
                case "each":
                    if (EachKey is null)
                    {
                        throw Error(g, "each. is used outside a block with for_each", "use each.key and each.value only in a resource or module with for_each.");
                    }

                    return g.Name switch
                    {
                        "key" => EachKey,
                        "value" => EachValue,
                        _ => throw Error(g, $"each.{g.Name} does not exist", "write each.key or each.value."),
                    };
                case "count":
                    return g.Name == "index" && CountIndex is { } i
                        ? (double)i
                        : throw Error(g, "count.index is used outside a block with count", "use count.index only in a resource or module with count.");
                case "path":
                    return g.Name switch
                    {
                        "module" => Module.Source.Dir,
                        "root" or "cwd" => Evaluator.RootDir,
                        _ => throw Error(g, $"path.{g.Name} does not exist", "write path.module, path.root or path.cwd."),
                    };
                case "terraform" or "tofu":
                    return g.Name == "workspace" ? "default" : new Unknown($"{root.Name}.{g.Name} is not known to a static import", At(g));
                case "module":
                    return Module.ModuleValue(g.Name, g.Start, File);
                case "data":
                    return new DataMarker(g.Name);
                case "self":
                    return new Unknown("self is known only to provisioners", At(g));
                default:
                    return Module.ResourceValue($"{root.Name}.{g.Name}", g.Start, File);
            }
        }

        var source = Eval(g.Source);
        switch (source)
        {
            case Unknown u:
                return u;
            case DataMarker d:
                return new Unknown($"data.{d.Type}.{g.Name} is a data source, read only by a provider", At(g));
            case ResourceObject r:
                return r.TryGetValue(g.Name, out var rv)
                    ? rv
                    : new Unknown($"{r.Address}.{g.Name} is computed by the provider when it applies", At(g));
            case SortedDictionary<string, object?> map:
                return map.TryGetValue(g.Name, out var mv)
                    ? mv
                    : throw Error(g, $"the object has no attribute \"{g.Name}\"", $"use one of its attributes: {string.Join(", ", map.Keys.Take(12))}.");
            case List<object?> when g.Source is HclVariable or HclGetAttr:
                throw Error(g, $"\"{g.Name}\" cannot be read from a list (of count instances?)", "index it first, e.g. x[0].name, or use a splat x[*].name.");
            default:
                throw Error(g, $"cannot read \"{g.Name}\" from {TofuValues.Describe(source)}", "correct the reference.");
        }
    }

    private sealed record DataMarker(string Type);

    private object? Index(HclIndex i)
    {
        var source = Eval(i.Source);
        var key = Eval(i.Key);
        if (source is Unknown u)
        {
            return u;
        }

        if (key is Unknown uk)
        {
            return uk;
        }

        switch (source)
        {
            case List<object?> list:
                {
                    var n = key switch
                    {
                        double d => d,
                        string s when double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) => p,
                        _ => -1,
                    };
                    if (n < 0 || n != Math.Floor(n) || n >= list.Count)
                    {
                        throw Error(i.Key, $"index {TofuValues.Describe(key)} is outside the list of {list.Count}", "use an index from 0 to length - 1.");
                    }

                    return list[(int)n];
                }

            case SortedDictionary<string, object?> map:
                if (!TofuValues.TryString(key, out var k))
                {
                    throw Error(i.Key, $"a map key must be a string, found {TofuValues.Describe(key)}", "index the map with a string.");
                }

                return map.TryGetValue(k, out var v)
                    ? v
                    : throw Error(i.Key, $"the map has no key \"{k}\"", $"use one of its keys: {string.Join(", ", map.Keys.Take(12))}.");
            case TofuSet:
                throw Error(i, "a set cannot be indexed", "convert it with tolist(...) first, or use for_each.");
            case DataMarker d:
                return new Unknown($"data.{d.Type} is a data source", At(i));
            default:
                throw Error(i, $"{TofuValues.Describe(source)} cannot be indexed", "index a list or a map.");
        }
    }

    private object? Splat(HclSplat s)
    {
        var source = Eval(s.Source);
        if (source is Unknown u)
        {
            return u;
        }

        var items = source switch
        {
            null => [],
            List<object?> l => l,
            TofuSet set => set.Items,
            _ => [source],
        };
        return items.Select(item => With(new Dictionary<string, object?>(ForVars), item).Eval(s.Each)).ToList();
    }

    private object? Unary(HclUnary u)
    {
        var v = Eval(u.Operand);
        return (u.Op, v) switch
        {
            (_, Unknown x) => x,
            ("!", bool b) => !b,
            ("-", double d) => -d,
            _ => throw Error(u, $"'{u.Op}' does not apply to {TofuValues.Describe(v)}", u.Op == "!" ? "negate a bool." : "negate a number."),
        };
    }

    private object? Binary(HclBinary b)
    {
        var l = Eval(b.Left);
        if (b.Op == "&&" && l is false)
        {
            return false;
        }

        if (b.Op == "||" && l is true)
        {
            return true;
        }

        var r = Eval(b.Right);
        if (l is Unknown ul)
        {
            return ul;
        }

        if (r is Unknown ur)
        {
            return ur;
        }

        switch (b.Op)
        {
            case "==":
                return TofuValues.DeepEquals(l, r);
            case "!=":
                return !TofuValues.DeepEquals(l, r);
            case "&&" or "||":
                return l is bool lb && r is bool rb
                    ? (b.Op == "&&" ? lb && rb : lb || rb)
                    : throw Error(b, $"'{b.Op}' needs two bools, found {TofuValues.Describe(l)} and {TofuValues.Describe(r)}", "compare values to get bools.");
        }

        var ln = Number(l, b.Left);
        var rn = Number(r, b.Right);
        return b.Op switch
        {
            "+" => ln + rn,
            "-" => ln - rn,
            "*" => ln * rn,
            "/" => rn == 0 ? throw Error(b, "division by zero", "divide by a number other than 0.") : ln / rn,
            "%" => rn == 0 ? throw Error(b, "modulo by zero", "use a number other than 0.") : ln % rn,
            "<" => ln < rn,
            ">" => ln > rn,
            "<=" => ln <= rn,
            ">=" => ln >= rn,
            _ => throw Error(b, $"unknown operator {b.Op}", "use an HCL operator."),
        };
    }

    private double Number(object? v, HclExpr e) => v switch
    {
        double d => d,
        string s when double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        _ => throw Error(e, $"a number is needed here, found {TofuValues.Describe(v)}", "use a number."),
    };

    private object? For(HclFor f)
    {
        var collection = Eval(f.Collection);
        if (collection is Unknown u)
        {
            return u;
        }

        IEnumerable<(object? Key, object? Value)> pairs = collection switch
        {
            List<object?> l => l.Select((v, i) => ((object?)(double)i, v)),
            TofuSet s => s.Items.Select(v => (v, v)),
            SortedDictionary<string, object?> m => m.Select(p => ((object?)p.Key, p.Value)),
            _ => throw Error(f.Collection, $"a for expression needs a list, set or map, found {TofuValues.Describe(collection)}", "iterate over a collection."),
        };
        var list = new List<object?>();
        var map = TofuValues.NewMap();
        var groups = new SortedDictionary<string, List<object?>>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            var vars = new Dictionary<string, object?>(ForVars) { [f.ValueVar] = value };
            if (f.KeyVar is { } kv)
            {
                vars[kv] = key;
            }

            var inner = With(vars);
            if (f.Condition is not null)
            {
                var c = inner.Eval(f.Condition);
                if (c is Unknown cu)
                {
                    return cu;
                }

                if (c is not bool keep)
                {
                    throw Error(f.Condition, $"the for condition is {TofuValues.Describe(c)}, not a bool", "write an if condition that gives true or false.");
                }

                if (!keep)
                {
                    continue;
                }
            }

            var v = inner.Eval(f.ValueExpr);
            if (f.KeyExpr is null)
            {
                list.Add(v);
                continue;
            }

            var k = inner.Eval(f.KeyExpr);
            if (k is Unknown ku)
            {
                return ku;
            }

            if (!TofuValues.TryString(k, out var ks))
            {
                throw Error(f.KeyExpr, $"a for key must be a string, found {TofuValues.Describe(k)}", "produce string keys.");
            }

            if (f.Grouping)
            {
                if (!groups.TryGetValue(ks, out var g))
                {
                    groups[ks] = g = [];
                }

                g.Add(v);
            }
            else if (!map.TryAdd(ks, v))
            {
                throw Error(f.KeyExpr, $"the for expression produces the key \"{ks}\" twice", "make the keys unique, or group with '...' after the value.");
            }
        }

        if (f.KeyExpr is null)
        {
            return list;
        }

        if (f.Grouping)
        {
            foreach (var (k, g) in groups)
            {
                map[k] = g;
            }
        }

        return map;
    }

    /// <summary>A scope for a template file's body: only its variables (and functions).</summary>
    public Scope ForTemplate(string templateFile, IReadOnlyDictionary<string, object?> vars) => new(Module, templateFile) { TemplateVars = vars };

    public string Where(HclExpr e) => At(e);
}
