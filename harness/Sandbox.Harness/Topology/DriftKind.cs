namespace Sandbox.Harness.Topology;

/// <summary>How a name differs between the topology and the sandbox Vault.</summary>
internal enum DriftKind
{
    /// <summary>The topology has it, Vault does not.</summary>
    Missing,

    /// <summary>Vault has it, the topology does not.</summary>
    Unexpected,

    /// <summary>Both have it, with different settings.</summary>
    Different,
}
