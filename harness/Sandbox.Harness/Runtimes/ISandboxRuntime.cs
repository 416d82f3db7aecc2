namespace Sandbox.Harness.Runtimes;

/// <summary>
/// Where a sandbox's Vault and PostgreSQL run. The <see cref="SandboxManager"/> drives the
/// lifecycle (folders, init, keys, unseal); a runtime starts and stops things and records in
/// <see cref="SandboxRun.State"/> what it started, before waiting on it, so that another process
/// can remove it (<see cref="DestroyAsync"/> works from the state alone).
/// </summary>
internal interface ISandboxRuntime : IAsyncDisposable
{
    /// <summary>Which runtime this is.</summary>
    RuntimeKind Kind { get; }

    /// <summary>
    /// True when <c>up</c> may start PostgreSQL and Vault at the same time: the two starts share nothing
    /// but the state (whose saves are serialized) and each records what it started before it waits.
    /// False (the default) starts them one after the other.
    /// </summary>
    bool StartsPostgresAndVaultTogether => false;

    /// <summary>Whether the runtime can run here, with what is missing and how to get it. Starts nothing.</summary>
    /// <param name="options">The options of <c>up</c> (a chosen binary or image).</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>up --plan</c>: records the commands <see cref="PreflightAsync"/> would run, in its order, running none
    /// (<paramref name="run"/>'s <see cref="SandboxRun.Plan"/> is set). The default records nothing.
    /// </summary>
    /// <param name="run">The planned run.</param>
    /// <param name="cancellationToken">Cancels the plan.</param>
    Task PlanPreflightAsync(SandboxRun run, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Starts PostgreSQL (creating it on the first call) and waits until it accepts logins.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops PostgreSQL, keeping its data: a fast shutdown, or (<paramref name="kill"/>) an abort
    /// without a shutdown checkpoint, as a power cut leaves it (the next start runs crash recovery).
    /// </summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="kill">True to abort instead of shutting down.</param>
    /// <param name="cancellationToken">Cancels the stop.</param>
    Task StopPostgresAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default);

    /// <summary>Starts Vault on its storage (uninitialized the first time, sealed afterwards) and waits until it answers.</summary>
    /// <param name="run">The sandbox; its state gets the address.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Which Vault runs, with the version it reported.</returns>
    Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default);

    /// <summary>Stops Vault, keeping its storage: gracefully (SIGTERM, then SIGKILL after the stop timeout) or at once (<paramref name="kill"/>: SIGKILL).</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="kill">True for kill -9.</param>
    /// <param name="cancellationToken">Cancels the stop.</param>
    Task StopVaultAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default);

    /// <summary>True when Vault's process (or container) runs.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<bool> IsVaultRunningAsync(SandboxRun run, CancellationToken cancellationToken = default);

    /// <summary>True when PostgreSQL runs.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default);

    /// <summary>Deletes Vault's storage (Vault must be stopped): the next start is uninitialized.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="cancellationToken">Cancels the wipe.</param>
    Task WipeVaultStorageAsync(SandboxRun run, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies Vault's storage (every file its storage backend wrote) into <paramref name="destination"/>,
    /// through the runtime (<c>docker cp</c> out of the container, <c>kubectl cp</c> out of the pod),
    /// never through a host path that only one runtime has.
    /// </summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="destination">A folder on this machine; created when missing.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    Task CopyVaultStorageAsync(SandboxRun run, string destination, CancellationToken cancellationToken = default);

    /// <summary>Removes everything the state names (processes, containers, volumes, networks, clusters). Idempotent and resumable.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="cancellationToken">Cancels the teardown (running it again finishes it).</param>
    Task DestroyAsync(SandboxRun run, CancellationToken cancellationToken = default);
}
