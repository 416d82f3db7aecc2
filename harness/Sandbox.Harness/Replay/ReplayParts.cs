namespace Sandbox.Harness.Replay;

/// <summary>
/// The parts of a topology that replay applies and the drift check reads. The engine parts
/// (<see cref="KubernetesAuth"/>, <see cref="JwtAuth"/>, <see cref="Database"/>) need inputs that
/// belong to the running sandbox (its cluster, its issuer, its PostgreSQL); without them they are
/// skipped, and the result says so.
/// </summary>
[Flags]
internal enum ReplayParts
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Secrets engine mounts (<c>sys/mounts</c>).</summary>
    Mounts = 1,

    /// <summary>Auth method mounts (<c>sys/auth</c>), without their config and roles.</summary>
    AuthMethods = 2,

    /// <summary>ACL policies.</summary>
    Policies = 4,

    /// <summary>Kubernetes auth config (<c>kubernetes_host</c>) and the <c>&lt;app&gt;</c> roles.</summary>
    KubernetesAuth = 8,

    /// <summary>JWT auth config (the sandbox issuer's key, production's <c>bound_issuer</c>) and the <c>gitea_cicd_&lt;app&gt;</c> roles.</summary>
    JwtAuth = 16,

    /// <summary>The PostgreSQL group roles, the database connection and the <c>&lt;app&gt;</c> database roles.</summary>
    Database = 32,

    /// <summary>Transit keys.</summary>
    TransitKeys = 64,

    /// <summary>Seed values in the kv v2 mount (written only when absent).</summary>
    Seeds = 128,

    /// <summary>What needs no engine input: mounts, auth methods, policies, transit keys and seeds.</summary>
    Core = Mounts | AuthMethods | Policies | TransitKeys | Seeds,

    /// <summary>Everything.</summary>
    All = Core | KubernetesAuth | JwtAuth | Database,
}
