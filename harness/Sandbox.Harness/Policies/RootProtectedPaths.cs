namespace Sandbox.Harness.Policies;

/// <summary>
/// The paths for which Vault demands <c>sudo</c> in addition to the operation's capability
/// (vault-api.md §5 and §6: <c>sys/seal</c>, <c>sys/auth/*</c>, <c>sys/leases/revoke-prefix/*</c>,
/// <c>sys/leases/lookup/*</c>, and the system backend's other root paths that Sandbox touches).
/// </summary>
internal static class RootProtectedPaths
{
    /// <summary>The patterns; a trailing <c>*</c> is a prefix match.</summary>
    public static IReadOnlyList<string> Patterns { get; } =
    [
        "sys/seal",
        "sys/step-down",
        "sys/auth/*",
        "sys/audit",
        "sys/audit/*",
        "sys/raw",
        "sys/raw/*",
        "sys/rotate",
        "sys/remount",
        "sys/revoke-prefix/*",
        "sys/revoke-force/*",
        "sys/leases/revoke-prefix/*",
        "sys/leases/revoke-force/*",
        "sys/leases/lookup/*",
    ];

    /// <summary>True when a request to this path needs <c>sudo</c> as well.</summary>
    /// <param name="path">The request path without <c>/v1/</c>.</param>
    /// <returns>Whether the path is root-protected.</returns>
    public static bool RequiresSudo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = path.TrimStart('/');
        foreach (var p in Patterns)
        {
            if (p.EndsWith('*') ? path.StartsWith(p[..^1], StringComparison.Ordinal) : path == p)
            {
                return true;
            }
        }

        return false;
    }
}
