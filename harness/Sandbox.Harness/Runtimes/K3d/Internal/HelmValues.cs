using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Runtimes.K3d.Internal;

/// <summary>Merges <c>--set-string</c> values into a Helm values file, so that one file shows everything Helm gets.</summary>
internal static class HelmValues
{
    /// <summary>Returns <paramref name="valuesYaml"/> with each dotted key set to its string value (quoted, so a tag such as <c>1.20</c> stays a string).</summary>
    /// <param name="valuesYaml">The base values.</param>
    /// <param name="strings">Dotted keys (<c>server.image.tag</c>) and their values.</param>
    public static string MergeStrings(string valuesYaml, IEnumerable<KeyValuePair<string, string>> strings)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(valuesYaml));
        var root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : new YamlMappingNode();
        foreach (var (key, value) in strings)
        {
            var parts = key.Split('.');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (!node.Children.TryGetValue(new YamlScalarNode(part), out var child) || child is not YamlMappingNode childMap)
                {
                    childMap = new YamlMappingNode();
                    node.Children[new YamlScalarNode(part)] = childMap;
                }

                node = childMap;
            }

            node.Children[new YamlScalarNode(parts[^1])] = new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };
        }

        var output = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        output.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }
}
