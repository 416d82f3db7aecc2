namespace Sandbox.Harness.Replay;

/// <summary>What a probe found.</summary>
internal enum ProbeAccess
{
    /// <summary>Vault let the request through (including a 404 for an absent secret, or a check-and-set mismatch: the ACL allowed it).</summary>
    Granted,

    /// <summary>Vault refused it: 403 permission denied, or a refused login.</summary>
    Denied,

    /// <summary>Anything else (5xx, wrong policies after a login): the probe could not tell.</summary>
    Error,
}
