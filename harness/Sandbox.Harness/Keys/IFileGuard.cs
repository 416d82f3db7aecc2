namespace Sandbox.Harness.Keys;

/// <summary>
/// The file guard the key store asks before it touches a path. The production guard
/// (<c>Sandbox.Harness.Guard.SandboxGuard</c>) fulfils it; it throws when the path is denylisted.
/// </summary>
public interface IFileGuard
{
    /// <summary>Throws a <see cref="SandboxException"/> when <paramref name="path"/> must not be opened.</summary>
    /// <param name="path">The path about to be read or written (not yet opened).</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    void EnsureFileAllowed(string path, string caller);
}
