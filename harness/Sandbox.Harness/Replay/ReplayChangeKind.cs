namespace Sandbox.Harness.Replay;

/// <summary>What replay did to one name.</summary>
internal enum ReplayChangeKind
{
    /// <summary>It was absent and replay created it.</summary>
    Created,

    /// <summary>It differed from the topology and replay rewrote it.</summary>
    Updated,

    /// <summary>It already matched the topology; nothing was written.</summary>
    Unchanged,

    /// <summary>It exists and replay left it as it is on purpose (a seed an operator may have changed).</summary>
    Kept,

    /// <summary>Replay did not apply it: its engine input was not given (see the detail).</summary>
    Skipped,
}
