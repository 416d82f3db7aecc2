namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>What the Vault Secrets Operator delivered to one app, as the API server reports it.</summary>
/// <param name="ClientId">The VaultDynamicSecret's <c>status.vaultClientMeta.id</c>: a hash of the operator's Vault token accessor (a new login, a new ID); null before the first sync.</param>
/// <param name="LeaseId">Its <c>status.secretLease.id</c>: the database credential's lease; null before the first sync.</param>
/// <param name="LastRenewalTime">Its <c>status.lastRenewalTime</c> (Unix seconds).</param>
/// <param name="ReadyReplicas">The app Deployment's <c>status.readyReplicas</c> (its pods log in with the Secret's credentials).</param>
internal sealed record AppDelivery(string? ClientId, string? LeaseId, long? LastRenewalTime, int ReadyReplicas)
{
    /// <summary>The annotation VSO sets on the pod template of each <c>rolloutRestartTargets</c> entry (hashicorp/vault-secrets-operator internal/helpers/rollout_restart.go, <c>AnnotationRestartedAt</c>).</summary>
    public const string RestartedAtAnnotation = "vso.secrets.hashicorp.com/restartedAt";

    /// <summary>The Deployment's <c>spec.template.metadata.annotations["vso.secrets.hashicorp.com/restartedAt"]</c> (RFC 3339, whole seconds), or null when VSO never restarted it.</summary>
    public string? RestartedAt { get; init; }

    /// <summary>The Deployment's <c>metadata.generation</c>: every rollout restart (a pod-template patch) raises it.</summary>
    public long Generation { get; init; }

    /// <summary>
    /// Whether the Deployment's latest generation is rolled out, by the rule <c>kubectl rollout status</c>
    /// applies (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go, DeploymentStatusViewer):
    /// <c>status.observedGeneration &gt;= metadata.generation</c>, <c>status.updatedReplicas &gt;= spec.replicas</c>,
    /// no old replica left (<c>status.replicas &lt;= status.updatedReplicas</c>) and every updated replica
    /// available (<c>status.availableReplicas &gt;= status.updatedReplicas</c>).
    /// </summary>
    public bool RolledOut { get; init; }
}
