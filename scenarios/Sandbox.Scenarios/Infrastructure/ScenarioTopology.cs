using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Topology;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// The topology the suites replay. By default <c>fixtures/topology.yaml</c> of the checkout;
/// <c>SANDBOX_TOPOLOGY</c> = a base file, then overlays, separated by the path separator
/// (<c>:</c> on Linux), loaded with <see cref="TopologyLoader"/> — how <c>sandbox rehearse</c>
/// runs the suites on the changed topology. An overlay's <c>rehearse:</c> section is left out.
/// </summary>
internal static class ScenarioTopology
{
    /// <summary>The variable naming the base topology and its overlays.</summary>
    public const string Variable = "SANDBOX_TOPOLOGY";

    /// <summary>The files in force: the base, then the overlays in order.</summary>
    public static IReadOnlyList<string> Files()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (value is null)
        {
            return [AppWorld.TopologyFile];
        }

        var parts = value.Split(Path.PathSeparator);
        if (parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"{Variable}=\"{value}\" has an empty entry. Give a topology file, then any overlays, separated by '{Path.PathSeparator}' (or unset it for fixtures/topology.yaml).");
        }

        var missing = parts.FirstOrDefault(p => !File.Exists(p));
        if (missing is not null)
        {
            throw new ArgumentException($"{Variable}: the file \"{missing}\" does not exist. Give existing files (absolute paths), base first, separated by '{Path.PathSeparator}' (or unset it for fixtures/topology.yaml).");
        }

        return [.. parts.Select(Path.GetFullPath)];
    }

    /// <summary>Loads the topology in force; a bad file is refused naming the variable and the file's own error.</summary>
    public static TopologySpec Load()
    {
        var files = Files();
        try
        {
            return TopologyLoader.Load(files[0], [.. files.Skip(1)], [RehearsalChangeLoader.SectionKey]);
        }
        catch (TopologyException ex) when (Environment.GetEnvironmentVariable(Variable) is not null)
        {
            throw new ArgumentException($"{Variable} names a topology that cannot be used: {ex.Message}", ex);
        }
    }
}
