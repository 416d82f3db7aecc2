using Sandbox.Harness.Guard;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A loaded and validated change: the base and changed topologies and plans, the endpoints the
/// change names, and the Vault version and Helm values it switches to. Made by
/// <see cref="RehearsalChangeLoader.Load"/>; nothing has been applied yet.
/// </summary>
internal sealed record RehearsalChange
{
    /// <summary>One line for reports, e.g. <c>topology overlay fixtures/changes/short-ttl.yaml</c>.</summary>
    public required string Description { get; init; }

    /// <summary>The change files as given (overlays, policy files, Helm values).</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>The topology before the change.</summary>
    public required TopologySpec BaseTopology { get; init; }

    /// <summary>The topology after the change (equal in content to the base for a version-only change).</summary>
    public required TopologySpec ChangedTopology { get; init; }

    /// <summary>The plan of <see cref="BaseTopology"/>.</summary>
    public required TopologyPlan BasePlan { get; init; }

    /// <summary>The plan of <see cref="ChangedTopology"/>.</summary>
    public required TopologyPlan ChangedPlan { get; init; }

    /// <summary>Endpoint values the change names (<c>rehearse.endpoints</c>). The default value is empty.</summary>
    public IReadOnlyList<RehearsalEndpoint> Endpoints { get; init; } = [];

    /// <summary>The Vault binary to restart on (process runtime). The default value is <see langword="null"/>.</summary>
    public string? VaultBinary { get; init; }

    /// <summary>The Vault image to restart on (docker, k3d). The default value is <see langword="null"/>.</summary>
    public string? VaultImage { get; init; }

    /// <summary>Helm values for the k3d runtime (full path). The default value is <see langword="null"/>.</summary>
    public string? HelmValuesFile { get; init; }

    /// <summary>
    /// The base topology file, then the overlay files in order, as the scenario suites take them
    /// (<c>SANDBOX_TOPOLOGY</c>); <see langword="null"/> when a change is policy files, whose overlays
    /// exist only while the change loads.
    /// </summary>
    public IReadOnlyList<string>? TopologyFiles { get; init; }

    /// <summary>True when the change switches the Vault version.</summary>
    public bool ChangesVersion => VaultBinary is not null || VaultImage is not null;

    /// <summary>
    /// Has the production guard judge every endpoint the change names (the config guard's checks that
    /// hold before a sandbox exists: the denylist, the full egress policy, <c>*.localhost</c> names,
    /// connection-string hosts and file parameters; replay later refuses any endpoint the sandbox does
    /// not run) and the registry host of <see cref="VaultImage"/> (denylist entries only).
    /// </summary>
    /// <param name="guard">The guard.</param>
    /// <exception cref="RehearsalGuardException">A value is refused; nothing may be applied.</exception>
    public void EnsureEndpointsAllowed(SandboxGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        foreach (var endpoint in Endpoints)
        {
            // The config guard's checks that hold before a sandbox exists (denylist, egress policy,
            // *.localhost names, connection-string hosts and file parameters); whether the value names an
            // endpoint the sandbox runs is judged when the change is applied, by replay.
            var kind = endpoint.VaultField == "connection_url" ? VaultDialledValue.PostgresConnection : VaultDialledValue.Url;
            var decision = guard.CheckVaultDialled(endpoint.Value, kind, sandbox: null, "sandbox rehearse: " + endpoint.Key);
            if (!decision.Allowed)
            {
                throw RehearsalGuardException.Refused(endpoint, decision);
            }
        }

        if (VaultImage is { } image && RegistryHost(image) is { } registry)
        {
            var decision = guard.CheckHost(registry, "sandbox rehearse: --vault-image");
            if (!decision.Allowed && IsDenylistRule(decision.Rule))
            {
                throw RehearsalGuardException.Refused(new RehearsalEndpoint("--vault-image", "image registry", image, new SourceLocation("--vault-image", 0, 0)), decision);
            }
        }
    }

    /// <summary>The registry host of an image reference (<c>registry.example:5000/vault:1.18</c>), or null for Docker Hub names.</summary>
    internal static string? RegistryHost(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return null;
        }

        var first = image[..slash];
        if (!first.Contains('.', StringComparison.Ordinal) && !first.Contains(':', StringComparison.Ordinal) && first != "localhost")
        {
            return null;
        }

        var colon = first.LastIndexOf(':');
        return colon > 0 && !first.StartsWith('[') ? first[..colon] : first;
    }

    private static bool IsDenylistRule(string rule) =>
        rule.StartsWith("hosts:", StringComparison.Ordinal) || rule.StartsWith("addresses:", StringComparison.Ordinal) || rule.StartsWith("urls:", StringComparison.Ordinal);
}
