using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// PostgreSQL clusters outside their run folder (<c>/dev/shm/sandbox-pg-*</c>, or the temp folder's)
/// whose sandbox is gone: a home deleted without <c>down</c> leaves them, and one in memory holds
/// memory until the next reboot. Each such cluster has an owner file beside it,
/// <c>sandbox-pg-&lt;name&gt;-&lt;random&gt;.owner</c>, naming its sandbox's state file; <c>sweep</c>
/// removes a cluster (stopping its server first) only when that state file no longer exists.
/// </summary>
internal static class PostgresLeftovers
{
    private const string Caller = "sandbox-sweep";

    /// <summary>The owner file's suffix.</summary>
    public const string OwnerSuffix = ".owner";

    /// <summary>Writes the owner file of <paramref name="folder"/>: the path of its sandbox's state file (no secret).</summary>
    /// <param name="guard">The file guard.</param>
    /// <param name="folder">The cluster folder.</param>
    /// <param name="stateFile">The sandbox's state file.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task WriteOwnerAsync(SandboxGuard guard, string folder, string stateFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(guard);
        var owner = folder + OwnerSuffix;
        guard.EnsureFileAllowed(owner, Caller);
        await File.WriteAllTextAsync(owner, Path.GetFullPath(stateFile) + "\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the owner file of <paramref name="folder"/>, if any.</summary>
    /// <param name="folder">The cluster folder.</param>
    public static void DeleteOwner(string folder) => File.Delete(folder + OwnerSuffix);

    /// <summary>
    /// Removes every cluster under <paramref name="roots"/> whose owner file names a state file that is
    /// gone, with its owner file; its server, if one still runs from it, is stopped first.
    /// </summary>
    /// <param name="guard">The guard (files read, signals sent).</param>
    /// <param name="roots">The folders to look in (<see cref="PostgresDataPlacement.MemoryRoot"/> and the temp folder).</param>
    /// <param name="time">The clock for the stop's wait.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>What was found: the cluster folder, why, and whether it was removed.</returns>
    public static async Task<IReadOnlyList<SweptSandbox>> SweepAsync(SandboxGuard guard, IEnumerable<string> roots, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(roots);
        var report = new List<SweptSandbox>();
        foreach (var root in roots.Distinct(StringComparer.Ordinal).Where(Directory.Exists))
        {
            foreach (var owner in Directory.EnumerateFiles(root, PostgresDataPlacement.OutsideFolderPrefix + "*" + OwnerSuffix))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var folder = owner[..^OwnerSuffix.Length];
                string stateFile;
                try
                {
                    stateFile = guard.ReadFirstLine(owner, Caller)?.Trim() ?? "";
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // another user's, or being written: not ours to judge
                }

                if (stateFile.Length == 0 || File.Exists(stateFile))
                {
                    continue;
                }

                var reason = $"PostgreSQL data whose sandbox is gone ({stateFile} no longer exists)";
                try
                {
                    var data = Path.Combine(folder, "data");
                    if (PostgresServer.ReadPostmasterPid(guard, data, Caller) is { } pid)
                    {
                        await ProcessTable.StopAsync(guard, pid, data, kill: false, "INT", TimeSpan.FromSeconds(10), time, cancellationToken).ConfigureAwait(false);
                    }

                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }

                    File.Delete(owner);
                    report.Add(new SweptSandbox(folder, reason, true, null));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SandboxException)
                {
                    report.Add(new SweptSandbox(folder, reason, false, e.Message));
                }
            }
        }

        return report;
    }
}
