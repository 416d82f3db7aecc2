using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Tests.Runtimes;

namespace Sandbox.Harness.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> makes the library (with its README and the Vault double) and the CLI as a
/// .NET tool; both work outside the checkout: the tool installs from the produced folder and runs
/// <c>up</c>/<c>down</c>, and a project of the user's referencing the library package starts a
/// sandbox, writes and reads a secret, and removes it.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Packaging")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackagesTests
{
    // A version of its own per run: NuGet's global cache never hands an older build of the same version back.
    private static readonly string Version = "0.0.0-pack." + Guid.NewGuid().ToString("N")[..8];
    private string _work = null!;
    private string _feed = null!;

    [OneTimeSetUp]
    public async Task PackBothAsync()
    {
        SandboxTestHome.RequireProcessRuntime();
        _work = Path.Combine(Path.GetTempPath(), "sbx-pack-" + Guid.NewGuid().ToString("N")[..8]);
        _feed = Path.Combine(_work, "feed");
        Directory.CreateDirectory(_feed);
        var root = SandboxCheckout.FindRoot(AppContext.BaseDirectory)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        foreach (var project in new[] { "harness/Sandbox.Harness", "harness/Sandbox.Cli" })
        {
            // The test run built Release already: pack what was built.
            await DotnetAsync(root, cts.Token, "pack", Path.Combine(root, project), "-c", "Release", "--no-build", "-o", _feed, "--nologo", "-p:Version=" + Version);
        }
    }

    [OneTimeTearDown]
    public void RemoveWork()
    {
        if (_work is not null && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task TheTool_InstallsFromTheFolder_AndRunsUpAndDown_OutsideTheCheckout(CancellationToken cancellationToken)
    {
        var tools = Path.Combine(_work, "tools");
        await DotnetAsync(_work, cancellationToken, "tool", "install", "Sandbox.Cli", "--tool-path", tools, "--add-source", _feed, "--version", Version);
        var sandbox = Path.Combine(tools, "sandbox");

        var blocked = await Cli.Wrap(sandbox).WithArguments(["guard", "check", "https://vault.arcodange.lab/v1/sys/health"])
            .WithWorkingDirectory(_work).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(blocked.ExitCode, Is.EqualTo(3), "the installed tool guards production: " + blocked.StandardOutput);

        var home = Path.Combine(_work, "home");
        var up = await Cli.Wrap(sandbox).WithArguments(["up", "--runtime", "process", "--name", "pkg-tool", "--home", home, "--json"])
            .WithWorkingDirectory(_work).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        var down = await Cli.Wrap(sandbox).WithArguments(["down", "--name", "pkg-tool", "--home", home])
            .WithWorkingDirectory(_work).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(up.ExitCode, Is.Zero, up.StandardOutput + up.StandardError);
            Assert.That(up.StandardOutput, Does.Contain("NOT HashiCorp Vault").And.Contain("vault-double"), "the tool runs the double it carries and says so");
            Assert.That(up.StandardOutput, Does.Contain("\"replay\"").And.Not.Contain("\"replay\":null"), "the shipped example topology is replayed");
            Assert.That(down.ExitCode, Is.Zero, down.StandardOutput + down.StandardError);
            Assert.That(Directory.Exists(Path.Combine(home, ".sandbox", "pkg-tool")), Is.False);
        });
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task TheLibrary_FromThePackage_StartsASandbox_InAUsersOwnProject(CancellationToken cancellationToken)
    {
        var user = Path.Combine(_work, "user-project");
        Directory.CreateDirectory(user);
        await File.WriteAllTextAsync(Path.Combine(user, "UserProject.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestoreAdditionalProjectSources>{_feed}</RestoreAdditionalProjectSources>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Sandbox.Harness" Version="{Version}" />
              </ItemGroup>
            </Project>
            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(user, "Program.cs"), """
            using System.Text.Json.Nodes;
            using Sandbox.Harness.Lab;
            using Sandbox.Harness.Runtimes;
            using Sandbox.Harness.Vault.Models;

            await using var lab = await new VaultSandboxBuilder()
                .WithRuntime(RuntimeKind.Process)
                .WithoutReplay()
                .WithHome(args[0])
                .WithReportDirectory(Path.Combine(args[0], "report"))
                .StartAsync();
            await lab.Root.EnableSecretsEngineAsync("kvv2", MountRequest.KvV2());
            await lab.Root.KvV2WriteAsync("kvv2", "webapp/config", new JsonObject { ["LOG_LEVEL"] = "debug" });
            var read = await lab.Root.KvV2ReadAsync("kvv2", "webapp/config");
            Console.WriteLine($"read={read?.Data?["LOG_LEVEL"]} vault={lab.Vault.Describe()}");
            """, cancellationToken);

        // Outside the checkout, so that neither Sandbox.sln nor its Directory.*.props are found.
        var home = Path.Combine(_work, "user-home");
        Directory.CreateDirectory(home);
        var run = await DotnetAsync(user, cancellationToken, "run", "-c", "Release", "--", home);

        Assert.That(run, Does.Contain("read=debug"), "the user's program wrote and read a secret");
        Assert.That(run, Does.Contain("NOT HashiCorp Vault").And.Contain("vault-double"), "the double came with the package, and says what it is");
        var runs = Path.Combine(home, ".sandbox");
        Assert.That(Directory.Exists(runs) ? Directory.GetDirectories(runs) : [], Is.Empty, "disposing removed the sandbox");
    }

    private static async Task<string> DotnetAsync(string workingDirectory, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await Cli.Wrap("dotnet").WithArguments(arguments).WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(e => e.Set("DOTNET_NOLOGO", "1").Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1"))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(result.ExitCode, Is.Zero, $"dotnet {string.Join(' ', arguments)} failed:\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }
}
