using Sandbox.Harness;
using Sandbox.Cli.Drills;

namespace Sandbox.Cli.Commands;

/// <summary>Where <c>--topology</c> points when it is not given.</summary>
internal static class TopologyDefaults
{
    /// <summary>
    /// The given file as a full path; else the checkout's <c>fixtures/topology.yaml</c> (found
    /// above the working folder, else above the CLI's own files), so the default does not depend
    /// on the folder the command runs in; else, for the installed tool, the example topology
    /// shipped next to the CLI.
    /// </summary>
    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, "fixtures", "topology.yaml");
        var inCheckout = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.Any(start => SandboxCheckout.FindRoot(start) is not null);
        return inCheckout || !File.Exists(shipped) ? Path.Combine(ScenarioRunner.FindRoot(), "fixtures", "topology.yaml") : shipped;
    }
}
