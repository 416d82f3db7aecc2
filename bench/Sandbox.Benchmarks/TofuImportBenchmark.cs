using BenchmarkDotNet.Attributes;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Tofu;

namespace Sandbox.Benchmarks;

/// <summary>
/// <c>sandbox topology import --tofu</c> of a tools repository with 50 apps: the fixture's root
/// module and per-app module (fixtures/tofu/vault) with 50 slugs in terraform.tfvars, so 50 module
/// instances and 450 resource instances. Target: ≤ 1 s. <see cref="Import50Apps"/> parses and
/// evaluates everything and builds the topology; <see cref="Import50AppsAndValidate"/> also loads
/// the result with the topology loader (what <c>WriteTo</c> does before writing).
/// </summary>
// In process: on a machine shared with other builds, BenchmarkDotNet's out-of-process build
// of the boilerplate ran into its 2-minute timeout; the import needs no process isolation.
[InProcess]
[WarmupCount(3)]
[IterationCount(15)]
[MemoryDiagnoser]
public class TofuImportBenchmark
{
    private const int Apps = 50;
    private string _folder = null!;
    private string _tofu = null!;
    private SandboxGuard _guard = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = SandboxCheckout.FindRoot(AppContext.BaseDirectory) ?? SandboxCheckout.FindRoot(Environment.CurrentDirectory)
            ?? throw new InvalidOperationException("run from the Sandbox checkout");
        var fixture = Path.Combine(root, "fixtures", "tofu", "vault");
        _folder = Directory.CreateTempSubdirectory("sandbox-tofu-bench-").FullName;
        _tofu = Path.Combine(_folder, "vault");
        foreach (var file in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(_tofu, Path.GetRelativePath(fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }

        var slugs = Enumerable.Range(1, Apps).Select(i => $"\"app-{i:00}\"");
        File.WriteAllText(Path.Combine(_tofu, "terraform.tfvars"), $"apps = [{string.Join(", ", slugs)}]\n");
        _guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        var check = TofuImporter.Import(_tofu, _guard);
        Console.WriteLine($"// setup: {check.Apps.Count} apps, {check.ResourceCount} resources, {check.FileCount} files");
        if (check.Apps.Count != Apps)
        {
            throw new InvalidOperationException($"expected {Apps} apps, imported {check.Apps.Count}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark]
    public int Import50Apps() => TofuImporter.Import(_tofu, _guard).Apps.Count;

    [Benchmark]
    public int Import50AppsAndValidate() => TofuImporter.Import(_tofu, _guard).Validate().Apps.Count;
}
