using Sandbox.Harness.Guard;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// A throw-away Vault double (a real process, initialized 1-of-1 and unsealed) reached through the
/// guarded Vault client, and the fixture topology. Results are results about the double.
/// </summary>
internal sealed class ReplaySandbox : IAsyncDisposable
{
    private readonly HttpClient _http;

    private ReplaySandbox(DoubleProcess process, HttpClient http, VaultClient root, SandboxGuard guard, TopologySpec topology)
    {
        Process = process;
        _http = http;
        Root = root;
        Guard = guard;
        Topology = topology;
    }

    public DoubleProcess Process { get; }

    public VaultClient Root { get; }

    public SandboxGuard Guard { get; }

    public TopologySpec Topology { get; }

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sandbox.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("no Sandbox.sln above " + AppContext.BaseDirectory);
        }
    }

    public static string FixtureTopology => Path.Combine(RepositoryRoot, "fixtures", "topology.yaml");

    public static async Task<ReplaySandbox> StartAsync(CancellationToken cancellationToken, string? topologyFile = null)
    {
        var process = await DoubleProcess.StartAsync(cancellationToken);
        var guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        var http = guard.CreateHttpClient("replay-test");
        try
        {
            var vault = new VaultClient(process.Address, http);
            var init = await vault.InitAsync(1, 1, cancellationToken);
            await vault.UnsealAsync(init.Keys[0], cancellationToken);
            return new ReplaySandbox(process, http, vault.WithToken(init.RootToken), guard, TopologyLoader.Load(topologyFile ?? FixtureTopology));
        }
        catch
        {
            http.Dispose();
            await process.DisposeAsync();
            throw;
        }
    }

    public TopologyReplayer Replayer(SandboxGuard? guard = null) => new(Root, guard ?? Guard);

    public ObservedStateReader Reader() => new(Root);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Process.DisposeAsync();
    }
}
