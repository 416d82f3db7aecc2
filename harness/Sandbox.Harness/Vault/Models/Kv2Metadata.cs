using System.Text.Json.Nodes;

namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>GET &lt;mount&gt;/metadata/:path</c>.</summary>
internal sealed record Kv2Metadata
{
    /// <summary>Every version kept, by version number (as a string, the way Vault sends it).</summary>
    public IReadOnlyDictionary<string, Kv2VersionInfo> Versions { get; init; } = new Dictionary<string, Kv2VersionInfo>();

    /// <summary>The latest version number.</summary>
    public int CurrentVersion { get; init; }

    /// <summary>The oldest version still kept.</summary>
    public int OldestVersion { get; init; }

    /// <summary>When the key was first written.</summary>
    public DateTimeOffset? CreatedTime { get; init; }

    /// <summary>When the key was last written.</summary>
    public DateTimeOffset? UpdatedTime { get; init; }

    /// <summary>How many versions are kept (0 = the mount's setting).</summary>
    public int MaxVersions { get; init; }

    /// <summary>Whether writes must carry <c>cas</c>.</summary>
    public bool CasRequired { get; init; }

    /// <summary>Automatic deletion delay; zero when off.</summary>
    public TimeSpan? DeleteVersionAfter { get; init; }

    /// <summary>Custom metadata.</summary>
    public JsonObject? CustomMetadata { get; init; }
}
