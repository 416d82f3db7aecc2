using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Runtimes.Docker;

/// <summary>
/// Finds containers, volumes and k3d clusters labelled <c>sandbox.managed=true</c> and
/// <c>sandbox.home=&lt;this home's id&gt;</c> whose sandbox has no run folder any more (its state
/// is gone), and removes them. Labels only, never names.
/// </summary>
internal static class DockerLeftovers
{
    private const string Caller = "sandbox-sweep";

    public static async Task<IReadOnlyList<SweptSandbox>> SweepAsync(SandboxGuard guard, string homeId, IReadOnlyList<string> liveNames, CancellationToken cancellationToken)
    {
        var report = new List<SweptSandbox>();
        var docker = VaultBinaryLocator.FindOnPath("docker");
        if (docker is null)
        {
            return report;
        }

        string[] filter = ["--filter", "label=sandbox.managed=true", "--filter", $"label=sandbox.home={homeId}"];
        var containers = await RunAsync(guard, docker, ["ps", "-a", .. filter, "--format", "{{.ID}}\t{{.Label \"sandbox.name\"}}\t{{.Label \"k3d.cluster\"}}"], cancellationToken).ConfigureAwait(false);
        if (containers.ExitCode != 0)
        {
            return report; // no daemon: nothing of ours can be running there
        }

        var k3d = VaultBinaryLocator.FindOnPath("k3d");
        var clustersDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Lines(containers.StandardOutput))
        {
            var parts = line.Split('\t');
            var (id, name, cluster) = (parts[0], parts.ElementAtOrDefault(1) ?? string.Empty, parts.ElementAtOrDefault(2) ?? string.Empty);
            if (liveNames.Contains(name))
            {
                continue;
            }

            if (cluster.Length > 0 && k3d is not null)
            {
                if (clustersDone.Add(cluster))
                {
                    var deleted = await RunAsync(guard, k3d, ["cluster", "delete", cluster], cancellationToken).ConfigureAwait(false);
                    report.Add(new SweptSandbox($"k3d cluster {cluster}", $"labelled for sandbox '{name}' of this home, whose run folder is gone", deleted.ExitCode == 0, deleted.ExitCode == 0 ? null : deleted.StandardError.Trim()));
                }

                continue;
            }

            var removed = await RunAsync(guard, docker, ["rm", "-f", "-v", id], cancellationToken).ConfigureAwait(false);
            report.Add(new SweptSandbox($"container {id}", $"labelled for sandbox '{name}' of this home, whose run folder is gone", removed.ExitCode == 0, removed.ExitCode == 0 ? null : removed.StandardError.Trim()));
        }

        var volumes = await RunAsync(guard, docker, ["volume", "ls", .. filter, "--format", "{{.Name}}\t{{.Label \"sandbox.name\"}}"], cancellationToken).ConfigureAwait(false);
        foreach (var line in Lines(volumes.StandardOutput))
        {
            var parts = line.Split('\t');
            if (liveNames.Contains(parts.ElementAtOrDefault(1) ?? string.Empty))
            {
                continue;
            }

            var removed = await RunAsync(guard, docker, ["volume", "rm", "-f", parts[0]], cancellationToken).ConfigureAwait(false);
            report.Add(new SweptSandbox($"volume {parts[0]}", $"labelled for sandbox '{parts.ElementAtOrDefault(1)}' of this home, whose run folder is gone", removed.ExitCode == 0, removed.ExitCode == 0 ? null : removed.StandardError.Trim()));
        }

        return report;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<BufferedCommandResult> RunAsync(SandboxGuard guard, string tool, string[] args, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        return await guard.GuardCommand(Cli.Wrap(tool).WithArguments(args).WithValidation(CommandResultValidation.None), Caller)
            .ExecuteBufferedAsync(cts.Token).ConfigureAwait(false);
    }
}
