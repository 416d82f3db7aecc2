using Sandbox.Harness.Guard;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Tests.Topology;

namespace Sandbox.Harness.Tests.Rehearsal;

/// <summary>Paths of the example change files and a guard with the built-in production denylist.</summary>
internal static class RehearsalFixtures
{
    public static string Topology => TopologyWorkspace.FixtureTopology;

    public static string Change(string name) => Path.Combine(TopologyWorkspace.RepoRoot, "fixtures", "changes", name);

    public static SandboxGuard Guard() => new(Denylist.BuiltIn, GuardAuditLog.InMemory());

    public static RehearsalChange Load(params string[] changeNames) =>
        RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = Topology, Changes = [.. changeNames.Select(Change)] }, Guard());
}
