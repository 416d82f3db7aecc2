namespace Sandbox.Harness.Topology;

/// <summary>
/// What a sandbox Vault holds, as replay reads it back through the Vault client: the input of
/// <see cref="DriftReport.Compare"/>. Vault's built-in mounts (<c>cubbyhole</c>, <c>identity</c>,
/// <c>sys</c>), the <c>token</c> auth method and the <c>default</c> and <c>root</c> policies may
/// be included; the drift check ignores them.
/// </summary>
/// <param name="Mounts">Every secrets engine mount (<c>GET sys/mounts</c>).</param>
/// <param name="AuthMethods">Every auth method (<c>GET sys/auth</c>).</param>
/// <param name="Policies">Policy name to its raw text (<c>sys/policies/acl</c>).</param>
/// <param name="KubernetesRoles">The roles of the topology's Kubernetes auth mount.</param>
/// <param name="JwtRoles">The roles of the topology's JWT auth mount.</param>
/// <param name="DatabaseRoles">The roles of the topology's database mount.</param>
/// <param name="TransitKeys">The keys of the topology's transit mount.</param>
/// <param name="JwtConfig">The JWT auth config, or null when it was not read (then it is not compared).</param>
/// <param name="DatabaseConnection">The database connection, or null when it was not read (then it is not compared).</param>
internal sealed record ObservedState(
    IReadOnlyList<MountState> Mounts,
    IReadOnlyList<AuthMethodState> AuthMethods,
    IReadOnlyDictionary<string, string> Policies,
    IReadOnlyList<KubernetesRoleState> KubernetesRoles,
    IReadOnlyList<JwtRoleState> JwtRoles,
    IReadOnlyList<DatabaseRoleState> DatabaseRoles,
    IReadOnlyList<TransitKeyState> TransitKeys,
    JwtConfigState? JwtConfig = null,
    DatabaseConnectionState? DatabaseConnection = null)
{
    /// <summary>A Vault with nothing but its built-ins.</summary>
    public static ObservedState Empty { get; } = new([], [], new Dictionary<string, string>(), [], [], [], []);
}
