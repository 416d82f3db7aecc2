using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// A running sandbox, ready: Vault initialized and unsealed, the key file and root-token file
/// written. The fault methods are what the scenario suites break it with. Disposing it removes the
/// sandbox (processes, containers, run folder) unless it was created detached.
/// </summary>
internal sealed class SandboxHandle : IAsyncDisposable
{
    private readonly SandboxManager _manager;
    private readonly SandboxRun _run;
    private readonly ISandboxRuntime _runtime;
    private bool _disposed;

    internal SandboxHandle(SandboxManager manager, SandboxRun run, ISandboxRuntime runtime, PostgresEndpoint postgres, SandboxKeyStore keyStore, VaultClient unauthenticated, string rootToken)
    {
        _manager = manager;
        _run = run;
        _runtime = runtime;
        Postgres = postgres;
        KeyStore = keyStore;
        Unauthenticated = unauthenticated;
        Root = unauthenticated.WithToken(rootToken);
    }

    /// <summary>The sandbox name.</summary>
    public string Name => _run.Paths.Name;

    /// <summary>The runtime it runs on.</summary>
    public RuntimeKind Runtime => _run.State.Runtime;

    /// <summary>Which Vault runs (kind, version, binary or image). <see cref="VaultFlavor.Describe"/> says it in words nobody can miss.</summary>
    public VaultFlavor Vault => _run.State.VaultFlavor();

    /// <summary>Vault's address.</summary>
    public Uri Address => Unauthenticated.Address;

    /// <summary>A Vault client with the root token.</summary>
    public VaultClient Root { get; private set; }

    /// <summary>A Vault client with no token (seal-status, unseal, health, logins).</summary>
    public VaultClient Unauthenticated { get; }

    /// <summary>The key file (<c>cluster-keys.json</c>, 0600).</summary>
    public string KeyFile => _run.Paths.KeyFile;

    /// <summary>The root-token file (0600).</summary>
    public string RootTokenFile => _run.Paths.RootTokenFile;

    /// <summary>The run folder.</summary>
    public string RunFolder => _run.Paths.RunFolder;

    /// <summary>Every file of the run folder.</summary>
    public SandboxPaths Paths => _run.Paths;

    /// <summary>Vault's log.</summary>
    public string VaultLog => _run.Paths.VaultLog;

    /// <summary>PostgreSQL's superuser connection details (host, port, user, password) for the database engine.</summary>
    public PostgresEndpoint Postgres { get; private set; }

    /// <summary>The production guard of this sandbox (its audit log belongs in the evidence).</summary>
    public SandboxGuard Guard => _run.Guard;

    /// <summary>The key store that wrote <see cref="KeyFile"/>.</summary>
    public SandboxKeyStore KeyStore { get; }

    /// <summary>The session id (label <c>sandbox.session</c>).</summary>
    public string SessionId => _run.State.SessionId;

    /// <summary>The current status (processes, seal status).</summary>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public Task<SandboxStatus> StatusAsync(CancellationToken cancellationToken = default) => SandboxManager.StatusOfAsync(_run, _runtime, cancellationToken);

    /// <summary>Restarts Vault: SIGTERM (graceful) or SIGKILL (<paramref name="kill"/>), then starts it on the same storage and port. It comes back sealed.</summary>
    /// <param name="kill">True for kill -9.</param>
    /// <param name="cancellationToken">Cancels the restart.</param>
    public async Task RestartVaultAsync(bool kill = false, CancellationToken cancellationToken = default)
    {
        await StopVaultAsync(kill, cancellationToken).ConfigureAwait(false);
        await StartVaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Upgrades (or downgrades) Vault in place on the process runtime: stops it, then starts
    /// <paramref name="vaultBinary"/> on the same storage and port. It comes back sealed, with its
    /// data; <see cref="Vault"/> then names the new binary and the version it reports. Used by
    /// <c>sandbox rehearse --vault-binary</c>.
    /// </summary>
    /// <param name="vaultBinary">The vault or bao binary to run from now on.</param>
    /// <param name="kill">True to stop the old Vault with kill -9.</param>
    /// <param name="cancellationToken">Cancels the restart.</param>
    /// <exception cref="SandboxRuntimeException">Not the process runtime, or the binary is not an executable file; Vault was not stopped.</exception>
    public async Task RestartVaultOnBinaryAsync(string vaultBinary, bool kill = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vaultBinary);
        if (Runtime != RuntimeKind.Process)
        {
            throw SandboxRuntimeException.LaunchFailed("Vault", $"a binary upgrade needs the process runtime, and sandbox '{Name}' runs on {Runtime.ToString().ToLowerInvariant()}");
        }

        var location = Process.VaultBinaryLocator.Find(vaultBinary);
        var launch = location.Launch ?? throw SandboxRuntimeException.LaunchFailed("Vault", $"{location.Problem!.What}: {location.Problem.Detail}; {location.Problem.HowToGet}");
        Guard.EnsureFileAllowed(launch.Source, "sandbox-upgrade");
        await StopVaultAsync(kill, cancellationToken).ConfigureAwait(false);
        _run.State.VaultKind = string.Empty; // asked again from the new binary when it starts
        _run.State.VaultSource = launch.Source;
        _run.State.VaultVersion = "unknown";
        await StartVaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops Vault (SIGTERM, SIGKILL after the stop timeout; or SIGKILL at once).</summary>
    /// <param name="kill">True for kill -9.</param>
    /// <param name="cancellationToken">Cancels the stop.</param>
    public Task StopVaultAsync(bool kill = false, CancellationToken cancellationToken = default) => _runtime.StopVaultAsync(_run, kill, cancellationToken);

    /// <summary>Starts a stopped Vault on its storage and port and waits until it answers (sealed, or uninitialized after a wipe).</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public Task StartVaultAsync(CancellationToken cancellationToken = default) => _runtime.StartVaultAsync(_run, cancellationToken);

    /// <summary>Seals Vault through the API (root token).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task SealAsync(CancellationToken cancellationToken = default) => Root.SealAsync(cancellationToken);

    /// <summary>Unseals Vault with the key file, read through the key store (a missing or bad file raises its <see cref="KeyFileException"/>).</summary>
    /// <param name="cancellationToken">Cancels the unseal.</param>
    /// <returns>The seal status after the last share.</returns>
    public async Task<SealStatus> UnsealFromKeyFileAsync(CancellationToken cancellationToken = default)
    {
        var keys = await KeyStore.ReadAsync(KeyFile, cancellationToken).ConfigureAwait(false);
        return await Unauthenticated.UnsealWithAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops PostgreSQL (data kept).</summary>
    /// <param name="cancellationToken">Cancels the stop.</param>
    public Task StopPostgresAsync(CancellationToken cancellationToken = default) => _runtime.StopPostgresAsync(_run, kill: false, cancellationToken);

    /// <summary>Stops PostgreSQL (data kept): a fast shutdown, or an abort as in a power cut (<paramref name="kill"/>).</summary>
    /// <param name="kill">True to abort without a shutdown checkpoint (process: <c>pg_ctl stop -m immediate</c>; docker: SIGKILL; k3d: a forced pod delete).</param>
    /// <param name="cancellationToken">Cancels the stop.</param>
    public Task StopPostgresAsync(bool kill, CancellationToken cancellationToken = default) => _runtime.StopPostgresAsync(_run, kill, cancellationToken);

    /// <summary>Starts PostgreSQL again and waits until it accepts logins.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartPostgresAsync(CancellationToken cancellationToken = default) =>
        Postgres = await _runtime.StartPostgresAsync(_run, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes the key file (the lost-key fault).</summary>
    public void DeleteKeyFile()
    {
        Guard.EnsureFileAllowed(KeyFile, "sandbox-fault");
        File.Delete(KeyFile);
    }

    /// <summary>Corrupts the key file: keeps its first half, so that it is truncated JSON.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task CorruptKeyFileAsync(CancellationToken cancellationToken = default)
    {
        Guard.EnsureFileAllowed(KeyFile, "sandbox-fault");
        var text = await Guard.ReadAllTextAsync(KeyFile, "sandbox-fault", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(KeyFile, text[..(text.Length / 2)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wipes Vault's storage: stops Vault (SIGKILL when <paramref name="kill"/>), deletes its storage, starts it uninitialized.</summary>
    /// <param name="kill">True to kill -9 Vault first.</param>
    /// <param name="cancellationToken">Cancels the wipe.</param>
    public async Task WipeVaultStorageAsync(bool kill = false, CancellationToken cancellationToken = default)
    {
        await _runtime.StopVaultAsync(_run, kill, cancellationToken).ConfigureAwait(false);
        await _runtime.WipeVaultStorageAsync(_run, cancellationToken).ConfigureAwait(false);
        await _runtime.StartVaultAsync(_run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies Vault's storage into <paramref name="destination"/> through the runtime (docker cp, kubectl cp, or a file copy).</summary>
    /// <param name="destination">A folder on this machine; created when missing.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    public Task CopyVaultStorageAsync(string destination, CancellationToken cancellationToken = default) =>
        _runtime.CopyVaultStorageAsync(_run, destination, cancellationToken);

    /// <summary>
    /// Initializes an uninitialized Vault (after a wipe), writes the new key file and root-token
    /// file, unseals, and switches <see cref="Root"/> to the new root token.
    /// </summary>
    /// <param name="shares">Key shares. The default value is 1.</param>
    /// <param name="threshold">Threshold. The default value is 1.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task InitializeAsync(int shares = 1, int threshold = 1, CancellationToken cancellationToken = default)
    {
        var init = await Unauthenticated.InitAsync(shares, threshold, cancellationToken).ConfigureAwait(false);
        var keys = SandboxKeys.FromInitResponse(init, shares, threshold);
        await KeyStore.WriteAsync(KeyFile, keys, cancellationToken).ConfigureAwait(false);
        await KeyStore.WriteRootTokenAsync(RootTokenFile, keys.RootToken, cancellationToken).ConfigureAwait(false);
        await Unauthenticated.UnsealWithAsync(keys, cancellationToken).ConfigureAwait(false);
        Root = Unauthenticated.WithToken(keys.RootToken);
    }

    /// <summary>Removes the sandbox (unless it was created detached, then only releases this handle). Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_run.Options.Detached)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await _manager.DownCoreAsync(_run, _runtime, cts.Token).ConfigureAwait(false);
            }
            else
            {
                SandboxManager.Forget(_run.Paths.RunFolder);
            }
        }
        finally
        {
            await _runtime.DisposeAsync().ConfigureAwait(false);
            _run.Dispose();
        }
    }

    /// <inheritdoc />
    /// <summary>
    /// The replay inputs for this sandbox: on k3d the in-cluster view (Vault dials PostgreSQL by its
    /// Service name and checks tokens against its own cluster's API with its own ServiceAccount as the
    /// reviewer); elsewhere the host view, as before. The harness's own probes keep the host view.
    /// </summary>
    /// <param name="jwtValidationPubkeys">The sandbox issuer's public keys, or null.</param>
    public Replay.ReplayOptions ReplayOptions(IReadOnlyList<string>? jwtValidationPubkeys = null) =>
        K3d.K3dRuntime.ReplayOptionsFor(Runtime, Postgres, jwtValidationPubkeys);

    /// <summary>k3d: applies the per-app Vault Secrets Operator objects and stand-in apps of <paramref name="topology"/>; elsewhere nothing.</summary>
    /// <param name="topology">The topology.</param>
    /// <param name="cancellationToken">Cancels the apply.</param>
    public Task ApplyAppsAsync(Topology.TopologySpec topology, CancellationToken cancellationToken = default) =>
        _runtime is K3d.K3dRuntime k3d ? k3d.ApplyAppsAsync(_run, topology, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// k3d: a token of ServiceAccount <paramref name="serviceAccount"/> in <paramref name="serviceAccountNamespace"/>,
    /// issued by the cluster's API server (<c>kubectl create token</c>), as a pod of that ServiceAccount
    /// presents it. The token is a secret: never log it.
    /// </summary>
    /// <param name="serviceAccountNamespace">The namespace.</param>
    /// <param name="serviceAccount">The ServiceAccount.</param>
    /// <param name="audience">The audience to bind, or null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="InvalidOperationException">The sandbox does not run on k3d (it has no cluster to issue tokens).</exception>
    public Task<string> ServiceAccountTokenAsync(string serviceAccountNamespace, string serviceAccount, string? audience, CancellationToken cancellationToken = default) =>
        K3dOnly("issue ServiceAccount tokens").CreateServiceAccountTokenAsync(_run, serviceAccountNamespace, serviceAccount, audience, cancellationToken);

    /// <summary>k3d: a power cut's share of the cluster besides Vault and PostgreSQL: the operator's and the apps' pods die at once.</summary>
    /// <param name="topology">The apps whose pods die.</param>
    /// <param name="cancellationToken">Cancels the deletes.</param>
    /// <exception cref="InvalidOperationException">The sandbox does not run on k3d.</exception>
    public Task KillOperatorAndAppPodsAsync(Topology.TopologySpec topology, CancellationToken cancellationToken = default) =>
        K3dOnly("kill the operator's and the apps' pods").KillOperatorAndAppPodsAsync(_run, topology, cancellationToken);

    /// <summary>k3d: what the Vault Secrets Operator delivered to <paramref name="app"/>, as the API server reports it.</summary>
    /// <param name="app">The app.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="InvalidOperationException">The sandbox does not run on k3d.</exception>
    public Task<K3d.AppDelivery> ReadAppDeliveryAsync(Topology.AppSpec app, CancellationToken cancellationToken = default) =>
        K3dOnly("read what the operator delivered").ReadAppDeliveryAsync(_run, app, cancellationToken);

    private K3d.K3dRuntime K3dOnly(string what) =>
        _runtime as K3d.K3dRuntime
        ?? throw new InvalidOperationException($"Sandbox '{Name}' runs on the {Runtime.ToString().ToLowerInvariant()} runtime, which has no cluster: only a k3d sandbox can {what}.");

    /// <inheritdoc />
    public override string ToString() => $"Sandbox '{Name}' ({Runtime.ToString().ToLowerInvariant()} runtime, {Vault.Describe()}) at {Address}";
}
