extern alias sandboxcli;

using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes.Docker;
using Sandbox.Tests.Shared;
using sandboxcli::Sandbox.Cli.Drills;

namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// <c>sandbox drill all --runtime docker</c> end to end against this machine's daemon and the LOCAL
/// STAND-IN images (the Vault double as an image — NOT HashiCorp Vault — and PostgreSQL 15 with
/// the official image's contract): every suite runs in containers, and the evidence says so.
/// </summary>
[TestFixture]
[Category("Docker")]
[NonParallelizable]
public sealed class DrillDockerTests
{
    [SetUp]
    public async Task RequireDocker()
    {
        var daemon = await Docker("version", "--format", "{{.Server.APIVersion}}");
        Requires.That(daemon.ExitCode == 0, "a Docker daemon", "scripts/start-docker.sh");
        Requires.That((await Docker("image", "inspect", DockerRuntime.StandinVaultImage)).ExitCode == 0 && (await Docker("image", "inspect", DockerRuntime.StandinPostgresImage)).ExitCode == 0,
            "the stand-in images", "tests/standins/build-images.sh");
    }

    [Test]
    [CancelAfter(1_200_000)]
    public async Task DrillAll_OnTheDockerRuntime_PassesEverySuite(CancellationToken cancellationToken)
    {
        var report = Path.Combine(Path.GetTempPath(), "sandbox-drill-docker-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync(cancellationToken,
                "drill", "all", "--runtime", "docker", "--parallel", "2",
                "--vault-image", DockerRuntime.StandinVaultImage, "--postgres-image", DockerRuntime.StandinPostgresImage,
                "--report", report);

            var summary = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(report, "summary.json"), cancellationToken))!;
            var suites = summary["scenarios"]!.AsArray().Select(s => s!["suite"]!.GetValue<string>()).Distinct().ToArray();
            var failures = summary["scenarios"]!.AsArray().Where(s => s!["verdict"]!.GetValue<string>() != "passed").Select(s => $"{s!["name"]}: {s["failureMessage"]}");
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.Zero, $"{string.Join("\n", failures)}\n{output}\n{error}");
                Assert.That(summary["runtime"]!.GetValue<string>(), Is.EqualTo("docker"));
                Assert.That(summary["vault"]!["kind"]!.GetValue<string>(), Is.EqualTo("double"), "the stand-in is the double, and the report says so");
                Assert.That(suites, Is.SupersetOf(new[] { "sealed-restart", "lease-expiry", "lost-key", "broken-unseal", "name-parity", "denylist", "recovery-order" }));
                Assert.That(summary["counts"]!["failed"]!.GetValue<int>(), Is.Zero);

                // The suites in two dotnet test processes at once, each suite in exactly one: every part merged into the one report.
                Assert.That(output, Does.Contain("in 2 dotnet test processes at once"));
                var parts = Directory.GetDirectories(Path.Combine(report, "raw", "parts")).Select(Path.GetFileName).ToList();
                Assert.That(parts, Has.Count.EqualTo(2));
                Assert.That(parts.SelectMany(p => p!.Split('+')), Is.EquivalentTo(DrillSuites.Categories.Values), "every suite in one part, none twice");
                var junit = System.Xml.Linq.XDocument.Load(Path.Combine(report, EvidencePack.NUnitJUnitFileName));
                Assert.That(junit.Root!.Elements("testsuite").Count(), Is.EqualTo(2), "one testsuite per part");
                Assert.That(File.ReadAllText(Path.Combine(report, "logs", "guard-audit.log")), Does.Contain("\"caller\""), "the parts' guard audit logs");
            });
        }
        finally
        {
            if (Directory.Exists(report))
            {
                Directory.Delete(report, recursive: true);
            }
        }
    }

    private static Task<BufferedCommandResult> Docker(params string[] args) =>
        Cli.Wrap("docker").WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
}
