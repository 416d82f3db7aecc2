using System.Globalization;
using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>A resource's value as other expressions see it: its configured attributes; a missing one is computed by the provider.</summary>
internal sealed class ResourceObject(string address) : SortedDictionary<string, object?>(StringComparer.Ordinal)
{
    public string Address { get; } = address;
}

/// <summary>One instance of a module (the root, or one <c>module "x"</c> call, or one of its count/for_each instances).</summary>
internal sealed class ModuleInstance
{
    private readonly Dictionary<string, object?> _locals = new(StringComparer.Ordinal);
    private readonly List<string> _evaluatingLocals = [];
    private readonly Dictionary<string, List<TofuResource>> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _resourceValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluatingResources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(object? Key, ModuleInstance Child)>> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _outputs = new(StringComparer.Ordinal);

    public ModuleInstance(TofuEvaluator evaluator, ModuleSource source, string address, IReadOnlyDictionary<string, object?> given, ModuleInstance? parent)
    {
        Evaluator = evaluator;
        Source = source;
        Address = address;
        Parent = parent;
        Variables = source.Variables.Count == 0 ? new Dictionary<string, object?>() : evaluator.BindVariables(source, given);
    }

    public TofuEvaluator Evaluator { get; }

    public ModuleSource Source { get; }

    public string Address { get; }

    public ModuleInstance? Parent { get; }

    public IReadOnlyDictionary<string, object?> Variables { get; }

    private string Prefix => Address.Length == 0 ? "" : Address + ".";

    public object? Local(string name, HclPos usedAt, string usedIn)
    {
        if (_locals.TryGetValue(name, out var cached))
        {
            return cached;
        }

        if (!Source.Locals.TryGetValue(name, out var declared))
        {
            throw TofuException.At(usedIn, usedAt.Line, usedAt.Column, $"reference to local.{name}, which this module does not define",
                $"define it in a locals block, or correct the name{Known(Source.Locals.Keys, "local.")}.");
        }

        if (_evaluatingLocals.Contains(name))
        {
            var cycle = _evaluatingLocals.SkipWhile(n => n != name).Append(name).Select(n => "local." + n);
            var first = Source.Locals[_evaluatingLocals.SkipWhile(n => n != name).First()];
            throw TofuException.LocalsCycle(first.File, first.Block.Pos.Line, first.Block.Pos.Column, cycle);
        }

        _evaluatingLocals.Add(name);
        try
        {
            var value = new Scope(this, declared.File).Eval(declared.Block.Expr);
            _locals[name] = value;
            return value;
        }
        finally
        {
            _evaluatingLocals.Remove(name);
        }
    }

    public object? Variable(string name, HclPos usedAt, string usedIn) =>
        Variables.TryGetValue(name, out var value)
            ? value
            : throw TofuException.At(usedIn, usedAt.Line, usedAt.Column, $"reference to var.{name}, which this module does not declare",
                $"declare variable \"{name}\" {{ }} in the module, or correct the name{Known(Variables.Keys, "var.")}.");

    private static string Known(IEnumerable<string> names, string prefix)
    {
        var list = names.Order(StringComparer.Ordinal).Take(12).Select(n => prefix + n).ToArray();
        return list.Length == 0 ? "" : $" (known: {string.Join(", ", list)})";
    }

    // ---- resources ----

    public object? ResourceValue(string key, HclPos usedAt, string usedIn)
    {
        if (!Source.Resources.TryGetValue(key, out var declared))
        {
            throw TofuException.At(usedIn, usedAt.Line, usedAt.Column, $"reference to resource {key}, which this module does not declare",
                "correct the reference (type.name of a resource block in the same module).");
        }

        if (_resourceValues.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var instances = ResourceInstances(key);
        if (_evaluatingResources.Contains(key))
        {
            return new Unknown($"{Prefix}{key} refers to itself", TofuEvaluator.At(declared.File, declared.Block.Pos));
        }

        object? value;
        var body = declared.Block.Body;
        if (instances.Count == 1 && body.Attribute("count") is null && body.Attribute("for_each") is null)
        {
            value = ToObject(instances[0]);
        }
        else if (body.Attribute("count") is not null)
        {
            value = instances.Select(i => (object?)ToObject(i)).ToList();
        }
        else if (body.Attribute("for_each") is not null)
        {
            var map = TofuValues.NewMap();
            foreach (var i in instances)
            {
                map[KeyOf(i.Address)] = ToObject(i);
            }

            value = map;
        }
        else
        {
            value = new Unknown($"{Prefix}{key} could not be evaluated", TofuEvaluator.At(declared.File, declared.Block.Pos));
        }

        _resourceValues[key] = value;
        return value;
    }

    private static string KeyOf(string address)
    {
        var open = address.LastIndexOf("[\"", StringComparison.Ordinal);
        return open < 0 ? "" : address[(open + 2)..^2];
    }

    private static ResourceObject ToObject(TofuResource r)
    {
        var o = new ResourceObject(r.Address);
        foreach (var (k, v) in r.Attributes)
        {
            o[k] = v;
        }

        foreach (var (k, blocks) in r.Blocks)
        {
            o[k] = blocks.Select(b => (object?)b).ToList();
        }

        foreach (var name in r.NotRead)
        {
            o[name] = new Unknown($"{r.Address}.{name} is a secret or a production endpoint and is never read", r.At);
        }

        return o;
    }

    public List<TofuResource> ResourceInstances(string key)
    {
        if (_resources.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var declared = Source.Resources[key];
        var block = declared.Block;
        var type = block.Labels[0];
        var result = new List<TofuResource>();
        if (!_evaluatingResources.Add(key))
        {
            return result;
        }

        try
        {
            foreach (var (suffix, scope) in Expand(block, declared.File, Prefix + key))
            {
                if (scope is null)
                {
                    continue;
                }

                var address = Prefix + key + suffix;
                var (attrs, blocks, notRead, lines) = EvaluateBody(block.Body, scope, address, type, declared.File);
                ApplyProviderDefaults(type, attrs);
                result.Add(new TofuResource(type, address, TofuEvaluator.At(declared.File, block.Pos), Address, attrs, blocks, notRead) { AttributeLines = lines });
            }
        }
        finally
        {
            _evaluatingResources.Remove(key);
        }

        _resources[key] = result;
        return result;
    }

    /// <summary>The provider's documented defaults and the ids other resources commonly reference.</summary>
    private static void ApplyProviderDefaults(string type, SortedDictionary<string, object?> attrs)
    {
        // registry.terraform.io/providers/hashicorp/vault: vault_auth_backend "path - (Optional) The path to mount
        // the auth method — this defaults to the name of the type"; vault_jwt_auth_backend path defaults to "jwt".
        if (type == "vault_auth_backend" && !attrs.ContainsKey("path") && attrs.TryGetValue("type", out var t))
        {
            attrs["path"] = t;
        }

        if (type == "vault_jwt_auth_backend" && !attrs.ContainsKey("path"))
        {
            attrs["path"] = attrs.TryGetValue("type", out var jt) && jt is "oidc" ? "oidc" : "jwt";
        }

        if (type == "vault_kubernetes_auth_backend_role" || type == "vault_kubernetes_auth_backend_config")
        {
            attrs.TryAdd("backend", "kubernetes");
        }

        if (type == "vault_jwt_auth_backend_role")
        {
            attrs.TryAdd("backend", "jwt");
        }

        // The id of a mount or auth backend is its path; of a policy, its name (the provider's SetId calls).
        if (!attrs.ContainsKey("id"))
        {
            if (type is "vault_mount" or "vault_auth_backend" or "vault_jwt_auth_backend" or "vault_database_secrets_mount" && attrs.TryGetValue("path", out var p))
            {
                attrs["id"] = p;
            }
            else if (type == "vault_policy" && attrs.TryGetValue("name", out var n))
            {
                attrs["id"] = n;
            }
        }
    }

    private (SortedDictionary<string, object?> Attrs, IReadOnlyDictionary<string, IReadOnlyList<SortedDictionary<string, object?>>> Blocks, List<string> NotRead, Dictionary<string, string> Lines)
        EvaluateBody(HclBody body, Scope scope, string address, string type, string file)
    {
        var attrs = TofuValues.NewMap();
        var notRead = new List<string>();
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attr in body.Attributes)
        {
            if (TofuEvaluator.IsMeta(attr.Name))
            {
                continue;
            }

            lines[attr.Name] = TofuEvaluator.At(file, attr.Pos);
            if (TofuEvaluator.IsSecret(attr.Name) || TofuEvaluator.IsEndpoint(attr.Name))
            {
                notRead.Add(attr.Name);
                continue;
            }

            attrs[attr.Name] = scope.Eval(attr.Expr);
        }

        var blocks = new Dictionary<string, IReadOnlyList<SortedDictionary<string, object?>>>(StringComparer.Ordinal);
        foreach (var group in body.Blocks.Where(b => b.Type is not ("lifecycle" or "provisioner" or "connection")).GroupBy(b => b.Type))
        {
            if (group.Key == "dynamic")
            {
                foreach (var d in group)
                {
                    Evaluator.Note($"{TofuEvaluator.At(file, d.Pos)}: dynamic block \"{(d.Labels.Count > 0 ? d.Labels[0] : "")}\" of {address} is not evaluated; left out");
                }

                continue;
            }

            var list = new List<SortedDictionary<string, object?>>();
            foreach (var nested in group)
            {
                var (a, _, n, l) = EvaluateBody(nested.Body, scope, address, type, file);
                list.Add(a);
                notRead.AddRange(n.Select(x => $"{group.Key}.{x}"));
                foreach (var (k, v) in l)
                {
                    lines[$"{group.Key}.{k}"] = v;
                }
            }

            blocks[group.Key] = list;
        }

        return (attrs, blocks, notRead, lines);
    }

    /// <summary>
    /// The instances of a resource or module block: one without count/for_each; <c>[i]</c> for
    /// count; <c>["key"]</c> for for_each over a map or set of strings. An unknown count or for_each
    /// is reported and gives no instance (never guessed); a for_each over anything else is an error.
    /// </summary>
    private List<(string Suffix, Scope? Scope)> Expand(HclBlock block, string file, string address)
    {
        var count = block.Body.Attribute("count");
        var forEach = block.Body.Attribute("for_each");
        var result = new List<(string, Scope?)>();
        if (count is not null && forEach is not null)
        {
            throw TofuException.At(file, count.Pos.Line, count.Pos.Column, $"{address} sets both count and for_each", "keep one of them.");
        }

        if (count is not null)
        {
            var value = new Scope(this, file).Eval(count.Expr);
            if (value is Unknown u)
            {
                Evaluator.Note($"{TofuEvaluator.At(file, count.Pos)}: count of {address} cannot be evaluated ({u.Reason}, {u.At}); left out");
                return result;
            }

            if (value is not double d || d < 0 || d != Math.Floor(d))
            {
                throw TofuException.BadCount(file, count.Pos.Line, count.Pos.Column, address, TofuValues.Describe(value));
            }

            for (var i = 0; i < (int)d; i++)
            {
                result.Add(($"[{i}]", new Scope(this, file) { CountIndex = i }));
            }

            return result;
        }

        if (forEach is not null)
        {
            var value = new Scope(this, file).Eval(forEach.Expr);
            if (value is Unknown u)
            {
                Evaluator.Note($"{TofuEvaluator.At(file, forEach.Pos)}: for_each of {address} cannot be evaluated ({u.Reason}, {u.At}); left out");
                return result;
            }

            switch (value)
            {
                case SortedDictionary<string, object?> map:
                    foreach (var (k, v) in map)
                    {
                        result.Add(($"[\"{k}\"]", new Scope(this, file) { EachKey = k, EachValue = v }));
                    }

                    break;
                case TofuSet set when set.Items.All(i => i is string):
                    foreach (var item in set.Items)
                    {
                        result.Add(($"[\"{item}\"]", new Scope(this, file) { EachKey = item, EachValue = item }));
                    }

                    break;
                case TofuSet set when TofuValues.FirstUnknown(set) is { } inner:
                    Evaluator.Note($"{TofuEvaluator.At(file, forEach.Pos)}: for_each of {address} cannot be evaluated ({inner.Reason}, {inner.At}); left out");
                    break;
                default:
                    throw TofuException.NotACollection(file, forEach.Pos.Line, forEach.Pos.Column, address, TofuValues.Describe(value)
                        + (value is List<object?> ? " (a list: OpenTofu refuses it too)" : ""));
            }

            return result;
        }

        result.Add(("", new Scope(this, file)));
        return result;
    }

    // ---- module calls ----

    public List<(object? Key, ModuleInstance Child)> ModuleCallInstances(string name)
    {
        if (_children.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var declared = Source.ModuleCalls[name];
        var block = declared.Block;
        var source = Evaluator.LoadModule(Source.Dir, declared.File, block);
        var list = new List<(object?, ModuleInstance)>();
        _children[name] = list;
        foreach (var (suffix, scope) in Expand(block, declared.File, $"{Prefix}module.{name}"))
        {
            if (scope is null)
            {
                continue;
            }

            var given = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var attr in block.Body.Attributes)
            {
                if (TofuEvaluator.IsMeta(attr.Name))
                {
                    continue;
                }

                if (!source.Variables.ContainsKey(attr.Name))
                {
                    throw TofuException.At(declared.File, attr.Pos.Line, attr.Pos.Column,
                        $"module \"{name}\" has no variable \"{attr.Name}\"", $"declare variable \"{attr.Name}\" in {TofuEvaluator.Display(source.Dir)}, or remove the argument.");
                }

                given[attr.Name] = scope.Eval(attr.Expr);
            }

            var key = scope.CountIndex is { } i ? (object?)(double)i : scope.EachKey;
            list.Add((key, new ModuleInstance(Evaluator, source, $"{Prefix}module.{name}{suffix}", given, this)));
        }

        return list;
    }

    public object? ModuleValue(string name, HclPos usedAt, string usedIn)
    {
        if (!Source.ModuleCalls.TryGetValue(name, out var declared))
        {
            throw TofuException.At(usedIn, usedAt.Line, usedAt.Column, $"reference to module.{name}, which this module does not call", "correct the module name.");
        }

        var children = ModuleCallInstances(name);
        var body = declared.Block.Body;
        if (body.Attribute("count") is not null)
        {
            return children.Select(c => (object?)c.Child.OutputsObject()).ToList();
        }

        if (body.Attribute("for_each") is not null)
        {
            var map = TofuValues.NewMap();
            foreach (var (key, child) in children)
            {
                map[(string)key!] = child.OutputsObject();
            }

            return map;
        }

        return children.Count == 1 ? children[0].Child.OutputsObject() : new Unknown($"module.{name} could not be evaluated", TofuEvaluator.At(declared.File, declared.Block.Pos));
    }

    private SortedDictionary<string, object?> OutputsObject()
    {
        var map = TofuValues.NewMap();
        foreach (var (name, declared) in Source.Outputs)
        {
            if (!_outputs.TryGetValue(name, out var value))
            {
                value = declared.Block.Body.Attribute("value") is { } v
                    ? new Scope(this, declared.File).Eval(v.Expr)
                    : null;
                _outputs[name] = value;
            }

            map[name] = value;
        }

        return map;
    }

    public override string ToString() => Address.Length == 0 ? "(root module)" : Address;

    internal static string FormatKey(object? key) => key switch
    {
        double d => d.ToString(CultureInfo.InvariantCulture),
        _ => $"\"{key}\"",
    };
}
