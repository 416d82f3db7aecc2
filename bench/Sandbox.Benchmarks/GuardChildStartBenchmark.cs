using BenchmarkDotNet.Attributes;
using CliWrap;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Docker;

namespace Sandbox.Benchmarks;

/// <summary>
/// The guard's cost per child-process start: <see cref="SandboxGuard.GuardCommand"/> on the commands the
/// runtimes really start — the argument grammar of the tool, every endpoint, file and context check,
/// the per-tool environment allow-list (with its sandbox-owned folders) and the audit entries — without
/// spawning anything. Target: ≤ 2 ms per start.
/// Run: dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*GuardChildStart*' --inProcess
/// </summary>
[MemoryDiagnoser]
public class GuardChildStartBenchmark
{
    private const string Caller = "benchmark";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sandbox-bench-child-start");
    private SandboxGuard _guard = null!;
    private Command _dockerRunVault = null!;
    private string[] _detachedDoubleArguments = null!;
    private Command _kubectlApply = null!;
    private Command _pgCtlStart = null!;
    private Command _vaultStatus = null!;
    private Command _dotnetBuild = null!;
    private string _kubeconfig = null!;

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_folder);
        _kubeconfig = Path.Combine(_folder, "kubeconfig");
        File.WriteAllText(_kubeconfig, string.Empty);
        _guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        string[] labels = ["--label", "sandbox.session=0123456789abcdef", "--label", "sandbox.name=bench", "--label", "sandbox.home=feedface", "--label", "sandbox.managed=true"];
        _dockerRunVault = Cli.Wrap("/usr/bin/docker").WithArguments(DockerRuntime.VaultRunArguments(
            "sandbox-bench-vault", labels, Path.Combine(_folder, "vault.hcl"), [("sandbox-bench-vault-data", "/vault/file")], "hashicorp/vault:1.18"));
        _detachedDoubleArguments = [Path.Combine(_folder, "Sandbox.VaultDouble.dll"), "server", "-config", Path.Combine(_folder, "vault.hcl")];
        _kubectlApply = Cli.Wrap("/usr/local/bin/kubectl").WithArguments(["--kubeconfig", _kubeconfig, "--context", "k3d-sbx-bench", "apply", "-f", Path.Combine(_folder, "vso.yaml")]);
        _pgCtlStart = Cli.Wrap("runuser").WithArguments(["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", Path.Combine(_folder, "data"), "-l", Path.Combine(_folder, "pg.log"), "-o", "-p 54321 -k /tmp -c listen_addresses=127.0.0.1", "-w", "start"]);
        _vaultStatus = Cli.Wrap("/usr/local/bin/vault").WithArguments(["status", "-address=http://127.0.0.1:8200", "-format=json"]);

        // The drill's build of the scenarios: a restoring verb, so every nuget.config up the checkout's
        // folders and the user's NuGet configuration are read and judged.
        var checkout = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(checkout, "Sandbox.sln")))
        {
            checkout = Path.GetDirectoryName(checkout) ?? throw new InvalidOperationException("run the benchmark from the checkout");
        }

        _dotnetBuild = Cli.Wrap("/usr/bin/dotnet").WithArguments(["build", Path.Combine(checkout, "scenarios", "Sandbox.Scenarios", "Sandbox.Scenarios.csproj"), "-c", "Release", "--nologo", "-v", "minimal"]).WithWorkingDirectory(checkout);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "docker run (Vault container)")]
    public Command DockerRun() => _guard.GuardCommand(_dockerRunVault, Caller);

    [Benchmark(Description = "detached launch: dotnet double (no shell)")]
    public IReadOnlyDictionary<string, string> DetachedDouble() => _guard.GuardDetachedLaunch("/usr/bin/dotnet", _detachedDoubleArguments, Path.Combine(_folder, "vault.log"), _folder, Caller);

    [Benchmark(Description = "kubectl apply (private kubeconfig)")]
    public Command KubectlApply() => _guard.GuardCommand(_kubectlApply, Caller, _kubeconfig);

    [Benchmark(Description = "runuser -u postgres -- pg_ctl start")]
    public Command PgCtlStart() => _guard.GuardCommand(_pgCtlStart, Caller);

    [Benchmark(Description = "dotnet build (NuGet configuration judged)")]
    public Command DotnetBuild() => _guard.GuardCommand(_dotnetBuild, Caller);

    [Benchmark(Description = "vault status -address=loopback")]
    public Command VaultStatus() => _guard.GuardCommand(_vaultStatus, Caller);
}
