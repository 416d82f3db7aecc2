using System.Text.Json.Nodes;

namespace Sandbox.Harness.Vault.Models;

/// <summary>The metadata of one KV v2 version, as a write or a read returns it.</summary>
public sealed record Kv2VersionMetadata
{
    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>When the version was written.</summary>
    public DateTimeOffset? CreatedTime { get; init; }

    /// <summary>When the version was soft-deleted; null when it is not deleted.</summary>
    public DateTimeOffset? DeletionTime { get; init; }

    /// <summary>Whether the version was destroyed (permanently).</summary>
    public bool Destroyed { get; init; }

    /// <summary>Custom metadata of the key.</summary>
    public JsonObject? CustomMetadata { get; init; }
}
