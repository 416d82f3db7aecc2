using System.Collections.Concurrent;
using Sandbox.Harness.Keys;

namespace Sandbox.Harness.Tests.Support;

/// <summary>A file guard for tests: refuses the listed paths (compared after normalisation) and records every question.</summary>
internal sealed class FakeFileGuard(params string[] denied) : IFileGuard
{
    private readonly HashSet<string> _denied = [.. denied.Select(Path.GetFullPath)];
    private readonly ConcurrentQueue<(string Path, string Caller)> _calls = new();

    public IReadOnlyList<(string Path, string Caller)> Calls => [.. _calls];

    public void EnsureFileAllowed(string path, string caller)
    {
        _calls.Enqueue((path, caller));
        if (_denied.Contains(Path.GetFullPath(path)))
        {
            throw new FakeGuardBlockedException(path);
        }
    }
}

internal sealed class FakeGuardBlockedException(string path) : SandboxException($"The guard refused '{path}' (test denylist).")
{
    public override ExitCode ExitCode => ExitCode.GuardBlocked;
}
