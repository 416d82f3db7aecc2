namespace Sandbox.Harness.Vault.Models;

/// <summary>The body of <c>auth/&lt;mount&gt;/config</c> for the Kubernetes method. Null properties are not sent.</summary>
internal sealed record KubernetesAuthConfig
{
    /// <summary>The Kubernetes API address Vault sends TokenReviews to (checked by the config guard).</summary>
    public string? KubernetesHost { get; init; }

    /// <summary>The API server's CA certificate, PEM.</summary>
    public string? KubernetesCaCert { get; init; }

    /// <summary>A JWT allowed to call TokenReview. Secret: <see cref="ToString"/> hides it.</summary>
    public string? TokenReviewerJwt { get; init; }

    /// <summary>PEM keys that verify service-account JWTs locally.</summary>
    public IReadOnlyList<string>? PemKeys { get; init; }

    /// <summary>The expected issuer (checked only when issuer validation is enabled).</summary>
    public string? Issuer { get; init; }

    /// <summary>Skip issuer validation (Vault's default is true).</summary>
    public bool? DisableIssValidation { get; init; }

    /// <summary>Do not fall back to the pod's own CA and token files.</summary>
    public bool? DisableLocalCaJwt { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"KubernetesAuthConfig {{ KubernetesHost = {KubernetesHost}, TokenReviewerJwt = {(TokenReviewerJwt is null ? "none" : "***")}, Issuer = {Issuer} }}";
}
