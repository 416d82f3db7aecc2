using System.Net;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Live canaries for the PostgreSQL client tools and for <c>dotnet</c>: a listener on 127.0.0.2
/// (<c>addresses: 127.0.0.2</c> in the test denylist) stands for production and counts connections.
/// Each control runs the real tool without the guard and must reach the canary, so the test proves
/// that what it planted is what the tool reads; the same tool through the guard must not.
/// </summary>
[TestFixture]
[NonParallelizable] // sets PG* variables in this process while it runs
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LiveToolCanaryTests
{
    private static readonly IPAddress CanaryAddress = IPAddress.Parse("127.0.0.2");
    private static readonly string[] PostgresVariables = ["PGHOST", "PGPORT", "PGSERVICE", "PGSERVICEFILE", "PGCONNECT_TIMEOUT", "PGHOSTADDR"];

    /// <summary>
    /// libpq takes its endpoint from the environment when the command line names none (PostgreSQL 15 docs,
    /// "Environment Variables": PGHOST, PGHOSTADDR, PGPORT, PGSERVICE with PGSERVICEFILE), so a harness whose
    /// own environment names production would hand it to psql or pg_isready. Under the guard they get none of it.
    /// </summary>
    [Test]
    [CancelAfter(90_000)]
    public async Task PostgresClientTools_FollowTheHarnesssPgVariablesOnlyWithoutTheGuard(CancellationToken cancellationToken)
    {
        Requires.Tool("psql", "apt-get install -y postgresql-client");
        Requires.Tool("pg_isready", "apt-get install -y postgresql-client");
        await using var canary = new LoopbackHttpServer(CanaryAddress);
        var folder = Directory.CreateTempSubdirectory("sandbox-pg-canary-").FullName;
        var saved = PostgresVariables.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            var serviceFile = Path.Combine(folder, "pg_service.conf");
            await File.WriteAllTextAsync(serviceFile, $"[prod]\nhost=127.0.0.2\nport={canary.Port}\n", cancellationToken);
            var byHost = new Dictionary<string, string?> { ["PGHOST"] = "127.0.0.2", ["PGPORT"] = canary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["PGCONNECT_TIMEOUT"] = "3" };
            var byService = new Dictionary<string, string?> { ["PGSERVICEFILE"] = serviceFile, ["PGSERVICE"] = "prod", ["PGCONNECT_TIMEOUT"] = "3" };

            // Controls: the real tools, given those variables, dial the canary.
            var missed = new List<string>();
            foreach (var (what, tool, args, env) in new (string, string, string[], Dictionary<string, string?>)[]
            {
                ("psql, PGHOST/PGPORT", "psql", ["-w", "-c", "select 1"], byHost),
                ("psql, PGSERVICE", "psql", ["-w", "-c", "select 1"], byService),
                ("pg_isready, PGHOST/PGPORT", "pg_isready", [], byHost),
            })
            {
                var before = canary.AcceptedConnections;
                var output = await UnguardedProcess.RunAsync(tool, args, env, PostgresVariables, TimeSpan.FromSeconds(120), cancellationToken);
                if (canary.AcceptedConnections == before)
                {
                    missed.Add($"{what}: {output}");
                }
            }

            Assert.That(missed, Is.Empty, "each control must reach the canary, so the variables are what libpq reads");
            var reachedByControls = canary.AcceptedConnections;

            // The harness's process carries them all.
            foreach (var (name, value) in byHost.Concat(byService))
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            var guard = TestDenylists.Guard();
            var guardedPsql = await guard.GuardCommand(Cli.Wrap("psql").WithArguments(["-w", "-c", "select 1"]).WithValidation(CommandResultValidation.None), "canary").ExecuteBufferedAsync(cancellationToken);
            var guardedReady = await guard.GuardCommand(Cli.Wrap("pg_isready").WithValidation(CommandResultValidation.None), "canary").ExecuteBufferedAsync(cancellationToken);

            // Naming the canary on the command line, in any of libpq's spellings, is refused before the tool starts.
            var port = canary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var refused = new[]
            {
                ("psql", new[] { "-h", "127.0.0.2", "-p", port, "-c", "select 1" }),
                ("psql", [$"host=127.0.0.2 port={port}"]),
                ("psql", [$"postgresql://127.0.0.2:{port}/postgres"]),
                ("psql", ["-d", $"hostaddr=127.0.0.2 port={port}"]),
                ("psql", ["service=prod"]),
                ("pg_isready", ["--host=127.0.0.2", "-p", port]),
            }.Select(c => Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(c.Item1).WithArguments(c.Item2), "canary"), string.Join(' ', c.Item2))!.Decision.Rule).ToArray();

            await Task.Delay(200, cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(canary.AcceptedConnections, Is.EqualTo(reachedByControls), "a guarded PostgreSQL client reached the production canary");
                Assert.That(guardedPsql.ExitCode, Is.Not.Zero, "with no endpoint, psql tries the local socket of a server that is not there");
                Assert.That(guardedPsql.StandardError, Does.Not.Contain("127.0.0.2"), "psql was not told about the canary");
                Assert.That(guardedReady.ExitCode, Is.Not.Zero.And.Not.EqualTo(0));
                Assert.That(refused, Is.EqualTo(new[] { "addresses:127.0.0.2", "addresses:127.0.0.2", "addresses:127.0.0.2", "addresses:127.0.0.2", GuardRules.ConnectionParameter, "addresses:127.0.0.2" }));
            });
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// dotnet restores packages from the sources of every nuget.config from the project's folder up to the
    /// root, then the user's and the computer's (NuGet docs, "Common NuGet configurations"), so a nuget.config
    /// beside a change or above the checkout naming production would be dialled by the drill's build. The
    /// control restores and reaches the canary; through the guard the build is refused before it starts,
    /// naming the file, its line and the address.
    /// </summary>
    [Test]
    [CancelAfter(240_000)]
    public async Task ANuGetSourceNamingProduction_IsDialledByAPlainRestore_AndRefusedByTheGuard(CancellationToken cancellationToken)
    {
        Requires.Tool("dotnet", "https://dotnet.microsoft.com/download (the .NET 10 SDK)");
        await using var canary = new LoopbackHttpServer(CanaryAddress, _ => (404, null));
        var folder = Directory.CreateTempSubdirectory("sandbox-nuget-canary-").FullName;
        try
        {
            var project = Path.Combine(folder, "app");
            Directory.CreateDirectory(project);
            await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="lab" value="http://127.0.0.2:{canary.Port}/v3/index.json" allowInsecureConnections="true" />
                  </packageSources>
                </configuration>
                """, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(project, "App.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                  <ItemGroup><PackageReference Include="Sandbox.Canary.NotAPackage" Version="1.0.0" /></ItemGroup>
                </Project>
                """, cancellationToken);

            // Control: a plain restore reads the nuget.config above the project and dials the source.
            var control = await UnguardedProcess.RunAsync("dotnet", ["restore", Path.Combine(project, "App.csproj")], new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(folder, "packages"), ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, [], TimeSpan.FromSeconds(120), cancellationToken);
            Assert.That(canary.AcceptedConnections, Is.GreaterThanOrEqualTo(1), "the control did not reach the canary, so the nuget.config is not what dotnet reads: " + control);
            var reachedByControl = canary.AcceptedConnections;

            var guard = TestDenylists.Guard();
            var build = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap("dotnet").WithArguments(["build", "App.csproj", "-c", "Release"]).WithWorkingDirectory(project), "canary"))!;
            var fromAbove = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap("dotnet").WithArguments(["test", Path.Combine(project, "App.csproj")]).WithWorkingDirectory(Path.GetTempPath()), "canary"))!;

            // Without a restore (and so without a source to dial), the same folder is fine.
            var noRestore = guard.GuardCommand(Cli.Wrap("dotnet").WithArguments(["test", "App.csproj", "--no-build"]).WithWorkingDirectory(project), "canary");

            await Task.Delay(200, cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(canary.AcceptedConnections, Is.EqualTo(reachedByControl), "the guard let a restore reach the canary");
                Assert.That(build.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
                Assert.That(build.Message, Does.Contain(Path.Combine(folder, "nuget.config") + ":5").And.Contain("'lab'").And.Contain("<clear />"));
                Assert.That(fromAbove.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"), "the project's own folder counts, not only the working folder");
                Assert.That(noRestore, Is.Not.Null);
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
