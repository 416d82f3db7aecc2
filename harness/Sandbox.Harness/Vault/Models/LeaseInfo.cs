namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>sys/leases/lookup</c>.</summary>
public sealed record LeaseInfo
{
    /// <summary>The lease id (names the path it was issued under, for example <c>postgres/creds/app/...</c>).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>When the lease was issued.</summary>
    public DateTimeOffset? IssueTime { get; init; }

    /// <summary>When the lease expires; null for a lease without expiry.</summary>
    public DateTimeOffset? ExpireTime { get; init; }

    /// <summary>The last renewal, null until the first one.</summary>
    public DateTimeOffset? LastRenewal { get; init; }

    /// <summary>Whether the lease can be renewed.</summary>
    public bool Renewable { get; init; }

    /// <summary>Remaining time to live.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The request path that created the lease (OpenBao only).</summary>
    public string? Path { get; init; }

    /// <summary>The last revocation error when the lease is irrevocable (OpenBao only).</summary>
    public string? RevokeError { get; init; }
}
