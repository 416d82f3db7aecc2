using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes.Plan.Internal;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Runtimes.Plan;

/// <summary>
/// <c>up --plan DIR</c>: runs the chosen runtime's own <c>up</c> code in plan mode (every command
/// judged by the guard and recorded, every file collected, no state, no wait), then the writes of
/// init, unseal and replay against a recorder that plays an empty Vault. Nothing starts; the files
/// reach the disk only when everything was allowed.
/// </summary>
internal static class SandboxPlanner
{
    /// <summary>What the plan shows for the sandbox issuer's public key (made by <c>up</c> itself).</summary>
    public const string IssuerKeyPlaceholder = "<the sandbox JWT issuer's public key, made by up>";

    /// <summary>Plans <c>up</c> and writes the plan.</summary>
    /// <param name="manager">The manager (home, guard, runtimes).</param>
    /// <param name="options">The options of <c>up</c>; the runtime must be chosen.</param>
    /// <param name="folder">The plan folder (new, empty, or a previous plan).</param>
    /// <param name="topology">The topology replay would apply, or null for <c>--no-replay</c>.</param>
    /// <param name="cancellationToken">Cancels the plan.</param>
    /// <returns>The plan, written.</returns>
    /// <exception cref="SandboxPlanException">No runtime chosen, or the folder is not usable.</exception>
    /// <exception cref="Guard.GuardBlockedException">The guard refused a command; nothing was written.</exception>
    /// <exception cref="ReplayConfigGuardException">The config guard refused a topology value; nothing was written.</exception>
    public static async Task<SandboxPlan> PlanAsync(SandboxManager manager, SandboxOptions options, string folder, TopologySpec? topology, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(folder);
        options.Validate();
        if (options.Runtime == RuntimeKind.Auto)
        {
            throw SandboxPlanException.RuntimeNotChosen();
        }

        SandboxPlan.EnsureFolderUsable(folder);
        if (options.Runtime == RuntimeKind.K3d && topology is not null)
        {
            K3d.VsoManifests.Validate(topology);
        }

        var name = options.Name ?? SandboxName.Generate();
        var paths = SandboxPaths.ForPlan(manager.Home, name, folder);
        var plan = new SandboxPlan(options.Runtime, paths.RunFolder);
        var state = new SandboxState
        {
            Name = name,
            Runtime = options.Runtime,
            Phase = SandboxPhase.Starting,
            Step = UpStep.CreateRunFolder,
            SessionId = SandboxManager.SessionId,
            CreatedAt = DateTimeOffset.UnixEpoch,
            Labels = SandboxState.LabelsFor(SandboxManager.SessionId, paths),
        };
        using var run = new SandboxRun(paths, state, options, manager.Guard, NullLogger.Instance, TimeProvider.System, plan);
        var runtime = manager.RuntimeFactory(options.Runtime);
        await using (runtime.ConfigureAwait(false))
        {
            // A real up's first commands are its preflight's (docker: the daemon, the images, the Vault image's version question).
            await runtime.PlanPreflightAsync(run, cancellationToken).ConfigureAwait(false);

            var postgres = await runtime.StartPostgresAsync(run, cancellationToken).ConfigureAwait(false);
            await runtime.StartVaultAsync(run, cancellationToken).ConfigureAwait(false);
            plan.AddVaultWrite("sys/init", new JsonObject { ["secret_shares"] = options.Shares, ["secret_threshold"] = options.Threshold });
            for (var i = 0; i < options.Threshold; i++)
            {
                plan.AddVaultWrite("sys/unseal", new JsonObject { ["key"] = SandboxPlan.Redacted });
            }

            if (topology is not null)
            {
                using var http = new HttpClient(new VaultWriteRecorder(plan, manager.Guard));
                var vault = new VaultClient(new Uri(state.Address ?? "http://127.0.0.1:8200"), http).WithToken(SandboxPlan.Redacted);
                var replayOptions = K3d.K3dRuntime.ReplayOptionsFor(options.Runtime, postgres, [IssuerKeyPlaceholder]) with { Parallelism = 1, RecordOnly = true };
                await new TopologyReplayer(vault, manager.Guard).ReplayAsync(topology, replayOptions, cancellationToken).ConfigureAwait(false);
                if (runtime is K3d.K3dRuntime k3d)
                {
                    await k3d.ApplyAppsAsync(run, topology, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await plan.WriteAsync(cancellationToken).ConfigureAwait(false);
        return plan;
    }
}
