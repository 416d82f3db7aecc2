using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// A fake of the Vault Secrets Operator 1.4.1 for one app, for the fake <c>kubectl</c>: each
/// <see cref="ReconcileAsync"/> is one reconcile pass of the app's VaultAuth, VaultStaticSecret and
/// VaultDynamicSecret against a real Vault (the double), and writes each object, with the
/// <c>.status</c> the real operator writes, where the fake <c>kubectl get KIND NAME -n NS -o json</c>
/// reads it (<c>objects/NS/KIND/NAME.json</c>); the app's Deployment is written there too, Ready only
/// while a PostgreSQL login with the Secret's credentials works. Each rule names its upstream source
/// (hashicorp/vault-secrets-operator @ v1.4.1; status field shapes from its CRDs,
/// <c>config/crd/bases/secrets.hashicorp.com_*.yaml</c>).
/// </summary>
internal sealed class FakeVaultSecretsOperator
{
    private readonly VaultClient _vault;
    private readonly SandboxGuard _guard;
    private readonly string _objects;
    private readonly string _app;
    private readonly string _namespace;
    private readonly string _kubernetesMount;
    private readonly string _role;
    private readonly Func<string> _serviceAccountToken;
    private readonly (string Host, int Port) _postgres;
    private readonly byte[] _macKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<string> _events = [];
    private VaultClient? _client;
    private string _clientId = string.Empty;
    private JsonObject _dynamicStatus = [];
    private JsonObject _staticStatus = [];
    private (string Username, string Password)? _secret;
    private long _deploymentGeneration = 1;
    private string? _restartedAt;

    public FakeVaultSecretsOperator(VaultClient unauthenticated, SandboxGuard guard, string objectsFolder, string app, string kubernetesMount, string role,
        Func<string> serviceAccountToken, (string Host, int Port) postgres)
    {
        _vault = unauthenticated;
        _guard = guard;
        _objects = objectsFolder;
        _app = app;
        _namespace = app;
        _kubernetesMount = kubernetesMount;
        _role = role;
        _serviceAccountToken = serviceAccountToken;
        _postgres = postgres;
    }

    /// <summary>The operator pod's UID; a new pod gets a new one.</summary>
    public string PodUid { get; private set; } = Guid.NewGuid().ToString();

    /// <summary>The Warning events the operator recorded (reason and message).</summary>
    public IReadOnlyList<string> Events => _events;

    /// <summary>
    /// The operator's pod and the app's pod die (a power cut) and come back. The client cache is in
    /// memory only: the chart's default <c>controller.manager.clientCache.persistenceModel</c> is
    /// <c>none</c> ("in-memory client cache is used, no tokens are persisted", chart/values.yaml),
    /// so the new pod has no Vault token. The objects' statuses and the Secret live in the API
    /// server and survive.
    /// </summary>
    public void RestartPods()
    {
        _client = null;
        PodUid = Guid.NewGuid().ToString();
    }

    /// <summary>One reconcile pass of the app's objects, then the Deployment's readiness.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        // 'kubectl -n vault-secrets-operator-system delete pod --all' (the fake kubectl leaves this
        // marker beside the objects folder): the Deployment's new pod is what reconciles now.
        var deleted = Path.Combine(Path.GetDirectoryName(_objects)!, "operator-pods-deleted");
        if (File.Exists(deleted))
        {
            File.Delete(deleted);
            RestartPods();
        }

        // controllers/vaultauth_controller.go: VaultAuth's status is about the resource itself (its
        // VaultConnection reference, its spec hash); it does not log in, so a sealed Vault leaves it valid.
        var authSpec = new JsonObject { ["vaultConnectionRef"] = "vault", ["method"] = "kubernetes", ["mount"] = _kubernetesMount, ["kubernetes"] = new JsonObject { ["role"] = _role, ["serviceAccount"] = _app } };
        Write("vaultauth", _app, authSpec, new JsonObject
        {
            ["valid"] = true,
            ["error"] = string.Empty,
            ["specHash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authSpec.ToJsonString()))),
        });

        // controllers/vaultdynamicsecret_controller.go, Reconcile: "Failed to get Vault client" is a
        // Warning event and a requeue; the status is left as it was.
        if (await ClientAsync(cancellationToken) is { } client)
        {
            await SyncStaticAsync(client, cancellationToken);
            await SyncDynamicAsync(client, cancellationToken);
        }

        Write("vaultstaticsecret", _app + "-config", new JsonObject { ["type"] = "kv-v2", ["mount"] = "kvv2", ["path"] = _app + "/config" }, _staticStatus.DeepClone().AsObject());
        Write("vaultdynamicsecret", _app + "-db", new JsonObject { ["mount"] = "postgres", ["path"] = "creds/" + _app }, _dynamicStatus.DeepClone().AsObject());
        await WriteDeploymentAsync(cancellationToken);
    }

    private async Task<VaultClient?> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is not null)
        {
            return _client;
        }

        try
        {
            var auth = await _vault.KubernetesLoginAsync(_kubernetesMount, _role, _serviceAccountToken(), cancellationToken);
            _client = _vault.WithToken(auth.ClientToken);

            // vault/client.go, defaultClient.ID: "a hash of the client token accessor".
            _clientId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(auth.Accessor ?? string.Empty)));
            return _client;
        }
        catch (Exception e) when (e is VaultApiException or VaultUnreachableException)
        {
            _events.Add("VaultClientConfigError: Failed to get Vault client: " + e.Message);
            return null;
        }
    }

    private async Task SyncStaticAsync(VaultClient client, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.KvV2ReadAsync("kvv2", _app + "/config", cancellationToken: cancellationToken);

            // controllers/vaultstaticsecret_controller.go: lastGeneration, secretMAC (an HMAC of the
            // secret's data, base64) and vaultClientMeta after a sync.
            _staticStatus = new JsonObject
            {
                ["lastGeneration"] = 1,
                ["secretMAC"] = Mac(secret?.Data?.ToJsonString() ?? "{}"),
                ["vaultClientMeta"] = ClientMeta(),
            };
        }
        catch (Exception e) when (e is VaultApiException or VaultUnreachableException)
        {
            _events.Add("VaultClientError: " + e.Message);
        }
    }

    private async Task SyncDynamicAsync(VaultClient client, CancellationToken cancellationToken)
    {
        // controllers/vaultdynamicsecret_controller.go, Reconcile: a first sync (no lease yet) or a
        // client whose ID changed since the last sync ("ReasonVaultTokenRotated") syncs new
        // credentials; otherwise the lease would be renewed (not modelled: the fake never renews).
        var lastClientId = _dynamicStatus["vaultClientMeta"]?["id"]?.GetValue<string>();
        var doSync = _dynamicStatus["secretLease"] is null || (lastClientId is not null && lastClientId != _clientId);
        if (!doSync)
        {
            return;
        }

        DatabaseCredentials creds;
        try
        {
            creds = await client.DatabaseGetCredentialsAsync("postgres", _app, cancellationToken);
        }
        catch (Exception e) when (e is VaultApiException or VaultUnreachableException)
        {
            _events.Add("VaultClientError: " + e.Message);
            return;
        }

        _secret = (creds.Username, creds.Password);

        // The same file, lines after the sync: status.secretLease (id, duration, renewable,
        // requestID), lastRenewalTime (Unix seconds), lastGeneration, vaultClientMeta (cacheKey, id),
        // lastRuntimePodUID (updateStatus). secretMAC is stored only with allowStaticCreds (CRD
        // description), so a dynamic role's status has none; staticCredsMetaData only for static roles.
        _dynamicStatus = new JsonObject
        {
            ["secretLease"] = new JsonObject
            {
                ["id"] = creds.LeaseId,
                ["duration"] = (long)creds.LeaseDuration.TotalSeconds,
                ["renewable"] = creds.Renewable,
                ["requestID"] = Guid.NewGuid().ToString(),
            },
            ["lastRenewalTime"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["lastGeneration"] = 1,
            ["lastRuntimePodUID"] = PodUid,
            ["vaultClientMeta"] = ClientMeta(),
        };

        // The same file: doRolloutRestart is true when syncSecret wrote new data into the destination
        // (its second result), and then helpers.HandleRolloutRestarts patches every rolloutRestartTarget;
        // internal/helpers/rollout_restart.go, patchForRolloutRestart: a Deployment's pod template gets
        // the annotation vso.secrets.hashicorp.com/restartedAt = time.Now() in RFC 3339 (whole seconds).
        // A pod-template change raises the Deployment's metadata.generation (the API server's rule for
        // a spec change), and the controller rolls out a new pod that reads the new Secret.
        _deploymentGeneration++;
        _restartedAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task WriteDeploymentAsync(CancellationToken cancellationToken)
    {
        // The stand-in app's readinessProbe (VsoManifests: psql with the Secret's credentials): Ready
        // only while that login works; no Secret yet means the container cannot start.
        var ready = _secret is { } s && await LoginWorksAsync(s.Username, s.Password, cancellationToken);
        var path = Path.Combine(_objects, _namespace, "deployment", _app + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Every pod of the Deployment reads the Secret when it starts (env from secretKeyRef), so the
        // running pod holds what the Secret held at its last (re)start; here that is always _secret:
        // a rollout restart follows each new write, and a killed pod restarts with the Secret as it is.
        // The controller has observed the latest generation (it rolls out at once here), one updated
        // replica, available when ready (minReadySeconds 0).
        var template = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = _app } } };
        if (_restartedAt is not null)
        {
            template["metadata"]!["annotations"] = new JsonObject { ["vso.secrets.hashicorp.com/restartedAt"] = _restartedAt };
        }

        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = _app, ["namespace"] = _namespace, ["generation"] = _deploymentGeneration },
            ["spec"] = new JsonObject { ["replicas"] = 1, ["template"] = template },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = _deploymentGeneration,
                ["replicas"] = 1,
                ["updatedReplicas"] = 1,
                ["readyReplicas"] = ready ? 1 : 0,
                ["availableReplicas"] = ready ? 1 : 0,
            },
        };
        await File.WriteAllTextAsync(path + ".new", deployment.ToJsonString(), cancellationToken);
        Replace(path);
    }

    /// <summary>
    /// Puts <c>PATH.new</c> in place in one rename: the API server answers a GET with a whole object
    /// (one etcd revision), never half a write, so a concurrent <c>kubectl get</c> must not see one either.
    /// </summary>
    private static void Replace(string path) => File.Move(path + ".new", path, overwrite: true);

    private async Task<bool> LoginWorksAsync(string username, string password, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = _postgres.Host, Port = _postgres.Port, Username = username, Password = password, Database = "postgres", Pooling = false, Timeout = 5 };
        await using var source = _guard.CreateNpgsqlDataSource(builder.ConnectionString, "fake app readiness probe");
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private JsonObject ClientMeta() => new() { ["cacheKey"] = "kubernetes-" + _app, ["id"] = _clientId };

    private string Mac(string data) => Convert.ToBase64String(HMACSHA256.HashData(_macKey, Encoding.UTF8.GetBytes(data)));

    private void Write(string kind, string name, JsonObject spec, JsonObject status)
    {
        var path = Path.Combine(_objects, _namespace, kind, name + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var obj = new JsonObject
        {
            ["apiVersion"] = "secrets.hashicorp.com/v1beta1",
            ["kind"] = kind switch { "vaultauth" => "VaultAuth", "vaultstaticsecret" => "VaultStaticSecret", _ => "VaultDynamicSecret" },
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = _namespace, ["generation"] = 1 },
            ["spec"] = spec,
            ["status"] = status,
        };
        File.WriteAllText(path + ".new", obj.ToJsonString());
        Replace(path);
    }
}
