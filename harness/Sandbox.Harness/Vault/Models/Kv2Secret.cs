using System.Text.Json.Nodes;

namespace Sandbox.Harness.Vault.Models;

/// <summary>
/// A KV v2 read. A soft-deleted or destroyed version is still returned (Vault answers 404 with
/// a normal body): then <see cref="Data"/> is null and <see cref="IsDeleted"/> or
/// <see cref="IsDestroyed"/> says why.
/// </summary>
public sealed record Kv2Secret
{
    /// <summary>The secret's key/value pairs; null for a deleted or destroyed version. Secret values.</summary>
    public JsonObject? Data { get; init; }

    /// <summary>The metadata of the version read.</summary>
    public Kv2VersionMetadata Metadata { get; init; } = new();

    /// <summary>True when the version is soft-deleted (undelete can bring it back).</summary>
    public bool IsDeleted => Metadata.DeletionTime is not null && !Metadata.Destroyed;

    /// <summary>True when the version is destroyed (gone for good).</summary>
    public bool IsDestroyed => Metadata.Destroyed;

    /// <inheritdoc />
    public override string ToString() =>
        $"Kv2Secret {{ Version = {Metadata.Version}, Keys = [{(Data is null ? "none" : string.Join(", ", Data.Select(p => p.Key)))}], Deleted = {IsDeleted}, Destroyed = {IsDestroyed} }}";
}
