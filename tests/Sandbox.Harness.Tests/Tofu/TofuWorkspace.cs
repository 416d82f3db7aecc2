using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Tofu;

/// <summary>A temporary folder of .tf files for one test, and a guard with the built-in denylist.</summary>
internal sealed class TofuWorkspace : IDisposable
{
    public TofuWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("sandbox-tofu-").FullName;
        Guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
    }

    public string Root { get; }

    public SandboxGuard Guard { get; }

    public static string RepoRoot => SandboxCheckout.FindRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("no Sandbox.sln above " + AppContext.BaseDirectory);

    public static string FixtureTofu => Path.Combine(RepoRoot, "fixtures", "tofu", "vault");

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Copies the fixture tools repository into the workspace, so a test can change it.</summary>
    public string CopyFixture()
    {
        var target = Path.Combine(Root, "vault");
        foreach (var file in Directory.GetFiles(FixtureTofu, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(FixtureTofu, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }

        return target;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
