namespace Sandbox.Harness.Runtimes;

/// <summary>What <c>sandbox status</c> reports about one sandbox.</summary>
internal sealed record SandboxStatus
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

    /// <summary>The PostgreSQL data folder of a process sandbox (in <c>/dev/shm</c> when in memory), else null.</summary>
    public string? PostgresData { get; init; }

    /// <summary>True when Vault's process or container runs.</summary>
    public bool VaultRunning { get; init; }

    /// <summary>True when PostgreSQL runs.</summary>
    public bool PostgresRunning { get; init; }

    /// <summary>Vault's answer to seal-status: initialized, or null when it did not answer.</summary>
    public bool? Initialized { get; init; }

    /// <summary>Vault's answer to seal-status: sealed, or null when it did not answer.</summary>
    public bool? Sealed { get; init; }

    /// <summary>Every problem found (Vault not running, unreachable, sealed, key file unusable, an interrupted <c>up</c>), joined by "; ", or null when there is none.</summary>
    public string? Problem { get; init; }

    /// <summary>Why the key file cannot be used (missing, unreadable, corrupt), or null when it reads (or is not written yet).</summary>
    public string? KeyFileProblem { get; init; }

    /// <summary>
    /// The exit code <c>sandbox status</c> returns: <see cref="ExitCode.Ok"/> when the sandbox is usable, else the
    /// first that applies of <see cref="ExitCode.VaultNotRunning"/>, the code of Vault's error,
    /// <see cref="ExitCode.VaultSealed"/>, <see cref="ExitCode.KeyFileError"/> and <see cref="ExitCode.RuntimeFailed"/> (an
    /// <c>up</c> that stopped before Ready).
    /// </summary>
    public ExitCode ExitCode { get; init; }

    /// <summary>The session id.</summary>
    public required string SessionId { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}
