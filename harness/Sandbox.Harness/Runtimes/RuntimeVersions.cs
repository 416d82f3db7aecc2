namespace Sandbox.Harness.Runtimes;

/// <summary>
/// Every pinned image, chart and tool version, in one place. The Vault chart and image follow
/// vault-helm 0.34.1 (appVersion 2.0.4); the operator follows vault-secrets-operator 1.4.1.
/// </summary>
internal static class RuntimeVersions
{
    /// <summary>The official HashiCorp Vault image repository.</summary>
    public const string VaultImageRepository = "hashicorp/vault";

    /// <summary>The pinned Vault image tag.</summary>
    public const string VaultImageTag = "2.0.4";

    /// <summary>The pinned Vault image.</summary>
    public const string VaultImage = VaultImageRepository + ":" + VaultImageTag;

    /// <summary>The OpenBao image (selectable with --vault-image).</summary>
    public const string OpenBaoImage = "openbao/openbao:2.2.0";

    /// <summary>The official PostgreSQL image.</summary>
    public const string PostgresImage = "postgres:15";

    /// <summary>The Helm chart for Vault (repository alias 'hashicorp').</summary>
    public const string VaultChart = "hashicorp/vault";

    /// <summary>The pinned Vault chart version.</summary>
    public const string VaultChartVersion = "0.34.1";

    /// <summary>The Helm chart for the Vault Secrets Operator.</summary>
    public const string VaultSecretsOperatorChart = "hashicorp/vault-secrets-operator";

    /// <summary>
    /// The pinned Vault Secrets Operator chart (and operator) version. 1.4.1 lists Vault 2.0.x and
    /// Kubernetes up to 1.35 as tested; 0.10.0 was tested only with Kubernetes 1.27–1.31 and Vault 1.16–1.18.
    /// </summary>
    public const string VaultSecretsOperatorChartVersion = "1.4.1";

    /// <summary>The Helm release name of the Vault Secrets Operator.</summary>
    public const string VaultSecretsOperatorRelease = "vault-secrets-operator";

    /// <summary>The namespace the Vault Secrets Operator runs in.</summary>
    public const string VaultSecretsOperatorNamespace = "vault-secrets-operator-system";

    /// <summary>The operator's image (chart 1.4.1's <c>controller.manager.image</c>).</summary>
    public const string VaultSecretsOperatorImage = "hashicorp/vault-secrets-operator:1.4.1";

    /// <summary>The operator's sidecar image (chart 1.4.1's <c>controller.kubeRbacProxy.image</c>).</summary>
    public const string KubeRbacProxyImage = "quay.io/brancz/kube-rbac-proxy:v0.18.1";

    /// <summary>
    /// The k3s image of every sandbox cluster: Kubernetes 1.34, inside the range the Vault Secrets
    /// Operator 1.4.1 lists as tested (up to 1.35).
    /// </summary>
    public const string K3sImage = "rancher/k3s:v1.34.1-k3s1";

    /// <summary>The k3s release whose air-gap image list names the system images (pause, coredns, local-path-provisioner, metrics-server).</summary>
    public const string K3sRelease = "v1.34.1+k3s1";

    /// <summary>The oldest k3d that reads <c>apiVersion: k3d.io/v1alpha5</c> (k3d/cluster.yaml).</summary>
    public static readonly Version MinimumK3dVersion = new(5, 5, 0);

    /// <summary>The k3d version the cluster config was checked against (its v1alpha5 schema).</summary>
    public const string K3dVersion = "5.9.0";

    /// <summary>
    /// Every image a k3d sandbox needs, with what needs it. The k3s system images (pause, coredns,
    /// local-path-provisioner, metrics-server) are the ones of <see cref="K3sRelease"/>: its release
    /// publishes them as <c>k3s-airgap-images-amd64.tar.zst</c> and lists them in <c>k3s-images.txt</c>.
    /// </summary>
    public static IReadOnlyList<(string Image, string NeededBy)> K3dImages { get; } =
    [
        (K3sImage, "the cluster's node (k3s " + K3sRelease + ")"),
        ("k3s-airgap-images-amd64.tar.zst of k3s " + K3sRelease, "k3s's system pods: pause, coredns, local-path-provisioner (the PVCs), metrics-server (see its k3s-images.txt)"),
        ("ghcr.io/k3d-io/k3d-tools:" + K3dVersion, "k3d itself ('k3d image import', kubeconfig helpers)"),
        (VaultImage, "Vault (chart " + VaultChart + " " + VaultChartVersion + ")"),
        (PostgresImage, "PostgreSQL (k3d/postgres.yaml) and the per-app stand-in apps"),
        (VaultSecretsOperatorImage, "the Vault Secrets Operator (chart " + VaultSecretsOperatorChart + " " + VaultSecretsOperatorChartVersion + ")"),
        (KubeRbacProxyImage, "the Vault Secrets Operator's sidecar"),
    ];

    /// <summary>The chart archive <c>helm pull</c> writes for a chart and version: <c>&lt;name&gt;-&lt;version&gt;.tgz</c>.</summary>
    /// <param name="chart">The chart, with or without its repository alias (<c>hashicorp/vault</c>).</param>
    /// <param name="version">The chart version.</param>
    public static string ChartArchive(string chart, string version)
    {
        ArgumentNullException.ThrowIfNull(chart);
        return $"{chart[(chart.LastIndexOf('/') + 1)..]}-{version}.tgz";
    }

    /// <summary>HashiCorp's Helm repository.</summary>
    public const string HashiCorpHelmRepository = "https://helm.releases.hashicorp.com";

    /// <summary>The Helm release name of Vault, as production names it.</summary>
    public const string VaultRelease = "hashicorp-vault";

    /// <summary>The namespace Vault and PostgreSQL run in, as production names it.</summary>
    public const string ToolsNamespace = "tools";

    /// <summary>The Vault NodePort (k3d/values/vault.yaml).</summary>
    public const int VaultNodePort = 30820;

    /// <summary>The PostgreSQL NodePort (k3d/postgres.yaml).</summary>
    public const int PostgresNodePort = 30432;

    /// <summary>Splits <c>repo:tag</c> (the tag defaults to <c>latest</c>; a registry port is not a tag).</summary>
    /// <param name="image">The image reference.</param>
    public static (string Repository, string Tag) SplitImage(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}
