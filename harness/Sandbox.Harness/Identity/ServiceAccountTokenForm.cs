namespace Sandbox.Harness.Identity;

/// <summary>The two shapes of a Kubernetes service-account JWT.</summary>
internal enum ServiceAccountTokenForm
{
    /// <summary>A bound, projected token: <c>aud</c>, <c>exp</c> and a nested <c>kubernetes.io</c> claim.</summary>
    Projected,

    /// <summary>The legacy secret-based token: <c>iss: kubernetes/serviceaccount</c> and flat <c>kubernetes.io/serviceaccount/*</c> claims, no expiry.</summary>
    Legacy,
}
