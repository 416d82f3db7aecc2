namespace Sandbox.Harness.Vault.Models;

/// <summary>What to enable at a path with <c>sys/mounts/:path</c> or <c>sys/auth/:path</c>.</summary>
/// <param name="Type">The engine or method type (<c>kv</c>, <c>transit</c>, <c>database</c>, <c>jwt</c>, <c>kubernetes</c>, ...).</param>
public sealed record MountRequest(string Type)
{
    /// <summary>A human description.</summary>
    public string? Description { get; init; }

    /// <summary>Engine options, for example <c>{"version":"2"}</c> for KV v2.</summary>
    public IReadOnlyDictionary<string, string>? Options { get; init; }

    /// <summary>The mount's default lease TTL; null keeps the system default.</summary>
    public TimeSpan? DefaultLeaseTtl { get; init; }

    /// <summary>The mount's maximum lease TTL; null keeps the system default.</summary>
    public TimeSpan? MaxLeaseTtl { get; init; }

    /// <summary>A KV v2 mount request.</summary>
    public static MountRequest KvV2(string? description = null) =>
        new("kv") { Options = new Dictionary<string, string> { ["version"] = "2" }, Description = description };

    /// <summary>A KV v1 mount request.</summary>
    public static MountRequest KvV1(string? description = null) =>
        new("kv") { Options = new Dictionary<string, string> { ["version"] = "1" }, Description = description };
}
