using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Replay;

/// <summary>
/// What replay needs from the running sandbox, beyond the topology. A null engine input skips
/// that engine's part (<see cref="ReplayParts"/>); every URL here goes through the config guard
/// before anything is written.
/// </summary>
internal sealed record ReplayOptions
{
    /// <summary>
    /// The sandbox PostgreSQL, as its superuser: replay creates the <c>&lt;app&gt;_role</c> group roles
    /// in it (through the guard's Npgsql factory) and points the database connection at it, with
    /// <c>connection_url</c> templated <c>{{username}}:{{password}}</c>. Null skips <see cref="ReplayParts.Database"/>.
    /// </summary>
    public PostgresEndpoint? Postgres { get; init; }

    /// <summary>
    /// The <c>connection_url</c> to write instead of <see cref="PostgresEndpoint.ConnectionUrlTemplate"/>
    /// (still checked by the guard); null uses the endpoint's template.
    /// </summary>
    public string? ConnectionUrl { get; init; }

    /// <summary>
    /// Kubernetes auth's <c>kubernetes_host</c>: the sandbox cluster's API, or on the process runtime
    /// a loopback TokenReview endpoint. Null skips <see cref="ReplayParts.KubernetesAuth"/>.
    /// </summary>
    public string? KubernetesHost { get; init; }

    /// <summary>Kubernetes auth's <c>kubernetes_ca_cert</c> (PEM), or null.</summary>
    public string? KubernetesCaCert { get; init; }

    /// <summary>
    /// The sandbox issuer's public key(s) (PEM) for JWT auth's <c>jwt_validation_pubkeys</c>.
    /// Null (and no <see cref="JwksUrl"/> / <see cref="OidcDiscoveryUrl"/>) skips <see cref="ReplayParts.JwtAuth"/>.
    /// </summary>
    public IReadOnlyList<string>? JwtValidationPubkeys { get; init; }

    /// <summary>JWT auth's <c>jwks_url</c>, instead of public keys (checked by the guard).</summary>
    public string? JwksUrl { get; init; }

    /// <summary>JWT auth's <c>oidc_discovery_url</c>, instead of public keys (checked by the guard).</summary>
    public string? OidcDiscoveryUrl { get; init; }

    /// <summary>
    /// The endpoints this sandbox runs itself besides <see cref="Postgres"/>: its TokenReview stand-in
    /// (<see cref="TokenReviewServer.Address"/>), its cluster's API as this machine reaches it, its issuer's
    /// JWKS or discovery server. The config guard lets <c>kubernetes_host</c>, <c>jwks_url</c>,
    /// <c>oidc_discovery_url</c> and <c>connection_url</c> name only these (host and port exactly), the
    /// PostgreSQL of <see cref="Postgres"/> and, with <see cref="InCluster"/>, <see cref="InClusterServices"/>;
    /// any other endpoint, loopback ports included, is refused. Declare only what the sandbox started:
    /// the denylist is checked first either way. The default value is empty.
    /// </summary>
    public IReadOnlyCollection<Uri> SandboxEndpoints { get; init; } = [];

    /// <summary>Parts to leave out even when their inputs are given. The default value is <see cref="ReplayParts.None"/>.</summary>
    public ReplayParts Exclude { get; init; }

    /// <summary>How many Vault requests replay keeps in flight (per app). The default value is 8.</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>
    /// True when the sandbox Vault runs inside the sandbox's own cluster (k3d): then a value naming a
    /// service of that cluster (<c>&lt;service&gt;.&lt;namespace&gt;.svc[.cluster.local]</c>) is resolved by
    /// the cluster's DNS from inside the cluster, never by this machine, and the config guard accepts
    /// it when no denylist entry matches it (a denylist match still refuses it). The harness itself
    /// never dials such a name. The default value is false.
    /// </summary>
    public bool InCluster { get; init; }

    /// <summary>
    /// With <see cref="InCluster"/>: the exact service names of the sandbox's own cluster that the sandbox
    /// itself runs (its PostgreSQL Service, the cluster's API). Only these are accepted by the config guard;
    /// any other cluster name (another namespace's service, an ExternalName alias) is refused like any
    /// endpoint the sandbox does not run. The default value is empty.
    /// </summary>
    public IReadOnlyCollection<string> InClusterServices { get; init; } = [];

    /// <summary>
    /// Planning only (<c>up --plan</c>): the PostgreSQL group roles are listed, not created, so that
    /// replay needs no PostgreSQL. The default value is false.
    /// </summary>
    internal bool RecordOnly { get; init; }

    /// <summary>The parts these options make possible.</summary>
    public ReplayParts Parts
    {
        get
        {
            var parts = ReplayParts.Core;
            if (Postgres is not null || ConnectionUrl is not null)
            {
                parts |= ReplayParts.Database;
            }

            if (KubernetesHost is not null)
            {
                parts |= ReplayParts.KubernetesAuth;
            }

            if (JwtValidationPubkeys is { Count: > 0 } || JwksUrl is not null || OidcDiscoveryUrl is not null)
            {
                parts |= ReplayParts.JwtAuth;
            }

            return parts & ~Exclude;
        }
    }
}
