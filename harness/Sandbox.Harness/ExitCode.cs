namespace Sandbox.Harness;

/// <summary>
/// The process exit codes of the <c>sandbox</c> command, one per failure class.
/// The README lists them; scripts may rely on them, so values never change meaning.
/// </summary>
public enum ExitCode
{
    /// <summary>Everything asked for succeeded.</summary>
    Ok = 0,

    /// <summary>An unexpected internal error (a bug in Sandbox).</summary>
    InternalError = 1,

    /// <summary>The command line was malformed (unknown verb, option or value).</summary>
    Usage = 2,

    /// <summary>The production guard refused a target.</summary>
    GuardBlocked = 3,

    /// <summary>An input file (denylist, topology, policy, change, chaos plan, state file) is invalid.</summary>
    InvalidInput = 4,

    /// <summary>The machine lacks what the chosen runtime needs.</summary>
    PreflightFailed = 5,

    /// <summary>Vault answered with an error.</summary>
    VaultError = 6,

    /// <summary>Vault is sealed and the operation needs it unsealed.</summary>
    VaultSealed = 7,

    /// <summary>The sandbox unseal-key file is missing or unusable.</summary>
    KeyFileError = 8,

    /// <summary>The named sandbox does not exist.</summary>
    SandboxNotFound = 9,

    /// <summary>A runtime (process, docker, k3d) failed to start, stop or change state.</summary>
    RuntimeFailed = 10,

    /// <summary>At least one scenario failed.</summary>
    ScenarioFailed = 11,

    /// <summary>A rehearsal ended with a NO-GO verdict.</summary>
    NoGo = 12,

    /// <summary>The sandbox differs from the topology (drift).</summary>
    Drift = 13,

    /// <summary>An operation ran out of time.</summary>
    Timeout = 14,

    /// <summary>A sandbox of the requested name exists already (choose another name or remove it first).</summary>
    SandboxExists = 15,

    /// <summary>The sandbox exists but its Vault is not running (<c>status</c>).</summary>
    VaultNotRunning = 16,

    /// <summary>The user interrupted the command.</summary>
    Cancelled = 130,
}
