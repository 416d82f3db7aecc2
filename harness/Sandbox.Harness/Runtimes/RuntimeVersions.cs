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
    /// The placeholder tag of a k3s system image: its tag for <see cref="K3sRelease"/> is the one that
    /// release's <c>k3s-images.txt</c> names (not confirmed here at that tag). Not a valid tag, so a
    /// <c>docker pull</c> of the line fails instead of fetching <c>latest</c>.
    /// </summary>
    public const string K3sSystemImageTag = "<tag in k3s-images.txt of k3s " + K3sRelease + ">";

    /// <summary>
    /// The k3s system images a sandbox cluster runs, by repository, as k3s's own air-gap list names
    /// them (k3s-io/k3s <c>scripts/airgap/image-list.txt</c>, published with each release as
    /// <c>k3s-images.txt</c>; that list's names were read at a later commit of the repository, their
    /// tags for <see cref="K3sRelease"/> were not, hence <see cref="K3sSystemImageTag"/>). Left out of
    /// that list: <c>mirrored-library-traefik</c> and <c>klipper-helm</c> (k3d/cluster.yaml passes
    /// <c>--disable=traefik</c>, and traefik's charts are the only ones k3s installs through
    /// klipper-helm jobs), and <c>klipper-lb</c> (servicelb starts its pods only for a
    /// <c>LoadBalancer</c> Service; the sandbox's Services are NodePorts and ClusterIPs).
    /// </summary>
    public static IReadOnlyList<(string Repository, string NeededBy)> K3sSystemImages { get; } =
    [
        ("docker.io/rancher/mirrored-pause", "every pod's sandbox container (k3s's default pause image)"),
        ("docker.io/rancher/mirrored-coredns-coredns", "cluster DNS: the in-cluster Vault and PostgreSQL Service names"),
        ("docker.io/rancher/local-path-provisioner", "the PVCs of Vault (file storage) and PostgreSQL"),
        ("docker.io/rancher/mirrored-library-busybox", "local-path-provisioner's helper pod, which creates and removes each volume's folder"),
        ("docker.io/rancher/mirrored-metrics-server", "k3s's metrics-server (deployed by default; no sandbox step waits for it)"),
    ];

    /// <summary>
    /// Every image a k3d sandbox needs, with what needs it. The k3s system images (<see cref="K3sSystemImages"/>)
    /// are the ones of <see cref="K3sRelease"/>: its release publishes them as <c>k3s-airgap-images-amd64.tar.zst</c>
    /// and lists them, with their tags, in <c>k3s-images.txt</c>.
    /// </summary>
    public static IReadOnlyList<(string Image, string NeededBy)> K3dImages { get; } =
    [
        (K3sImage, "the cluster's node (k3s " + K3sRelease + ")"),
        .. K3sSystemImages.Select(i => (i.Repository + ":" + K3sSystemImageTag, "k3s system image: " + i.NeededBy)),
        ("k3s-airgap-images-amd64.tar.zst of k3s " + K3sRelease, "all of k3s's system images above, with their tags (listed in that release's k3s-images.txt)"),
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
