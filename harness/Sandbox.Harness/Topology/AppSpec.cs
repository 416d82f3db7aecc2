namespace Sandbox.Harness.Topology;

/// <summary>One app of the topology with every default applied and its policy texts rendered.</summary>
/// <param name="Slug">The app slug, a DNS-1123 label: the join key of every name.</param>
/// <param name="Namespace">The Kubernetes namespace bound to the role.</param>
/// <param name="ServiceAccount">The Kubernetes service account bound to the role.</param>
/// <param name="KvSeeds">Secret name under <c>&lt;kv mount&gt;/&lt;app&gt;/</c> to its key/value pairs (non-secret example values).</param>
/// <param name="Database">The dynamic database role.</param>
/// <param name="TransitKeys">The transit key names.</param>
/// <param name="KubernetesRole">The Kubernetes auth role <c>&lt;app&gt;</c>.</param>
/// <param name="JwtRole">The JWT auth role <c>gitea_cicd_&lt;app&gt;</c>.</param>
/// <param name="Jwt">The JWT role's claim bindings.</param>
/// <param name="Policies">Policy name (<c>&lt;app&gt;</c>, <c>&lt;app&gt;-ops</c>) to its rendered text.</param>
/// <param name="Location">Where the app entry starts.</param>
internal sealed record AppSpec(
    string Slug,
    string Namespace,
    string ServiceAccount,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> KvSeeds,
    AppDatabaseSpec Database,
    IReadOnlyList<string> TransitKeys,
    RoleSpec KubernetesRole,
    RoleSpec JwtRole,
    JwtRoleSpec Jwt,
    IReadOnlyDictionary<string, string> Policies,
    SourceLocation Location);
