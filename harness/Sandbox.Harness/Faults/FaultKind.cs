namespace Sandbox.Harness.Faults;

/// <summary>
/// The faults a scenario or a chaos round can inject. Printed names (used in chaos plans) come
/// from <see cref="FaultCatalog.NameOf(FaultKind)"/>; destructive ones are marked and left out of chaos
/// runs unless asked for (<see cref="FaultCatalog.IsDestructive"/>).
/// </summary>
internal enum FaultKind
{
    /// <summary>Stop Vault with SIGTERM (or the runtime's graceful stop), then start it: it comes back sealed. Printed <c>restart-vault-graceful</c>.</summary>
    RestartVaultGraceful,

    /// <summary>Kill Vault with SIGKILL (kill -9), then start it: it comes back sealed. Printed <c>restart-vault-kill</c>.</summary>
    RestartVaultKill,

    /// <summary>Seal Vault through <c>sys/seal</c>, then unseal with the sandbox key. Printed <c>seal</c>.</summary>
    Seal,

    /// <summary>Stop PostgreSQL, hold, then start it again. Printed <c>stop-postgres</c>.</summary>
    StopPostgres,

    /// <summary>Put a short-TTL overlay on a database role so its leases expire during the round. Printed <c>short-lease-ttl</c>.</summary>
    ShortLeaseTtl,

    /// <summary>Corrupt the sandbox key file (truncate, garbage, or one flipped bit); destructive. Printed <c>corrupt-key-file</c>.</summary>
    CorruptKeyFile,

    /// <summary>Delete the sandbox key file; destructive. Printed <c>delete-key-file</c>.</summary>
    DeleteKeyFile,

    /// <summary>Wipe Vault's storage (re-init and replay needed); destructive. Printed <c>wipe-storage</c>.</summary>
    WipeStorage,
}
