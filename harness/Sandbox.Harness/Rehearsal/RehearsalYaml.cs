using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Rehearsal;

/// <summary>The YAML reading shared by the rehearse change file and the <c>--rules</c> file.</summary>
internal static class RehearsalYaml
{
    /// <summary>The value under <paramref name="key"/>, or null.</summary>
    /// <param name="map">The mapping.</param>
    /// <param name="key">The key.</param>
    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    /// <summary>Refuses the first key of <paramref name="map"/> that is not allowed, naming its line and column.</summary>
    /// <param name="file">The file, as shown in messages.</param>
    /// <param name="map">The mapping.</param>
    /// <param name="where">What the mapping is, for the message.</param>
    /// <param name="allowed">The keys allowed there.</param>
    /// <exception cref="RehearsalChangeException">A key is not allowed.</exception>
    public static void CheckKeys(string file, YamlMappingNode map, string where, IReadOnlyCollection<string> allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw RehearsalChangeException.At(file, (int)key.Start.Line, (int)key.Start.Column, $"unknown key \"{name}\" in {where}",
                    $"allowed keys here: {string.Join(", ", allowed)}.");
            }
        }
    }
}
