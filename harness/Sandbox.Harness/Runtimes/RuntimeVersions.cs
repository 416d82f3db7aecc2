namespace Sandbox.Harness.Runtimes;

/// <summary>
/// Every pinned image and chart version, in one place. The chart and Vault versions follow the
/// project's reading of vault-helm 0.34.1; the rest should be confirmed on the first real run.
/// </summary>
public static class RuntimeVersions
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

    /// <summary>The pinned Vault Secrets Operator chart version.</summary>
    public const string VaultSecretsOperatorChartVersion = "0.10.0";

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
