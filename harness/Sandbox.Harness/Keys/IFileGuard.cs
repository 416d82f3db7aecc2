namespace Sandbox.Harness.Keys;

/// <summary>
/// The one question the key store asks before it touches a path. Internal on purpose: production
/// code can only hand the key store the real <see cref="Guard.SandboxGuard"/>, never a permissive
/// stand-in; tests use fakes through the internal constructor.
/// </summary>
internal interface IFileGuard
{
    /// <summary>Throws a <see cref="SandboxException"/> when <paramref name="path"/> must not be opened.</summary>
    /// <param name="path">The path about to be read or written (not yet opened).</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    void EnsureFileAllowed(string path, string caller);
}
