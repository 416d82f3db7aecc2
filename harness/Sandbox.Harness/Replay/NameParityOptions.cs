using Sandbox.Harness.Identity;

namespace Sandbox.Harness.Replay;

/// <summary>How the name parity check gets its tokens.</summary>
internal sealed record NameParityOptions
{
    /// <summary>
    /// The parts replay applied. With <see cref="ReplayParts.KubernetesAuth"/> (and an <see cref="Issuer"/>)
    /// the runtime token comes from a real Kubernetes login; with <see cref="ReplayParts.JwtAuth"/> the CI
    /// token from a real JWT login and the bad tokens are tried; with <see cref="ReplayParts.Database"/>
    /// <c>postgres/creds/&lt;app&gt;</c> is read. Otherwise tokens are created with the role's policies (a
    /// stand-in, said so in the notes). The default value is <see cref="ReplayParts.Core"/>.
    /// </summary>
    public ReplayParts Parts { get; init; } = ReplayParts.Core;

    /// <summary>The sandbox issuer whose public key replay gave JWT auth, and which signs service-account tokens. Needed for logins.</summary>
    public SandboxJwtIssuer? Issuer { get; init; }

    /// <summary>
    /// Where service-account tokens come from instead of <see cref="Issuer"/>: on k3d, the cluster's own
    /// API server (<c>kubectl create token</c>), which is also what Vault's Kubernetes auth reviews them
    /// with, so the check starts no TokenReview stand-in and leaves <c>kubernetes_host</c> as replay wrote
    /// it (a Vault pod could not reach a loopback stand-in anyway). It answers null when the cluster has
    /// no such ServiceAccount; a probe that needs one is then not tried, and the notes say so. The default
    /// value is null (tokens from <see cref="Issuer"/>).
    /// </summary>
    public Func<ServiceAccountIdentity, CancellationToken, Task<string?>>? ServiceAccountTokens { get; init; }

    /// <summary>The apps to check; all the topology's apps when null.</summary>
    public IReadOnlyList<string>? Apps { get; init; }
}
