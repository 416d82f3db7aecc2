namespace Sandbox.Harness.Runtimes;

/// <summary>What <c>sandbox status</c> reports about one sandbox.</summary>
public sealed record SandboxStatus
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The runtime.</summary>
    public required RuntimeKind Runtime { get; init; }

    /// <summary>Which Vault runs.</summary>
    public required VaultFlavor Vault { get; init; }

    /// <summary>The life phase.</summary>
    public required SandboxPhase Phase { get; init; }

    /// <summary>The step of <c>up</c> last begun.</summary>
    public required UpStep Step { get; init; }

    /// <summary>Vault's address, once known.</summary>
    public Uri? Address { get; init; }

    /// <summary>The run folder's files.</summary>
    public required SandboxPaths Paths { get; init; }

    /// <summary>True when Vault's process or container runs.</summary>
    public bool VaultRunning { get; init; }

    /// <summary>True when PostgreSQL runs.</summary>
    public bool PostgresRunning { get; init; }

    /// <summary>Vault's answer to seal-status: initialized, or null when it did not answer.</summary>
    public bool? Initialized { get; init; }

    /// <summary>Vault's answer to seal-status: sealed, or null when it did not answer.</summary>
    public bool? Sealed { get; init; }

    /// <summary>Why Vault could not be asked, or null.</summary>
    public string? Problem { get; init; }

    /// <summary>The session id.</summary>
    public required string SessionId { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}
