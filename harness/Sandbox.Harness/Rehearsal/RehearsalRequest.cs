namespace Sandbox.Harness.Rehearsal;

/// <summary>What <c>sandbox rehearse</c> was asked to rehearse, before anything is read.</summary>
internal sealed record RehearsalRequest
{
    /// <summary>
    /// The change paths, applied in order: topology overlays (<c>.yaml</c>/<c>.yml</c>), policy
    /// files (<c>.hcl</c>) or directories of them, Helm values (<c>values.yaml</c>, <c>*-values.yaml</c>).
    /// The default value is empty (a version-only change).
    /// </summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>The base (current) topology file.</summary>
    public required string TopologyPath { get; init; }

    /// <summary>The Vault binary to upgrade to (process runtime). The default value is <see langword="null"/>: no version change.</summary>
    public string? VaultBinary { get; init; }

    /// <summary>The Vault image to upgrade to (docker, k3d). The default value is <see langword="null"/>: no version change.</summary>
    public string? VaultImage { get; init; }

    /// <summary>The runtime asked for (<c>auto</c>, <c>process</c>, <c>docker</c>, <c>k3d</c>). The default value is <c>auto</c>.</summary>
    public string Runtime { get; init; } = "auto";
}
