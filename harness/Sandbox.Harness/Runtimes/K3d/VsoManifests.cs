using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>
/// The lab's runtime path per app, as Kubernetes objects for the Vault Secrets Operator 1.4.1 (its
/// defaults create no connection and no auth, so each app gets its own): the app's namespace and
/// ServiceAccount, a VaultConnection to the in-cluster Vault, a VaultAuth (Kubernetes auth, role
/// and ServiceAccount as the topology names them), a VaultStaticSecret for <c>&lt;kv&gt;/&lt;app&gt;/config</c>
/// (kv-v2), a VaultDynamicSecret for <c>&lt;db&gt;/creds/&lt;app&gt;</c> that restarts the app's Deployment
/// when the credentials change, and a stand-in app (the PostgreSQL image) that is Ready only while
/// it can log in to PostgreSQL with the Secret's credentials.
/// </summary>
internal static partial class VsoManifests
{
    /// <summary>The in-cluster address of the sandbox Vault (chart service <c>hashicorp-vault</c> in <c>tools</c>).</summary>
    public const string InClusterVaultAddress = "http://" + RuntimeVersions.VaultRelease + "." + RuntimeVersions.ToolsNamespace + ".svc.cluster.local:8200";

    /// <summary>The in-cluster PostgreSQL host (k3d/postgres.yaml's Service).</summary>
    public const string InClusterPostgresHost = "postgres." + RuntimeVersions.ToolsNamespace + ".svc.cluster.local";

    /// <summary>The name of each app's VaultConnection.</summary>
    public const string ConnectionName = "vault";

    /// <summary>The Kubernetes Secret the static secret is written to.</summary>
    /// <param name="slug">The app.</param>
    public static string ConfigSecretName(string slug) => slug + "-config";

    /// <summary>The Kubernetes Secret the database credentials are written to.</summary>
    /// <param name="slug">The app.</param>
    public static string DatabaseSecretName(string slug) => slug + "-db";

    /// <summary>
    /// Refuses a topology whose names cannot be Kubernetes names, before anything starts. Each name is
    /// checked by the rule the API server applies to its object kind (kubernetes/kubernetes
    /// staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go): a Namespace's name by
    /// <c>ValidateNamespaceName = NameIsDNSLabel</c> (IsDNS1123Label: lower-case alphanumerics and '-',
    /// at most 63, no dots); a ServiceAccount's by <c>ValidateServiceAccountName = NameIsDNSSubdomain</c>
    /// (IsDNS1123Subdomain: dot-separated labels, at most 253), which is also what a pod's
    /// <c>serviceAccountName</c> must be (pkg/apis/core/validation/validation.go, ValidatePodSpec).
    /// </summary>
    /// <param name="topology">The topology.</param>
    /// <exception cref="TopologyAppNameException">An app's namespace is not a DNS-1123 label, or its ServiceAccount not a DNS-1123 subdomain.</exception>
    public static void Validate(TopologySpec topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        foreach (var app in topology.Apps)
        {
            if (!IsDns1123Label(app.Namespace))
            {
                throw TopologyAppNameException.NotALabel(app.Slug, "namespace", app.Namespace, app.Location.ToString());
            }

            if (!IsDns1123Subdomain(app.ServiceAccount))
            {
                throw TopologyAppNameException.NotASubdomain(app.Slug, "serviceAccount", app.ServiceAccount, app.Location.ToString());
            }
        }
    }

    /// <summary>k8s.io/apimachinery/pkg/util/validation IsDNS1123Label: at most 63 characters of <c>[a-z0-9]([-a-z0-9]*[a-z0-9])?</c>.</summary>
    /// <param name="value">The name.</param>
    internal static bool IsDns1123Label(string value) => value.Length <= 63 && Label().IsMatch(value);

    /// <summary>k8s.io/apimachinery/pkg/util/validation IsDNS1123Subdomain: at most 253 characters of dot-separated DNS-1123 labels.</summary>
    /// <param name="value">The name.</param>
    internal static bool IsDns1123Subdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    /// <summary>The manifest of one app (several YAML documents).</summary>
    /// <param name="topology">The topology (mount names, Kubernetes auth path and audience).</param>
    /// <param name="app">The app.</param>
    public static string Render(TopologySpec topology, AppSpec app)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(app);
        var ns = app.Namespace;
        var sa = app.ServiceAccount;
        var labels = $"{{app: {Q(app.Slug)}, sandbox.managed: \"true\"}}";
        var audiences = topology.Kubernetes.Audience is { } aud ? $"\n    audiences: [{Q(aud)}]" : string.Empty;
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $$$"""
            # The runtime path of app '{{{app.Slug}}}' (topology {{{app.Location}}}): VSO authenticates as ServiceAccount
            # '{{{sa}}}' with Kubernetes auth role '{{{app.KubernetesRole.Name}}}' and materialises its secrets for the app.
            apiVersion: v1
            kind: Namespace
            metadata:
              name: {{{Q(ns)}}}
              labels: {{{labels}}}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: {{{Q(sa)}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            ---
            apiVersion: secrets.hashicorp.com/v1beta1
            kind: VaultConnection
            metadata:
              name: {{{ConnectionName}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            spec:
              address: {{{Q(InClusterVaultAddress)}}}
              skipTLSVerify: false
            ---
            apiVersion: secrets.hashicorp.com/v1beta1
            kind: VaultAuth
            metadata:
              name: {{{Q(app.Slug)}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            spec:
              vaultConnectionRef: {{{ConnectionName}}}
              method: kubernetes
              mount: {{{Q(topology.Kubernetes.Path)}}}
              kubernetes:
                role: {{{Q(app.KubernetesRole.Name)}}}
                serviceAccount: {{{Q(sa)}}}{{{audiences}}}
            ---
            apiVersion: secrets.hashicorp.com/v1beta1
            kind: VaultStaticSecret
            metadata:
              name: {{{Q(ConfigSecretName(app.Slug))}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            spec:
              vaultAuthRef: {{{Q(app.Slug)}}}
              type: kv-v2
              mount: {{{Q(topology.KvMount)}}}
              path: {{{Q(app.Slug + "/config")}}}
              refreshAfter: 30s
              destination:
                name: {{{Q(ConfigSecretName(app.Slug))}}}
                create: true
            ---
            apiVersion: secrets.hashicorp.com/v1beta1
            kind: VaultDynamicSecret
            metadata:
              name: {{{Q(DatabaseSecretName(app.Slug))}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            spec:
              vaultAuthRef: {{{Q(app.Slug)}}}
              mount: {{{Q(topology.Database.Mount)}}}
              path: {{{Q("creds/" + app.Slug)}}}
              destination:
                name: {{{Q(DatabaseSecretName(app.Slug))}}}
                create: true
              rolloutRestartTargets:
                - kind: Deployment
                  name: {{{Q(app.Slug)}}}
            ---
            # A stand-in for the app: Ready only while it can log in to PostgreSQL with the credentials
            # VSO wrote into the Secret (a restart by VSO brings the new ones into its environment).
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{{Q(app.Slug)}}}
              namespace: {{{Q(ns)}}}
              labels: {{{labels}}}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: {{{Q(app.Slug)}}}}
              template:
                metadata:
                  labels: {app: {{{Q(app.Slug)}}}}
                spec:
                  serviceAccountName: {{{Q(sa)}}}
                  containers:
                    - name: app
                      image: {{{RuntimeVersions.PostgresImage}}}
                      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                      env:
                        - name: PGHOST
                          value: {{{Q(InClusterPostgresHost)}}}
                        - name: PGDATABASE
                          value: postgres
                        - name: PGUSER
                          valueFrom: {secretKeyRef: {name: {{{Q(DatabaseSecretName(app.Slug))}}}, key: username}}
                        - name: PGPASSWORD
                          valueFrom: {secretKeyRef: {name: {{{Q(DatabaseSecretName(app.Slug))}}}, key: password}}
                      readinessProbe:
                        exec:
                          command: ["psql", "-tAc", "SELECT 1"]
                        periodSeconds: 2
                        failureThreshold: 1

            """);
        return b.ToString();
    }

    private static string Q(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Subdomain();
}
