namespace Sandbox.Harness.Vault.Models;

/// <summary>One entry of <c>versions</c> in KV v2 metadata.</summary>
internal sealed record Kv2VersionInfo
{
    /// <summary>When the version was written.</summary>
    public DateTimeOffset? CreatedTime { get; init; }

    /// <summary>When it was soft-deleted; null when not deleted.</summary>
    public DateTimeOffset? DeletionTime { get; init; }

    /// <summary>Whether it was destroyed.</summary>
    public bool Destroyed { get; init; }
}
