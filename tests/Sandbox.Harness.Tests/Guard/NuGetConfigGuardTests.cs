using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The NuGet configuration a restoring <c>dotnet</c> child would read, judged before it starts. Which
/// files NuGet reads and how <c>&lt;clear /&gt;</c> works: NuGet docs, "Common NuGet configurations"
/// (config file locations; "How settings are applied": the nearest file first, a <c>clear</c> drops
/// what the files after it would add).
/// </summary>
[TestFixture]
public sealed class NuGetConfigGuardTests
{
    private string _root = null!;
    private string _home = null!;
    private string _project = null!;

    [SetUp]
    public void CreateFolders()
    {
        _root = Directory.CreateTempSubdirectory("sandbox-nuget-").FullName;
        _home = Path.Combine(_root, "home");
        _project = Path.Combine(_root, "work", "app");
        Directory.CreateDirectory(_home);
        Directory.CreateDirectory(_project);
    }

    [TearDown]
    public void RemoveFolders() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(10_000)]
    public void AProductionSourceBeyondANearerClear_IsNeverDialled_AndPasses(CancellationToken cancellationToken)
    {
        Write(Path.Combine(_root, "nuget.config"), Sources(("lab", "https://gitea.arcodange.lab/api/packages/lab/nuget/index.json")));
        Write(Path.Combine(_home, ".nuget", "NuGet", "NuGet.Config"), Sources(("lab", "http://10.43.0.10/nuget")));
        Write(Path.Combine(_root, "work", "nuget.config"), Sources(clear: true, ("nuget.org", "https://api.nuget.org/v3/index.json")));

        Assert.That(Check(["build", "-c", "Release"]), Is.Null);
    }

    [Test]
    [CancelAfter(10_000)]
    public void AProductionSourceInTheUsersConfig_IsRefused_NamingTheFileAndLine(CancellationToken cancellationToken)
    {
        var user = Path.Combine(_home, ".nuget", "NuGet", "NuGet.Config");
        Write(user, Sources(("nuget.org", "https://api.nuget.org/v3/index.json"), ("lab", "https://gitea.arcodange.lab/api/packages/lab/nuget/index.json")));

        var refused = Check(["test", "App.csproj"]);

        Assert.That(refused, Is.Not.Null);
        Assert.That(refused!.Rule, Is.EqualTo("hosts:gitea.arcodange.lab"));
        Assert.That(refused.Detail, Does.Contain(user + ":5").And.Contain("'lab'").And.Contain("Fix:"));
    }

    [Test]
    [CancelAfter(10_000)]
    public void ALocalSourceOrAProxyNamingProduction_IsRefused(CancellationToken cancellationToken)
    {
        Write(Path.Combine(_project, "nuget.config"), Sources(("local", "/etc/vault.d/packages")));
        Assert.That(Check(["restore"])?.Rule, Is.EqualTo("files:/etc/vault.d/"));

        Write(Path.Combine(_project, "nuget.config"), """
            <configuration>
              <config>
                <add key="http_proxy" value="http://192.168.1.10:3128" />
              </config>
            </configuration>
            """);
        var proxy = Check(["publish"]);
        Assert.That(proxy?.Rule, Is.EqualTo("addresses:192.168.1.0/24"));
        Assert.That(proxy!.Detail, Does.Contain("'http_proxy'"));
    }

    [Test]
    [CancelAfter(10_000)]
    public void AConfigThatDoesNotParse_IsRefused_NamingIt(CancellationToken cancellationToken)
    {
        var file = Path.Combine(_root, "work", "NuGet.Config");
        Write(file, "<configuration><packageSources>");

        var refused = Check(["build"]);

        Assert.That(refused?.Rule, Is.EqualTo(GuardRules.InvalidTarget));
        Assert.That(refused!.Detail, Does.Contain(file).And.Contain("fix or remove the file"));
    }

    [TestCase("test", "--no-build")]
    [TestCase("build", "--no-restore")]
    [TestCase("--version", null)]
    [TestCase("new", "console")]
    [CancelAfter(10_000)]
    public void AChildThatDoesNotRestore_ReadsNoNuGetConfiguration(string verb, string? flag, CancellationToken cancellationToken)
    {
        Write(Path.Combine(_project, "nuget.config"), Sources(("lab", "https://vault.arcodange.lab/nuget")));

        Assert.That(Check(flag is null ? [verb] : [verb, flag]), Is.Null);
    }

    private GuardDecision? Check(string[] args)
    {
        GuardDecision? refused = null;
        try
        {
            TestDenylists.Guard().CheckNuGetConfiguration([.. args], 0, _project, _home, (decision, where) => throw GuardBlockedException.ChildRefused(decision, "test", "dotnet", where));
        }
        catch (GuardBlockedException e)
        {
            refused = e.Decision;
        }

        return refused;
    }

    private static string Sources(params (string Key, string Value)[] sources) => Sources(false, sources);

    private static string Sources(bool clear, params (string Key, string Value)[] sources) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
        {(clear ? "    <clear />\n" : string.Empty)}{string.Concat(sources.Select(s => $"    <add key=\"{s.Key}\" value=\"{s.Value}\" />\n"))}  </packageSources>
        </configuration>
        """;

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
