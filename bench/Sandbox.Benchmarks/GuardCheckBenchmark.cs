using System.Net;
using BenchmarkDotNet.Attributes;
using Sandbox.Harness.Guard;

namespace Sandbox.Benchmarks;

/// <summary>The cost of single guard decisions (each includes its audit entry), with the built-in denylist.</summary>
[MemoryDiagnoser]
public class GuardCheckBenchmark
{
    private static readonly Uri LoopbackUrl = new("http://127.0.0.1:8200/v1/kvv2/data/app/config");
    private static readonly Uri HostileUrl = new("http://0xc0a80101:8200/v1/sys/health");
    private static readonly Sandbox.Harness.Guard.Internal.SandboxEndpointSet OwnEndpoints = new Sandbox.Harness.Guard.Internal.SandboxEndpointSet().Add("127.0.0.1", 54321, "PostgreSQL");
    private SandboxGuard _guard = null!;

    [GlobalSetup]
    public void Setup() => _guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());

    [Benchmark(Description = "CheckUrl(loopback)")]
    public bool CheckLoopbackUrl() => _guard.CheckUrl(LoopbackUrl, "bench").Allowed;

    [Benchmark(Description = "TryAllowLoopbackRequest(loopback): the guarded client's per-request path")]
    public bool FastLoopbackUrl() => _guard.TryAllowLoopbackRequest(LoopbackUrl, "bench");

    [Benchmark(Description = "CheckUrl(hex IPv4 in LAN)")]
    public bool CheckHostileUrl() => _guard.CheckUrl(HostileUrl, "bench").Allowed;

    [Benchmark(Description = "config guard: connection_url of the sandbox's PostgreSQL")]
    public bool CheckConnectionUrl() => _guard.CheckVaultDialled(
        "postgresql://{{username}}:{{password}}@127.0.0.1:54321/postgres?sslmode=disable", VaultDialledValue.PostgresConnection, OwnEndpoints, "bench").Allowed;

    [Benchmark(Description = "CheckEndPoint(127.0.0.1)")]
    public bool CheckEndPoint() => _guard.CheckEndPoint("127.0.0.1", IPAddress.Loopback, "bench").Allowed;
}
