namespace Sandbox.Harness.Runtimes;

/// <summary>The steps of <c>sandbox up</c>, in order. The state file records the step in progress.</summary>
internal enum UpStep
{
    /// <summary>Check that the runtime can run here.</summary>
    Preflight = 0,

    /// <summary>Create the run folder and write the first state.</summary>
    CreateRunFolder = 1,

    /// <summary>Start PostgreSQL.</summary>
    StartPostgres = 2,

    /// <summary>Start Vault and wait until it answers.</summary>
    StartVault = 3,

    /// <summary>Initialize Vault (sys/init).</summary>
    Initialize = 4,

    /// <summary>Write the key file and the root-token file.</summary>
    WriteKeys = 5,

    /// <summary>Unseal Vault from the key file.</summary>
    Unseal = 6,

    /// <summary>The caller's own preparation (<see cref="SandboxOptions.Prepare"/>; <c>sandbox up</c> replays the topology here). Skipped when there is none.</summary>
    Prepare = 7,

    /// <summary>The sandbox is ready: only now does the state say <see cref="SandboxPhase.Ready"/>.</summary>
    Ready = 8,
}
