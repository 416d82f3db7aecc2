using Sandbox.Harness.Guard;
using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>
/// Evaluates an OpenTofu root module statically: variables (defaults, <c>.tfvars</c>, <c>-var</c>),
/// locals (with cycle detection), local modules (<c>source = "./..."</c>) with <c>count</c> and
/// <c>for_each</c>, resources with <c>count</c> and <c>for_each</c>, interpolation, references
/// between resources and the functions <see cref="TofuFunctions"/> knows. No binary, no provider,
/// no state, no network. What it cannot know becomes an <see cref="Unknown"/> that the import
/// reports with <c>file:line</c>. Secrets and production endpoints are never evaluated.
/// Every file is read through the guard.
/// </summary>
internal sealed partial class TofuEvaluator
{
    /// <summary>Attributes never evaluated because they hold secrets.</summary>
    internal static readonly string[] SecretAttributes =
    [
        "password", "password_wo", "token", "token_reviewer_jwt", "data_json", "data_json_wo", "data", "oidc_client_secret",
        "client_secret", "secret_id", "private_key", "root_password", "service_account_json", "credentials",
    ];

    /// <summary>Attributes never evaluated because they point at production; replay sets the sandbox's own.</summary>
    internal static readonly string[] EndpointAttributes =
    [
        "connection_url", "kubernetes_host", "kubernetes_ca_cert", "pem_keys", "oidc_discovery_url", "oidc_discovery_ca_pem", "jwks_url",
        "jwks_ca_pem", "jwt_validation_pubkeys", "username", "address", "issuer",
    ];

    private static readonly string[] MetaArguments = ["count", "for_each", "depends_on", "provider", "lifecycle", "providers", "source", "version", "connection", "provisioner"];

    private readonly SandboxGuard _guard;
    private readonly string _caller;
    private readonly string _rootDir;
    private readonly string _rootGiven;
    private readonly Dictionary<string, ModuleSource> _sources = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly HashSet<string> _noteSet = new(StringComparer.Ordinal);
    private readonly List<TofuResource> _resources = [];
    private readonly List<string> _files = [];

    public TofuEvaluator(SandboxGuard guard, string caller, string rootDir)
    {
        _guard = guard;
        _caller = caller;
        _rootGiven = rootDir;
        _rootDir = Path.GetFullPath(rootDir);
    }

    /// <summary>Reads the root module and every local module it calls.</summary>
    /// <param name="vars">-var values, name to raw text.</param>
    /// <param name="varFiles">-var-file paths, in order.</param>
    public TofuModel Evaluate(IReadOnlyList<KeyValuePair<string, string>> vars, IReadOnlyList<string> varFiles)
    {
        _guard.EnsureFileAllowed(_rootGiven, _caller); // as given: 'link/..' judged where it really leads
        _guard.EnsureFileAllowed(_rootDir, _caller);
        if (!Directory.Exists(_rootDir))
        {
            throw TofuException.NoDirectory(_rootDir);
        }

        var source = Source(_rootDir) ?? throw TofuException.NoTfFiles(_rootDir);
        var values = RootVariables(source, vars, varFiles);
        var root = new ModuleInstance(this, source, "", values, null);
        Walk(root);
        return new TofuModel(_resources, _notes, _files);
    }

    internal void Note(string text)
    {
        if (_noteSet.Add(text))
        {
            _notes.Add(text);
        }
    }

    internal static string Display(string path)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }

    internal static string At(string file, HclPos pos) => $"{Display(file)}:{pos.Line}";

    // ---- files ----

    /// <summary>
    /// Whether a file exists, asked only after the guard allowed the path: a denylisted file is not even stat'ed.
    /// The path may hold <c>..</c>: the guard judges it where the kernel goes (symlinks before <c>..</c>) and as collapsed.
    /// </summary>
    internal bool FileExists(string fullPath)
    {
        _guard.EnsureFileAllowed(fullPath, _caller);
        return File.Exists(fullPath);
    }

    /// <summary>Reads a file through the guard (judged as <see cref="FileExists"/> judges it; its collapsed form is opened, as OpenTofu does).</summary>
    internal string ReadFile(string fullPath)
    {
        _guard.EnsureFileAllowed(fullPath, _caller);
        using var stream = _guard.OpenFile(fullPath, FileMode.Open, FileAccess.Read, _caller);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The parsed .tf files of a folder (cached: a module called 50 times is parsed once), or null when it has none.</summary>
    private ModuleSource? Source(string dir)
    {
        var full = Path.GetFullPath(dir);
        if (_sources.TryGetValue(full, out var cached))
        {
            return cached;
        }

        _guard.EnsureFileAllowed(full, _caller);
        if (!Directory.Exists(full))
        {
            return null;
        }

        var files = Directory.GetFiles(full, "*.tf").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            return null;
        }

        var parsed = new List<HclFile>();
        foreach (var file in files)
        {
            _files.Add(file);
            parsed.Add(HclParser.Parse(ReadFile(file), Display(file)));
        }

        var source = new ModuleSource(full, parsed);
        _sources[full] = source;
        return source;
    }

    // ---- variables ----

    private Dictionary<string, object?> RootVariables(ModuleSource source, IReadOnlyList<KeyValuePair<string, string>> vars, IReadOnlyList<string> varFiles)
    {
        var given = new Dictionary<string, object?>(StringComparer.Ordinal);
        var auto = new List<string>();
        var tfvars = Path.Combine(source.Dir, "terraform.tfvars");
        if (FileExists(tfvars))
        {
            auto.Add(tfvars);
        }

        auto.AddRange(Directory.GetFiles(source.Dir, "*.auto.tfvars").Order(StringComparer.Ordinal));

        // A -var-file is judged as given too: the guard walks 'link/../x' where the kernel goes, which
        // the collapsed full path below no longer shows.
        foreach (var varFile in varFiles)
        {
            _guard.EnsureFileAllowed(varFile, _caller);
        }

        foreach (var file in auto.Concat(varFiles.Select(Path.GetFullPath)))
        {
            if (!FileExists(file))
            {
                throw TofuException.At(Display(file), 0, 0, "the variables file does not exist", "check the path given to --var-file.");
            }

            var parsed = HclParser.Parse(ReadFile(file), Display(file));
            if (parsed.Body.Blocks.Count > 0)
            {
                var b = parsed.Body.Blocks[0];
                throw TofuException.At(Display(file), b.Pos.Line, b.Pos.Column, "a .tfvars file holds only NAME = value lines, no blocks", "remove the block.");
            }

            var constant = new ModuleInstance(this, new ModuleSource(source.Dir, []), "", new Dictionary<string, object?>(), null);
            foreach (var attr in parsed.Body.Attributes)
            {
                if (!source.Variables.ContainsKey(attr.Name))
                {
                    Note($"{Display(file)}:{attr.Pos.Line}: value for undeclared variable \"{attr.Name}\" ignored (as OpenTofu does, with a warning)");
                    continue;
                }

                if (!IsSensitive(source.Variables[attr.Name].Block))
                {
                    given[attr.Name] = new Scope(constant, parsed.Path).Eval(attr.Expr);
                }
            }
        }

        foreach (var (name, raw) in vars)
        {
            if (!source.Variables.TryGetValue(name, out var declared))
            {
                throw TofuException.BadVar(name, "the root module declares no such variable");
            }

            var type = declared.Block.Body.Attribute("type")?.Expr;
            var isString = type is null || type is HclVariable { Name: "string" };
            if (isString)
            {
                given[name] = raw;
            }
            else
            {
                var constant = new ModuleInstance(this, new ModuleSource(source.Dir, []), "", new Dictionary<string, object?>(), null);
                try
                {
                    given[name] = new Scope(constant, "--var " + name).Eval(HclParser.ParseExpression(raw, "--var " + name));
                }
                catch (TofuException ex)
                {
                    throw TofuException.BadVar(name, "the value is not a valid expression for its type: " + ex.Problem);
                }
            }
        }

        return given;
    }

    /// <summary>The value of each declared variable: given, else the default, else unknown. Type constraints convert sets, lists, numbers.</summary>
    internal Dictionary<string, object?> BindVariables(ModuleSource source, IReadOnlyDictionary<string, object?> given)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, declared) in source.Variables)
        {
            var constant = new ModuleInstance(this, new ModuleSource(source.Dir, []), "", new Dictionary<string, object?>(), null);
            object? value;
            if (IsSensitive(declared.Block))
            {
                // A sensitive variable holds a secret: its value is never read into the import.
                values[name] = new Unknown($"variable \"{name}\" is sensitive; the import never reads it", At(declared.File, declared.Block.Pos));
                continue;
            }

            if (given.TryGetValue(name, out var g))
            {
                value = g;
            }
            else if (declared.Block.Body.Attribute("default") is { } d)
            {
                value = new Scope(constant, declared.File).Eval(d.Expr);
            }
            else
            {
                value = new Unknown($"variable \"{name}\" has no default and no value (give --var {name}=... or a .tfvars file)",
                    At(declared.File, declared.Block.Pos));
            }

            values[name] = Convert(value, declared.Block.Body.Attribute("type")?.Expr);
        }

        return values;
    }

    private static object? Convert(object? value, HclExpr? type)
    {
        if (value is Unknown or null || type is null)
        {
            return value;
        }

        var kind = type switch
        {
            HclCall c => c.Name,
            HclVariable v => v.Name,
            _ => null,
        };
        return kind switch
        {
            "set" when TofuValues.AsSequence(value) is { } seq => TofuValues.ToSet(seq),
            "list" when value is TofuSet s => new List<object?>(s.Items),
            "number" when value is string s && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            "string" when TofuValues.TryString(value, out var text) => text,
            "bool" when value is "true" or "false" => (string)value == "true",
            _ => value,
        };
    }

    // ---- walking ----

    private void Walk(ModuleInstance module)
    {
        foreach (var (name, _) in module.Source.Resources)
        {
            foreach (var instance in module.ResourceInstances(name))
            {
                _resources.Add(instance);
            }
        }

        foreach (var (name, call) in module.Source.ModuleCalls)
        {
            foreach (var (_, child) in module.ModuleCallInstances(name))
            {
                Walk(child);
            }

            _ = call;
        }

        foreach (var (file, block) in module.Source.Other)
        {
            switch (block.Type)
            {
                case "provider":
                    Note($"{At(file, block.Pos)}: provider \"{string.Join(" ", block.Labels)}\": its address and credentials are not read; replay talks to the sandbox only");
                    break;
                case "data":
                    Note($"{At(file, block.Pos)}: data source {string.Join(".", block.Labels)} is not read (it needs a provider); references to it are left out");
                    break;
            }
        }
    }

    internal ModuleSource LoadModule(string callerDir, string file, HclBlock call)
    {
        var name = call.Labels.Count > 0 ? call.Labels[0] : "";
        var attr = call.Body.Attribute("source");
        if (attr?.Expr is not HclTemplate { IsLiteral: true } t)
        {
            throw TofuException.At(file, call.Pos.Line, call.Pos.Column, $"module \"{name}\" needs source = \"./path\" as a plain string",
                "write the module's folder as a literal string (OpenTofu requires it too).");
        }

        var src = string.Concat(t.Parts.Select(p => (string)((HclLiteral)p).Value!));
        if (!(src.StartsWith("./", StringComparison.Ordinal) || src.StartsWith("../", StringComparison.Ordinal)))
        {
            throw TofuException.RemoteModule(file, attr.Pos.Line, attr.Pos.Column, name, src);
        }

        // The folder as written is judged first, where the kernel goes ('link/../x': the symlink before
        // the '..'); then the collapsed folder, which is what OpenTofu installs from (filepath.Join).
        var written = Path.Combine(callerDir, src);
        _guard.EnsureFileAllowed(written, _caller);
        var dir = Path.GetFullPath(written);
        return Source(dir) ?? throw TofuException.ModuleMissing(file, attr.Pos.Line, attr.Pos.Column, name, src);
    }

    private static bool IsSensitive(HclBlock variable) =>
        variable.Body.Attribute("sensitive")?.Expr is HclLiteral { Value: true };

    internal static bool IsSecret(string name) =>
        SecretAttributes.Contains(name, StringComparer.Ordinal) || name.Contains("password", StringComparison.Ordinal) || name.EndsWith("_secret", StringComparison.Ordinal);

    internal static bool IsEndpoint(string name) => EndpointAttributes.Contains(name, StringComparer.Ordinal);

    internal static bool IsMeta(string name) => MetaArguments.Contains(name, StringComparer.Ordinal);

    internal string RootDir => _rootDir;
}
