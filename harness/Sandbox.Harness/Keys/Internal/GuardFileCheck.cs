using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Keys.Internal;

/// <summary>Asks the production guard (which audits every decision) about key-store paths.</summary>
internal sealed class GuardFileCheck(SandboxGuard guard) : IFileGuard
{
    public void EnsureFileAllowed(string path, string caller) => guard.EnsureFileAllowed(path, caller);
}
