namespace Sandbox.Harness.Topology;

/// <summary>
/// A validated topology: production's names (mounts, auth paths, roles, policies) for the
/// sandbox to replay. Made by <see cref="TopologyLoader"/>; turned into Vault objects by
/// <see cref="TopologyPlan.From"/>. Not named <c>Topology</c>: a type named like its namespace
/// would make <c>Topology</c> resolve to the namespace in every other <c>Sandbox.Harness.*</c>
/// namespace (replay's, rehearse's), forcing <c>Topology.Topology</c> on every caller.
/// </summary>
/// <param name="SourceFiles">The base file, then the overlays, as loaded.</param>
/// <param name="Mounts">The secrets engine mounts.</param>
/// <param name="KvMount">The kv v2 mount holding the apps' seeds, <c>kvv2</c> by default.</param>
/// <param name="TransitMount">The transit mount, <c>transit</c> by default.</param>
/// <param name="TransitKeyType">The type of the apps' transit keys, <c>aes256-gcm96</c> by default.</param>
/// <param name="Database">The database engine settings.</param>
/// <param name="Kubernetes">The Kubernetes auth method.</param>
/// <param name="Jwt">The JWT auth method.</param>
/// <param name="ExtraPolicies">Policies not derived from an app (name to text), e.g. shared read-only ones.</param>
/// <param name="Apps">The apps, in file order.</param>
internal sealed record TopologySpec(
    IReadOnlyList<string> SourceFiles,
    IReadOnlyList<MountSpec> Mounts,
    string KvMount,
    string TransitMount,
    string TransitKeyType,
    DatabaseSpec Database,
    KubernetesAuthSpec Kubernetes,
    JwtAuthSpec Jwt,
    IReadOnlyDictionary<string, string> ExtraPolicies,
    IReadOnlyList<AppSpec> Apps);
