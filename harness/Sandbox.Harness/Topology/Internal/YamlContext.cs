using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Topology.Internal;

/// <summary>
/// Typed reads from YamlDotNet's representation model that turn every mistake into a
/// <see cref="TopologyException"/> naming the file (base or overlay) and the line.
/// </summary>
internal sealed class YamlContext
{
    private readonly Dictionary<YamlNode, string> _files = new(ReferenceEqualityComparer.Instance);

    public void Register(YamlNode root, string file)
    {
        foreach (var node in root.AllNodes)
        {
            _files[node] = file;
        }
    }

    public string FileOf(YamlNode node) => _files.TryGetValue(node, out var f) ? f : "(unknown file)";

    public SourceLocation Location(YamlNode node) => new(FileOf(node), (int)node.Start.Line, (int)node.Start.Column);

    public TopologyException Error(YamlNode node, Func<string, int, int, TopologyException> make) =>
        make(FileOf(node), (int)node.Start.Line, (int)node.Start.Column);

    public static IEnumerable<(YamlScalarNode Key, YamlNode Value)> Entries(YamlMappingNode map) =>
        map.Children.Select(kv => ((YamlScalarNode)kv.Key, kv.Value));

    public YamlMappingNode Mapping(YamlNode node, string key)
    {
        if (node is YamlMappingNode m)
        {
            return m;
        }

        throw Error(node, (f, l, c) => TopologyException.WrongType(f, l, c, key, "a mapping (key: value lines)", Describe(node)));
    }

    public void CheckKeys(YamlMappingNode map, string where, IReadOnlyCollection<string> allowed)
    {
        foreach (var (key, _) in Entries(map))
        {
            if (!allowed.Contains(key.Value ?? "", StringComparer.Ordinal))
            {
                throw Error(key, (f, l, c) => TopologyException.UnknownKey(f, l, c, key.Value ?? "", where, allowed));
            }
        }
    }

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    public YamlScalarNode? ScalarNode(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        return node as YamlScalarNode
            ?? throw Error(node, (f, l, c) => TopologyException.WrongType(f, l, c, key, "a single value", Describe(node)));
    }

    public string? String(YamlMappingNode map, string key) => ScalarNode(map, key)?.Value;

    public string RequiredString(YamlMappingNode map, string key, string where, string example) =>
        String(map, key) is { Length: > 0 } s
            ? s
            : throw Error(Get(map, key) ?? map, (f, l, c) => TopologyException.Missing(f, l, c, key, where, example));

    public int? Int(YamlMappingNode map, string key)
    {
        var node = ScalarNode(map, key);
        if (node is null)
        {
            return null;
        }

        return int.TryParse(node.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw Error(node, (f, l, c) => TopologyException.WrongType(f, l, c, key, "a whole number", $"\"{node.Value}\""));
    }

    public bool Bool(YamlMappingNode map, string key)
    {
        var node = ScalarNode(map, key);
        return node?.Value switch
        {
            null => false,
            "true" => true,
            "false" => false,
            _ => throw Error(node, (f, l, c) => TopologyException.WrongType(f, l, c, key, "true or false", $"\"{node.Value}\"")),
        };
    }

    public VaultDuration? Duration(YamlMappingNode map, string key)
    {
        var node = ScalarNode(map, key);
        if (node is null)
        {
            return null;
        }

        return VaultDuration.TryParse(node.Value, out var d)
            ? d
            : throw Error(node, (f, l, c) => TopologyException.InvalidDuration(f, l, c, key, node.Value ?? ""));
    }

    public List<string>? StringList(YamlMappingNode map, string key, bool allowSingle = false)
    {
        var node = Get(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (allowSingle && node is YamlScalarNode single)
        {
            return [single.Value ?? ""];
        }

        if (node is not YamlSequenceNode seq)
        {
            throw Error(node, (f, l, c) => TopologyException.WrongType(f, l, c, key, "a list of strings ([a, b])", Describe(node)));
        }

        return seq.Children.Select(item => item is YamlScalarNode s
            ? s.Value ?? ""
            : throw Error(item, (f, l, c) => TopologyException.WrongType(f, l, c, key + " item", "a string", Describe(item)))).ToList();
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null", Style: not (YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.SingleQuoted) };

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode s => $"the value \"{s.Value}\"",
        _ => "something else",
    };
}
