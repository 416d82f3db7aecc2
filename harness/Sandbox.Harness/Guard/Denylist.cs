using System.Net;
using System.Reflection;
using Sandbox.Harness.Guard.Internal;
using Sandbox.Harness.Internal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Guard;

/// <summary>
/// The production denylist: endpoints, kube contexts, files and variables the sandbox must never
/// touch, plus the few non-loopback hosts it may reach. Immutable; loaded from YAML with the
/// top-level keys <c>hosts</c>, <c>addresses</c>, <c>urls</c>, <c>kubeContexts</c>, <c>files</c>,
/// <c>env</c> and <c>allow</c>, each an optional list of strings. Anything else is an error
/// (<see cref="DenylistException"/>) naming the file, line and column; there is never a silent
/// fallback to "no denylist".
/// </summary>
internal sealed class Denylist
{
    /// <summary>The environment variable naming a user's denylist file.</summary>
    public const string EnvironmentVariable = "SANDBOX_DENYLIST";

    /// <summary>The keys a denylist file may have.</summary>
    public static readonly IReadOnlyList<string> Keys = ["hosts", "addresses", "urls", "kubeContexts", "files", "env", "allow"];

    private const string BuiltInResource = "Sandbox.Harness.Guard.denylist.yaml";
    private static readonly Lazy<Denylist> BuiltInLazy = new(LoadBuiltIn);

    private readonly HashSet<string> _exactHosts;
    private readonly List<(string Suffix, string Entry)> _wildcardHosts;
    private readonly List<(IPNetwork Network, string Entry)> _addresses;
    private readonly List<(UrlKey Prefix, string Entry)> _urls;
    private readonly List<(Glob Glob, string Entry)> _contexts;
    private readonly List<FileRule> _files;
    private readonly List<(Glob Glob, string Entry)> _env;
    private readonly HashSet<string> _allowExactHosts;
    private readonly List<(string Suffix, string Entry)> _allowWildcardHosts;
    private readonly List<(IPNetwork Network, string Entry)> _allowAddresses;

    // The same entries as numbers, for the guarded HTTP client's allocation-free check of an IPv4 literal
    // (SandboxGuard.TryAllowLoopbackRequest): every IPv4 network of 'addresses', and every IPv4 host a
    // 'urls' prefix names (its address key, so 127.0.0.1 stands for all loopback spellings).
    private readonly List<(uint Network, uint Mask)> _deniedIPv4 = [];
    private readonly List<(uint Host, int Port)> _urlRuleIPv4Hosts = [];

    private Denylist(string source, Dictionary<string, List<(string Value, Mark Start)>> lists)
    {
        Source = source;
        IReadOnlyList<string> Get(string key) => lists.TryGetValue(key, out var l) ? l.Select(x => x.Value).ToArray() : [];
        Hosts = Get("hosts");
        Addresses = Get("addresses");
        Urls = Get("urls");
        KubeContexts = Get("kubeContexts");
        Files = Get("files");
        Env = Get("env");
        Allow = Get("allow");

        _exactHosts = new(StringComparer.Ordinal);
        _wildcardHosts = [];
        _addresses = [];
        _urls = [];
        _contexts = [];
        _files = [];
        _env = [];
        _allowExactHosts = new(StringComparer.Ordinal);
        _allowWildcardHosts = [];
        _allowAddresses = [];

        foreach (var (value, mark) in Items(lists, "hosts"))
        {
            AddHostPattern(source, "hosts", value, mark, _exactHosts, _wildcardHosts);
        }

        foreach (var (value, mark) in Items(lists, "addresses"))
        {
            _addresses.Add((ParseNetwork(source, "addresses", value, mark), value));
        }

        foreach (var (value, mark) in Items(lists, "urls"))
        {
            if (!UrlKey.TryCreate(value, out var key, out var why))
            {
                throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under 'urls' is not a URL prefix the guard can use: {why}.", "write an absolute URL such as \"https://gitea.example.lab/api/\" (scheme http, https, ws, wss, tcp, postgres or postgresql).");
            }

            _urls.Add((key, value));
        }

        foreach (var (network, _) in _addresses)
        {
            if (network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                var mask = network.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - network.PrefixLength);
                _deniedIPv4.Add((ToUInt32(network.BaseAddress) & mask, mask));
            }
        }

        foreach (var (prefix, _) in _urls)
        {
            if (IPAddress.TryParse(prefix.Host, out var hostAddress) && hostAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                _urlRuleIPv4Hosts.Add((ToUInt32(hostAddress), prefix.Port));
            }
        }

        foreach (var (value, mark) in Items(lists, "kubeContexts"))
        {
            if (!Glob.TryCreate(value, out var glob, out var why))
            {
                throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under 'kubeContexts' is not a valid glob: {why}.", "use a context name or a glob with *, ? and [abc] classes, for example \"arcodange*\".");
            }

            _contexts.Add((glob!, value));
        }

        foreach (var (value, mark) in Items(lists, "files"))
        {
            _files.Add(FileRule.Parse(source, value, mark));
        }

        foreach (var (value, mark) in Items(lists, "env"))
        {
            var name = value.EndsWith('*') ? value[..^1] : value;
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under 'env' is not an environment variable name.", "write a name such as VAULT_TOKEN, or a prefix glob ending in * such as VAULT_*.");
            }

            Glob.TryCreate(value, out var glob, out _);
            _env.Add((glob!, value));
        }

        foreach (var (value, mark) in Items(lists, "allow"))
        {
            var v = value.Trim();
            if (v.Contains('/', StringComparison.Ordinal) || IPAddress.TryParse(v.Trim('[', ']'), out _))
            {
                _allowAddresses.Add((ParseNetwork(source, "allow", v, mark), value));
            }
            else
            {
                AddHostPattern(source, "allow", value, mark, _allowExactHosts, _allowWildcardHosts);
            }
        }
    }

    /// <summary>A denylist with no entries (the default egress policy still applies: loopback and unix sockets only).</summary>
    public static Denylist Empty { get; } = new("empty denylist", []);

    /// <summary>The production denylist built into Sandbox (a copy of <c>fixtures/denylist.yaml</c>).</summary>
    public static Denylist BuiltIn => BuiltInLazy.Value;

    /// <summary>Where the entries came from (a path, a name, or several joined with <c> + </c>).</summary>
    public string Source { get; }

    /// <summary>Denied host names: exact names and <c>*.domain</c> wildcards (which also cover the bare domain).</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Denied IPv4/IPv6 addresses and CIDR ranges.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>Denied URL prefixes.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Denied kube context globs.</summary>
    public IReadOnlyList<string> KubeContexts { get; }

    /// <summary>Denied file paths (<c>~</c> expanded; a trailing <c>/</c> denies a whole directory; globs allowed).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Environment variables (names or <c>PREFIX*</c>) scrubbed from every child process.</summary>
    public IReadOnlyList<string> Env { get; }

    /// <summary>Non-loopback hosts, addresses and CIDRs explicitly allowed. A denylist match always wins over these.</summary>
    public IReadOnlyList<string> Allow { get; }

    /// <summary>Loads a denylist file.</summary>
    /// <param name="path">The YAML file.</param>
    /// <exception cref="DenylistException">The file is missing, unreadable or malformed.</exception>
    public static Denylist Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            // The denylist file itself goes through the file guard of the denylist in force (the built-in
            // one before any other is read): a --denylist naming the key file is refused unopened.
            text = SandboxGuard.ForFiles.ReadAllText(path, "denylist loader");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DenylistException.Unreadable(path, ex.Message, ex);
        }

        return Parse(text, path);
    }

    /// <summary>
    /// The denylist a command runs with: the built-in production denylist, plus the user's file
    /// from <paramref name="cliPath"/> (the <c>--denylist</c> option) or else from the
    /// <see cref="EnvironmentVariable"/> variable. A user's file adds to the built-in entries and
    /// never removes them, so there is no way to run with fewer protections than the built-in list.
    /// </summary>
    /// <param name="cliPath">The <c>--denylist</c> value, or <see langword="null"/>.</param>
    /// <exception cref="DenylistException">The file is missing or malformed, or the variable is set but empty.</exception>
    public static Denylist Resolve(string? cliPath)
    {
        var path = cliPath;
        if (path is null)
        {
            var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (fromEnv is not null)
            {
                if (string.IsNullOrWhiteSpace(fromEnv))
                {
                    throw DenylistException.Unreadable($"${EnvironmentVariable}", "the variable is set but empty");
                }

                path = fromEnv;
            }
        }
        else if (string.IsNullOrWhiteSpace(path))
        {
            throw DenylistException.Unreadable("--denylist", "the option was given an empty path");
        }

        var resolved = path is null ? BuiltIn : BuiltIn.Merge(Load(path));
        s_inForce = resolved;
        return resolved;
    }

    /// <summary>
    /// The denylist of this process's command: the last one <see cref="Resolve"/> returned, else the
    /// built-in one. The file loaders (topology, NO-GO rules, change files) check their files against it.
    /// </summary>
    public static Denylist InForce => s_inForce ?? BuiltIn;

    private static Denylist? s_inForce;

    /// <summary>Returns a denylist holding the entries of both (the union).</summary>
    /// <param name="other">The other denylist.</param>
    public Denylist Merge(Denylist other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var lists = new Dictionary<string, List<(string, Mark)>>();
        foreach (var key in Keys)
        {
            lists[key] = [.. Entries(this, key).Concat(Entries(other, key)).Distinct().Select(v => (v, Mark.Empty))];
        }

        return new Denylist($"{Source} + {other.Source}", lists);
    }

    /// <summary>Parses denylist YAML.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="sourceName">The file name used in error messages and in <see cref="Source"/>.</param>
    /// <exception cref="DenylistException">The text is malformed.</exception>
    public static Denylist Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        YamlStream stream;
        try
        {
            stream = YamlDocuments.Load(yaml);
        }
        catch (YamlException ex)
        {
            var problem = ex.Message.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase)
                ? "a key appears twice in the same mapping"
                : $"the YAML does not parse ({ex.Message.Split('\n')[0].Trim()})";
            throw DenylistException.At(sourceName, ex.Start.Line, ex.Start.Column, problem, "fix the YAML at that position; each top-level key may appear once and holds a list of strings.", ex);
        }

        const string emptyFix = "write the entries (see fixtures/denylist.yaml), or '{}' if you really mean to add nothing to the built-in denylist.";
        if (stream.Documents.Count == 0)
        {
            throw DenylistException.At(sourceName, 1, 1, "the file is empty. An empty file is far more often a truncated or mistyped file than an intended one, so it is refused", emptyFix);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw DenylistException.At(sourceName, second.Line, second.Column, "the file holds more than one YAML document", "keep a single document: remove the extra '---' and merge the entries.");
        }

        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" or "null" } emptyRoot && emptyRoot.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            throw DenylistException.At(sourceName, root.Start.Line, root.Start.Column, "the file has no content (only comments or a null document)", emptyFix);
        }

        if (root is not YamlMappingNode mapping)
        {
            throw DenylistException.At(sourceName, root.Start.Line, root.Start.Column, $"the top level is a {Describe(root)}, not a mapping", $"write a mapping whose keys are some of: {string.Join(", ", Keys)}.");
        }

        var lists = new Dictionary<string, List<(string Value, Mark Start)>>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw DenylistException.At(sourceName, keyNode.Start.Line, keyNode.Start.Column, $"a key is a {Describe(keyNode)}, not a name", $"use one of: {string.Join(", ", Keys)}.");
            }

            if (!Keys.Contains(key))
            {
                var near = Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                var fix = near is not null ? $"did you mean '{near}'? Keys are case-sensitive." : $"use only these keys: {string.Join(", ", Keys)}.";
                throw DenylistException.At(sourceName, keyNode.Start.Line, keyNode.Start.Column, $"unknown key '{key}'", fix);
            }

            if (lists.ContainsKey(key))
            {
                throw DenylistException.At(sourceName, keyNode.Start.Line, keyNode.Start.Column, $"the key '{key}' appears twice", $"merge both '{key}' lists into one.");
            }

            if (valueNode is not YamlSequenceNode sequence)
            {
                var what = valueNode is YamlScalarNode { Value: null or "" } ? "has no value" : $"is a {Describe(valueNode)}";
                throw DenylistException.At(sourceName, valueNode.Start.Line, valueNode.Start.Column, $"'{key}' {what}, not a list of strings", $"write '{key}: [first, second]' or one '- item' per line; write '{key}: []' for none, or remove the key.");
            }

            var items = new List<(string, Mark)>();
            foreach (var item in sequence.Children)
            {
                if (item is not YamlScalarNode { Value: { } text } || string.IsNullOrWhiteSpace(text))
                {
                    throw DenylistException.At(sourceName, item.Start.Line, item.Start.Column, $"an item of '{key}' is {(item is YamlScalarNode ? "empty" : "a " + Describe(item))}, not a string", $"each item of '{key}' must be one non-empty string; quote values that contain ':' or start with '*'.");
                }

                items.Add((text.Trim(), item.Start));
            }

            lists[key] = items;
        }

        return new Denylist(sourceName, lists);
    }

    internal bool MatchHost(string canonicalHost, out string rule) =>
        MatchHostIn(canonicalHost, _exactHosts, _wildcardHosts, "hosts:", out rule);

    internal bool MatchAllowHost(string canonicalHost, out string rule) =>
        MatchHostIn(canonicalHost, _allowExactHosts, _allowWildcardHosts, GuardRules.AllowPrefix, out rule);

    internal bool MatchAddress(IPAddress normalized, out string rule) => MatchNetwork(_addresses, normalized, "addresses:", out rule);

    internal bool MatchAllowAddress(IPAddress normalized, out string rule) => MatchNetwork(_allowAddresses, normalized, GuardRules.AllowPrefix, out rule);

    internal bool MatchUrl(in UrlKey url, out string rule)
    {
        foreach (var (prefix, entry) in _urls)
        {
            if (url.StartsWith(prefix))
            {
                rule = "urls:" + entry;
                return true;
            }
        }

        rule = string.Empty;
        return false;
    }

    internal bool HasUrlRules => _urls.Count > 0;

    /// <summary>
    /// Whether an IPv4 address (host byte order) falls in an IPv4 network of <c>addresses</c>: the same
    /// answer as <see cref="MatchAddress"/> for that address, without an <see cref="IPAddress"/> or a rule string.
    /// </summary>
    internal bool DeniesIPv4(uint address)
    {
        foreach (var (network, mask) in _deniedIPv4)
        {
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a <c>urls</c> prefix names this IPv4 address (host byte order) and port, compared by address
    /// key as <see cref="HasUrlRuleFor"/> does (127.0.0.1 stands for every loopback spelling); a prefix on
    /// another port can never match the request (<see cref="UrlKey.StartsWith"/> compares ports).
    /// </summary>
    internal bool HasUrlRuleForIPv4(uint address, int port)
    {
        foreach (var (host, rulePort) in _urlRuleIPv4Hosts)
        {
            if (host == address && rulePort == port)
            {
                return true;
            }
        }

        return false;
    }

    private static uint ToUInt32(IPAddress ipv4)
    {
        Span<byte> bytes = stackalloc byte[4];
        ipv4.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>Whether any URL rule names this canonical host (so the URL needs a full canonical key).</summary>
    internal bool HasUrlRuleFor(string canonicalHost)
    {
        var key = UrlKey.AddressKey(canonicalHost);
        foreach (var (prefix, _) in _urls)
        {
            if (prefix.Host == key)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when a <c>kubeContexts</c> glob matches the context name or any part of it made of whole
    /// segments: the name is cut at <c>@ : / . _ -</c> and the glob is tried on every run of
    /// consecutive segments (with the separators between them). So <c>arcodange*</c> refuses
    /// <c>arcodange</c>, <c>admin@arcodange</c> and <c>k3s-arcodange-admin</c>, and <c>prod</c> refuses
    /// <c>admin@prod</c> and <c>prod-admin</c>, but not <c>production-like</c> or <c>myprod</c>.
    /// </summary>
    internal bool MatchKubeContext(string context, out string rule)
    {
        // Segment boundaries: the start and end of the name, and both sides of every separator.
        var starts = new List<int> { 0 };
        var ends = new List<int>();
        for (var i = 0; i < context.Length; i++)
        {
            if (context[i] is '@' or ':' or '/' or '.' or '_' or '-')
            {
                ends.Add(i);
                starts.Add(i + 1);
            }
        }

        ends.Add(context.Length);
        foreach (var (glob, entry) in _contexts)
        {
            if (glob.IsMatch(context))
            {
                rule = "kubeContexts:" + entry;
                return true;
            }

            foreach (var start in starts)
            {
                foreach (var end in ends)
                {
                    if (end > start && (start > 0 || end < context.Length) && glob.IsMatch(context[start..end]))
                    {
                        rule = "kubeContexts:" + entry;
                        return true;
                    }
                }
            }
        }

        rule = string.Empty;
        return false;
    }

    internal IReadOnlyList<FileRule> FileRules => _files;

    internal bool MatchEnv(string name)
    {
        foreach (var (glob, _) in _env)
        {
            if (glob.IsMatch(name))
            {
                return true;
            }
        }

        return false;
    }

    private static List<(string Value, Mark Start)> Items(Dictionary<string, List<(string Value, Mark Start)>> lists, string key) =>
        lists.TryGetValue(key, out var l) ? l : [];

    private static IEnumerable<string> Entries(Denylist d, string key) => key switch
    {
        "hosts" => d.Hosts,
        "addresses" => d.Addresses,
        "urls" => d.Urls,
        "kubeContexts" => d.KubeContexts,
        "files" => d.Files,
        "env" => d.Env,
        _ => d.Allow,
    };

    private static bool MatchHostIn(string host, HashSet<string> exact, List<(string Suffix, string Entry)> wildcards, string prefix, out string rule)
    {
        if (exact.Contains(host))
        {
            rule = prefix + host;
            return true;
        }

        foreach (var (suffix, entry) in wildcards)
        {
            if (host.Length == suffix.Length ? host == suffix : host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.Ordinal) && host[host.Length - suffix.Length - 1] == '.')
            {
                rule = prefix + entry;
                return true;
            }
        }

        rule = string.Empty;
        return false;
    }

    private static bool MatchNetwork(List<(IPNetwork Network, string Entry)> networks, IPAddress address, string prefix, out string rule)
    {
        foreach (var (network, entry) in networks)
        {
            if (network.Contains(address))
            {
                rule = prefix + entry;
                return true;
            }
        }

        rule = string.Empty;
        return false;
    }

    private static void AddHostPattern(string source, string key, string value, Mark mark, HashSet<string> exact, List<(string, string)> wildcards)
    {
        var v = value.Trim();
        var wildcard = v.StartsWith("*.", StringComparison.Ordinal);
        var body = wildcard ? v[2..] : v;
        if (body.AsSpan().IndexOfAny("*?[]") >= 0 || body.Length == 0)
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' is not a valid host pattern: only a leading '*.' wildcard is supported", "write an exact name (vault.example.lab) or a domain wildcard (\"*.example.lab\", quoted), which also covers the bare domain.");
        }

        if (!HostCanonicalizer.TryCanonicalize(body, out var canonical, out var address))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' is not a host name", "write a DNS name such as vault.example.lab; put URLs under 'urls' and paths under 'files'.");
        }

        if (address is not null)
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' is an IP address, not a host name", key == "allow" ? "IP addresses under 'allow' are fine; this one could not be read as one." : "move it to 'addresses'.");
        }

        if (wildcard)
        {
            wildcards.Add((canonical, v));
        }
        else
        {
            exact.Add(canonical);
        }
    }

    private static IPNetwork ParseNetwork(string source, string key, string value, Mark mark)
    {
        var v = value.Trim();
        var slash = v.IndexOf('/', StringComparison.Ordinal);
        var addressPart = (slash >= 0 ? v[..slash] : v).Trim('[', ']');
        if (!IPAddress.TryParse(addressPart, out var address) || addressPart.Count(c => c == '.') is > 0 and < 3 && !addressPart.Contains(':', StringComparison.Ordinal))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' is not an IP address or CIDR", "write a dotted IPv4 address (10.43.0.10), an IPv6 address (fd00::1) or a CIDR (192.168.1.0/24, fd00::/8).");
        }

        address = HostCanonicalizer.Normalize(address);
        var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var prefixLength = max;
        if (slash >= 0 && (!int.TryParse(v[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefixLength) || prefixLength > max))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' has an invalid prefix length '{v[(slash + 1)..]}'", $"use a prefix length from 0 to {max}, for example {address}/{(max == 32 ? 24 : 64)}.");
        }

        var masked = Mask(address, prefixLength);
        if (!masked.Equals(address))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under '{key}' has bits set after the /{prefixLength} prefix, so it is not a network address", $"write {masked}/{prefixLength} (the network that contains {address}), or {address} alone for a single address.");
        }

        return new IPNetwork(address, prefixLength);
    }

    private static IPAddress Mask(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        YamlScalarNode => "single value",
        _ => "alias",
    };

    private static Denylist LoadBuiltIn()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(BuiltInResource)
            ?? throw new InvalidOperationException($"The built-in denylist resource {BuiltInResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in denylist (fixtures/denylist.yaml)");
    }
}
