namespace Sandbox.Harness.Vault.Models;

/// <summary>The <c>config</c> of a mount as <c>sys/mounts</c> and <c>sys/auth</c> list it.</summary>
internal sealed record MountConfig
{
    /// <summary>The mount's default lease TTL; zero means the system default.</summary>
    public TimeSpan? DefaultLeaseTtl { get; init; }

    /// <summary>The mount's maximum lease TTL; zero means the system default.</summary>
    public TimeSpan? MaxLeaseTtl { get; init; }

    /// <summary>Whether caching is disabled for the mount.</summary>
    public bool ForceNoCache { get; init; }
}
