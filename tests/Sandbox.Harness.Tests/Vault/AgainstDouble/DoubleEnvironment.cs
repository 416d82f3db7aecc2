using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;
using Sandbox.Tests.Shared;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>
/// One Vault double (a real process) and one PostgreSQL cluster for every happy-path test of
/// the client in this namespace. OneTimeSetUp drives the client through the whole bootstrap:
/// init (3 shares, threshold 2) → key file written with <see cref="SandboxKeyStore"/> →
/// read back → unseal from it, recording what the client saw on the way so the status tests
/// can assert it. Tests use their own mount, path and policy names (<see cref="Unique"/>).
/// </summary>
[SetUpFixture]
public sealed class DoubleEnvironment
{
    internal const int Shares = 3;
    internal const int Threshold = 2;
    internal const string Caller = "vault-client-happy";

    private static DoubleEnvironment? _current;
    private DoubleProcess? _double;
    private PostgresServer? _postgres;

    /// <summary>The running environment; set by OneTimeSetUp.</summary>
    internal static DoubleEnvironment Current => _current ?? throw new InvalidOperationException("the double environment did not start (see the OneTimeSetUp failure)");

    internal DoubleProcess Server => _double!;

    internal PostgresServer Postgres => _postgres!;

    internal GuardAuditLog Audit { get; private set; } = null!;

    internal SandboxGuard Guard { get; private set; } = null!;

    internal HttpClient Http { get; private set; } = null!;

    /// <summary>A client with no token.</summary>
    internal VaultClient Anonymous { get; private set; } = null!;

    /// <summary>A client with the root token read back from the token file.</summary>
    internal VaultClient Root { get; private set; } = null!;

    internal SandboxKeyStore KeyStore { get; private set; } = null!;

    internal string RunFolder { get; private set; } = null!;

    internal string KeyFile => Path.Combine(RunFolder, "cluster-keys.json");

    internal string RootTokenFile => Path.Combine(RunFolder, "root-token");

    // What the client saw during bootstrap (asserted by SysStatusTests).
    internal bool InitStatusBefore { get; private set; }

    internal SealStatus SealStatusBefore { get; private set; } = null!;

    internal HealthResult HealthBefore { get; private set; } = null!;

    internal InitResponse Init { get; private set; } = null!;

    internal bool InitStatusAfter { get; private set; }

    internal SealStatus SealStatusAfterInit { get; private set; } = null!;

    internal HealthResult HealthSealed { get; private set; } = null!;

    internal SealStatus AfterFirstShare { get; private set; } = null!;

    internal SealStatus AfterReset { get; private set; } = null!;

    internal SealStatus AfterUnseal { get; private set; } = null!;

    internal SandboxKeys KeysReadBack { get; private set; } = null!;

    /// <summary>A name no other test uses: <c>prefix-xxxxxxxx</c>.</summary>
    internal static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Requires.That(
            Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any(),
            "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)",
            "apt-get install -y postgresql");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RunFolder = Directory.CreateTempSubdirectory("sbx-client-happy-").FullName;
        Audit = GuardAuditLog.InMemory();
        Guard = new SandboxGuard(Denylist.BuiltIn, Audit);
        Http = Guard.CreateHttpClient(Caller);
        KeyStore = new SandboxKeyStore(Guard);

        // The double and PostgreSQL start side by side: the fixture's cost is the slower of the two.
        var doubleTask = DoubleProcess.StartAsync(ct);
        var postgresTask = PostgresServer.StartNewAsync(
            // Not inside RunFolder: that is 0700 root, and the cluster runs as the postgres user.
            Path.Combine(Path.GetTempPath(), "sbx-client-happy-pg-" + Guid.NewGuid().ToString("N")[..8]), guard: Guard, cancellationToken: ct);
        try
        {
            await Task.WhenAll(doubleTask, postgresTask);
        }
        finally
        {
            _double = doubleTask.IsCompletedSuccessfully ? doubleTask.Result : null;
            _postgres = postgresTask.IsCompletedSuccessfully ? postgresTask.Result : null;
        }

        var started = clock.Elapsed;
        Anonymous = new VaultClient(Server.Address, Http);
        InitStatusBefore = await Anonymous.GetInitStatusAsync(ct);
        SealStatusBefore = await Anonymous.GetSealStatusAsync(ct);
        HealthBefore = await Anonymous.GetHealthAsync(cancellationToken: ct);

        Init = await Anonymous.InitAsync(Shares, Threshold, ct);
        await KeyStore.WriteAsync(KeyFile, SandboxKeys.FromInitResponse(Init, Shares, Threshold), ct);
        await KeyStore.WriteRootTokenAsync(RootTokenFile, Init.RootToken, ct);
        InitStatusAfter = await Anonymous.GetInitStatusAsync(ct);
        SealStatusAfterInit = await Anonymous.GetSealStatusAsync(ct);
        HealthSealed = await Anonymous.GetHealthAsync(cancellationToken: ct);

        KeysReadBack = await KeyStore.ReadAsync(KeyFile, ct);
        AfterFirstShare = await Anonymous.UnsealAsync(KeysReadBack.UnsealKeysHex[2], ct);
        AfterReset = await Anonymous.ResetUnsealAsync(ct);
        AfterUnseal = await Anonymous.UnsealWithAsync(KeysReadBack, ct);
        Root = Anonymous.WithToken(await KeyStore.ReadRootTokenAsync(RootTokenFile, ct));
        _current = this;
        TestContext.Progress.WriteLine(FormattableString.Invariant(
            $"[client-happy] double + PostgreSQL up in {started.TotalMilliseconds:F0} ms; init 3/2 + key file + unseal in {(clock.Elapsed - started).TotalMilliseconds:F0} ms"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _current = null;
        if (_double is not null)
        {
            await _double.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Http?.Dispose();
        Audit?.Dispose();
        if (RunFolder is not null && Directory.Exists(RunFolder))
        {
            Directory.Delete(RunFolder, recursive: true);
        }
    }
}
