namespace Sandbox.Harness.Reporting;

/// <summary>
/// What <see cref="EvidencePack"/> needs to know about a run besides its scenario results.
/// </summary>
internal sealed record RunInfo
{
    /// <summary>The command that produced the run, e.g. <c>drill all</c>, <c>chaos</c>, <c>rehearse</c>, <c>dotnet test</c>.</summary>
    public required string Command { get; init; }

    /// <summary>The runtime used: <c>process</c>, <c>docker</c> or <c>k3d</c>.</summary>
    public required string Runtime { get; init; }

    /// <summary>The Vault used (after the change, for rehearse).</summary>
    public required VaultInfo Vault { get; init; }

    /// <summary>When the run started. The default value is <see langword="null"/>: the earliest scenario start.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run ended. The default value is <see langword="null"/>: the latest scenario end.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The chaos seed. The default value is <see langword="null"/> (not a chaos run).</summary>
    public int? Seed { get; init; }

    /// <summary>The printed chaos plan (<see cref="Faults.ChaosPlan.Describe()"/>). The default value is <see langword="null"/>.</summary>
    public string? ChaosPlan { get; init; }

    /// <summary>The machine the run happened on. The default value is <see cref="Environment.MachineName"/>.</summary>
    public string Host { get; init; } = Environment.MachineName;

    /// <summary>The guard's audit log to copy into the pack as <c>logs/guard-audit.log</c>. The default value is <see langword="null"/>.</summary>
    public string? GuardAuditLogPath { get; init; }

    /// <summary>Vault's log to copy into the pack as <c>logs/vault.log</c>. The default value is <see langword="null"/>.</summary>
    public string? VaultLogPath { get; init; }
}
