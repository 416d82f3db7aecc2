namespace Sandbox.Harness.Runtimes;

/// <summary>The life phase recorded in a sandbox's state file.</summary>
internal enum SandboxPhase
{
    /// <summary><c>up</c> is running (the state's <c>step</c> says where).</summary>
    Starting = 0,

    /// <summary><c>up</c> finished; Vault was initialized and unsealed.</summary>
    Ready = 1,

    /// <summary><c>down</c> started; running it again finishes it.</summary>
    TearingDown = 2,
}
