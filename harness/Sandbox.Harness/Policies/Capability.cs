namespace Sandbox.Harness.Policies;

/// <summary>
/// One Vault ACL capability. The values are flags so that a <see cref="CapabilitySet"/> can
/// hold several; the numeric values are Sandbox's own and never leave the process.
/// </summary>
[Flags]
#pragma warning disable CA1711 // "Capability" is Vault's own word; the Flags suffix rule does not fit it.
internal enum Capability
#pragma warning restore CA1711
{
    /// <summary>No capability.</summary>
    None = 0,

    /// <summary><c>create</c>: write to a path that does not exist yet (POST/PUT).</summary>
    Create = 1 << 0,

    /// <summary><c>read</c>: GET.</summary>
    Read = 1 << 1,

    /// <summary><c>update</c>: write to an existing path (POST/PUT).</summary>
    Update = 1 << 2,

    /// <summary><c>patch</c>: PATCH.</summary>
    Patch = 1 << 3,

    /// <summary><c>delete</c>: DELETE.</summary>
    Delete = 1 << 4,

    /// <summary><c>list</c>: LIST or <c>?list=true</c>.</summary>
    List = 1 << 5,

    /// <summary><c>sudo</c>: needed in addition for root-protected paths.</summary>
    Sudo = 1 << 6,

    /// <summary><c>deny</c>: refuses everything on the path and overrides every other capability.</summary>
    Deny = 1 << 7,

    /// <summary><c>scan</c>: OpenBao's recursive list capability (accepted, not used by Vault).</summary>
    Scan = 1 << 8,

    /// <summary><c>recover</c>: recent Vault's snapshot-recovery capability (accepted, not used by Sandbox).</summary>
    Recover = 1 << 9,

    /// <summary><c>subscribe</c>: recent Vault's event-subscription capability (accepted, not used by Sandbox).</summary>
    Subscribe = 1 << 10,
}
