namespace Sandbox.Harness.Vault.Models;

/// <summary>One entry of <c>GET sys/mounts</c> or <c>GET sys/auth</c>.</summary>
internal sealed record MountInfo
{
    /// <summary>The engine or method type, such as <c>kv</c>, <c>transit</c>, <c>database</c>, <c>jwt</c>.</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The description given at enable time.</summary>
    public string? Description { get; init; }

    /// <summary>The mount accessor.</summary>
    public string? Accessor { get; init; }

    /// <summary>Engine options; for kv, <c>version</c> is <c>1</c> or <c>2</c>.</summary>
    public IReadOnlyDictionary<string, string>? Options { get; init; }

    /// <summary>TTL and cache configuration.</summary>
    public MountConfig? Config { get; init; }

    /// <summary>Whether the mount is local to this cluster.</summary>
    public bool Local { get; init; }

    /// <summary>Whether seal wrapping is enabled.</summary>
    public bool SealWrap { get; init; }

    /// <summary>The mount's UUID.</summary>
    public string? Uuid { get; init; }

    /// <summary>The KV version of a kv mount (1 when no version option is set), or null for other types.</summary>
    public int? KvVersion => Type switch
    {
        "kv" => Options is not null && Options.TryGetValue("version", out var v) && v == "2" ? 2 : 1,
        "kv-v2" => 2,
        "kv-v1" => 1,
        _ => null,
    };
}
