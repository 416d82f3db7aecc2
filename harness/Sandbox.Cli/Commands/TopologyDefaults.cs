using Sandbox.Cli.Drills;

namespace Sandbox.Cli.Commands;

/// <summary>Where <c>--topology</c> points when it is not given.</summary>
internal static class TopologyDefaults
{
    /// <summary>
    /// The given file as a full path; else the checkout's <c>fixtures/topology.yaml</c> (found
    /// above the working folder, else above the CLI's own files), so the default does not depend
    /// on the folder the command runs in.
    /// </summary>
    public static string Resolve(string? given) =>
        given is not null
            ? Path.GetFullPath(given)
            : Path.Combine(ScenarioRunner.FindRoot(), "fixtures", "topology.yaml");
}
