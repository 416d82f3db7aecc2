using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Tests.CommandLine;
using Sandbox.Harness.Tests.Runtimes;

namespace Sandbox.Harness.Tests.Rehearsal;

/// <summary>
/// <c>sandbox rehearse</c> end to end, in-process. The static tests need nothing; the live ones need
/// the process runtime (PostgreSQL binaries and the built Vault double) and say that they ran
/// against the double.
/// </summary>
[TestFixture]
public sealed class RehearseCommandTests
{
    private string _home = null!;
    private string _report = null!;

    [SetUp]
    public void SetUp()
    {
        _home = Path.Combine(Path.GetTempPath(), "sandbox-rehearse-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_home);
        _report = Path.Combine(_home, "report");
    }

    [TearDown]
    public async Task TearDown()
    {
        var manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()), _home);
        foreach (var name in manager.List())
        {
            await manager.DownAsync(name);
        }

        Directory.Delete(_home, recursive: true);
    }

    private Task<(int ExitCode, string Output, string Error)> RehearseAsync(CancellationToken cancellationToken, params string[] args) =>
        CliRunner.RunAsync(cancellationToken, ["rehearse", "--topology", RehearsalFixtures.Topology, "--home", _home, "--report", _report, .. args]);

    private void AssertNothingCreated()
    {
        var manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()), _home);
        Assert.Multiple(() =>
        {
            Assert.That(manager.List(), Is.Empty, "no sandbox was created");
            Assert.That(Directory.Exists(Path.Combine(_home, ".sandbox")), Is.False, "no run folder was made");
            Assert.That(Directory.Exists(_report), Is.False, "no report folder was made");
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Static_HarmlessChange_IsGo(CancellationToken cancellationToken)
    {
        var (code, output, _) = await RehearseAsync(cancellationToken, "--static", "--change", RehearsalFixtures.Change("harmless.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("GO").And.Contain("auth/jwt/role/gitea_cicd_billing"));
            Assert.That(output, Does.Not.Contain("NO-GO"));
        });
        AssertNothingCreated();
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Static_WideningWebapp_IsNoGo_NamingThePath(CancellationToken cancellationToken)
    {
        var (code, output, _) = await RehearseAsync(cancellationToken, "--static", "--json", "--change", RehearsalFixtures.Change("widen-webapp.yaml"));

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var violation = root.GetProperty("violations")[0];
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(12));
            Assert.That(root.GetProperty("verdict").GetString(), Is.EqualTo("no-go"));
            Assert.That(violation.GetProperty("path").GetString(), Is.EqualTo("kvv2/data/*"));
            Assert.That(violation.GetProperty("subject").GetString(), Is.EqualTo("webapp"));
            Assert.That(violation.GetProperty("capability").GetString(), Is.EqualTo("read"));
            Assert.That(root.GetProperty("live").GetBoolean(), Is.False);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Static_UserRulesFile_AddsANoGo(CancellationToken cancellationToken)
    {
        var rules = Path.Combine(_home, "rules.yaml");
        await File.WriteAllTextAsync(rules, "deny:\n  - { policy: \"<app>-ops\", path: \"kvv2/metadata/<app>/*\", capability: delete, reason: CI never deletes history }\n", cancellationToken);

        var (code, output, _) = await RehearseAsync(cancellationToken, "--static", "--rules", rules, "--change", RehearsalFixtures.Change("harmless.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(12), output);
            Assert.That(output, Does.Contain("billing-ops token").And.Contain("kvv2/metadata/billing/*").And.Contain("CI never deletes history"));
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task ProductionEndpoint_IsRefusedBeforeAnySandboxExists(CancellationToken cancellationToken)
    {
        var (code, output, error) = await RehearseAsync(cancellationToken, "--change", RehearsalFixtures.Change("prod-endpoint.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(3), output + error);
            Assert.That(error, Does.Contain("rule hosts:*.arcodange.lab").And.Contain("prod-endpoint.yaml:7:").And.Contain("Nothing was applied"));
            Assert.That(error, Does.Not.Contain("Exception"), "no stack trace");
        });
        AssertNothingCreated();
    }

    [Test]
    [CancelAfter(30000)]
    public async Task MalformedChange_GetsFileLineAndFix_AndNothingIsCreated(CancellationToken cancellationToken)
    {
        var (code, output, error) = await RehearseAsync(cancellationToken, "--change", RehearsalFixtures.Change("broken.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(4), output + error);
            Assert.That(error, Does.Contain("broken.yaml:7:").And.Contain("is not a duration").And.Contain("Fix:").And.Contain("Nothing was applied"));
        });
        AssertNothingCreated();
    }

    [Test]
    [CancelAfter(30000)]
    public async Task MalformedRulesFile_IsRefusedBeforeAnySandboxExists(CancellationToken cancellationToken)
    {
        var rules = Path.Combine(_home, "rules.yaml");
        await File.WriteAllTextAsync(rules, "deny:\n  - { policy: \"<app>\", capability: fly }\n", cancellationToken);

        var (code, _, error) = await RehearseAsync(cancellationToken, "--rules", rules, "--change", RehearsalFixtures.Change("harmless.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(4));
            Assert.That(error, Does.Contain("rules.yaml:2:").And.Contain("\"fly\" is not a capability"));
        });
        AssertNothingCreated();
    }

    [Test]
    [CancelAfter(30000)]
    public async Task ImageVersionChange_IsRefusedAsNotImplementedLive_BeforeAnySandboxExists(CancellationToken cancellationToken)
    {
        var (code, _, error) = await RehearseAsync(cancellationToken, "--runtime", "docker", "--vault-image", "hashicorp/vault:1.19.0");

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(5));
            Assert.That(error, Does.Contain("not implemented in this build").And.Contain("Nothing was created"));
        });
        AssertNothingCreated();
    }

    /// <summary>
    /// A "new binary" for the in-place upgrade: a shell script that runs the Vault double. The process
    /// runtime names a binary's kind by its file name, so this test asserts the mechanics (restart on
    /// the new binary → sealed → unseal, data kept) and nothing about which Vault it claims to be.
    /// </summary>
    private async Task<string> DoubleWrapperAsync(string body, CancellationToken cancellationToken)
    {
        var launch = Harness.Runtimes.Process.VaultBinaryLocator.FindDouble().Launch!;
        var path = Path.Combine(_home, "bin", "vault-next");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + body.Replace("{dotnet}", launch.FileName, StringComparison.Ordinal).Replace("{dll}", launch.Source, StringComparison.Ordinal) + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    [Test]
    [CancelAfter(240000)]
    public async Task Live_BinaryVersionChange_RestartsSealed_UnsealsOnTheNewBinary_AndKeepsTheData(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var binary = await DoubleWrapperAsync("exec \"{dotnet}\" \"{dll}\" \"$@\"", cancellationToken);

        var (code, output, error) = await RehearseAsync(cancellationToken, "--runtime", "process", "--no-suites", "--vault-binary", binary);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_report, "summary.json"), cancellationToken));
        var after = summary.RootElement.GetProperty("scenarios").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(0), output + error);
            Assert.That(after["upgrade"].GetProperty("verdict").GetString(), Is.EqualTo("passed"));
            Assert.That(after["upgrade"].GetProperty("timings").TryGetProperty("time_sealed", out _), Is.True);
            Assert.That(after["name-parity/webapp"].GetProperty("verdict").GetString(), Is.EqualTo("passed"), "the seeds written before the upgrade read back after it");
            Assert.That(after["drift"].GetProperty("verdict").GetString(), Is.EqualTo("passed"));
            Assert.That(summary.RootElement.GetProperty("rehearsal").GetProperty("change").GetString(), Does.Contain("Vault binary"));
        });
    }

    [Test]
    [CancelAfter(240000)]
    public async Task Live_BinaryThatDoesNotStart_IsNoGo_NamingTheUpgrade(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var binary = await DoubleWrapperAsync("echo 'this build refuses the storage format' >&2\nexit 1", cancellationToken);

        var (code, output, error) = await RehearseAsync(cancellationToken, "--runtime", "process", "--no-suites", "--json", "--vault-binary", binary);

        using var json = JsonDocument.Parse(output);
        var reasons = json.RootElement.GetProperty("reasons").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(12), output + error);
            Assert.That(reasons, Has.Some.StartsWith("upgrade failed: the version change failed"));
        });
        Assert.That(new SandboxManager(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()), _home).List(), Is.Empty, "the sandbox was removed");
    }

    /// <summary>Also runs the topology suites (lease-expiry, name-parity, sealed-restart) on both sides, both sides at once after one build (about 45 s).</summary>
    [Test]
    [CancelAfter(480000)]
    public async Task Live_HarmlessChange_IsGo_WithTheEvidencePack_AndTheSuitesRunOnBothSides(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        var (code, output, error) = await RehearseAsync(cancellationToken, "--runtime", "process", "--change", RehearsalFixtures.Change("harmless.yaml"));

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_report, "summary.json"), cancellationToken));
        var rehearsal = summary.RootElement.GetProperty("rehearsal");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(0), output + error);
            Assert.That(rehearsal.GetProperty("verdict").GetString(), Is.EqualTo("go"));
            Assert.That(summary.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("passed"));
            Assert.That(summary.RootElement.GetProperty("vault").GetProperty("kind").GetString(), Is.EqualTo("double"));
            Assert.That(output, Does.Contain("NOT HashiCorp Vault"));
            var after = summary.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
            Assert.That(after, Does.Contain("name-parity/billing").And.Contain("apply-change").And.Contain("drift").And.Contain("sealed-restart"));
            Assert.That(rehearsal.GetProperty("baseline").GetProperty("counts").GetProperty("failed").GetInt32(), Is.EqualTo(0));
            Assert.That(File.Exists(Path.Combine(_report, "report.html")), Is.True);
            Assert.That(File.ReadAllText(Path.Combine(_report, "junit.xml")), Does.Contain("go-no-go"));
            foreach (var suite in new[] { "lease-expiry/", "name-parity/every-name-behaves-as-in-production", "sealed-restart/kill-9-restart" })
            {
                Assert.That(after, Has.Some.StartsWith(suite), $"the {suite} suite ran after the change and is in summary.json");
            }

            Assert.That(File.Exists(Path.Combine(_report, "suites", "baseline", "summary.json")), Is.True, "the baseline suites have their own sub-folder");
            Assert.That(File.Exists(Path.Combine(_report, "suites", "after-change", "summary.json")), Is.True, "so do the suites after the change");
            Assert.That(File.ReadAllText(Path.Combine(_report, "report.html")), Does.Contain("sealed-restart/kill-9-restart"));
            Assert.That(output, Does.Not.Contain("suites were skipped"));

            // The two sides' suites run at once after one build: each run begins before the other ends.
            var (beforeStart, beforeEnd) = RunSpan(Path.Combine(_report, "suites", "baseline", "summary.json"));
            var (afterStart, afterEnd) = RunSpan(Path.Combine(_report, "suites", "after-change", "summary.json"));
            Assert.That(afterStart, Is.LessThan(beforeEnd), "the after-change suites began before the baseline suites ended");
            Assert.That(beforeStart, Is.LessThan(afterEnd), "and the other way round");
            Assert.That(output.Split("building the suites…").Length - 1, Is.EqualTo(1), "the suites are built once for both sides");
            Assert.That(output, Does.Contain("(baseline)").And.Contain("(after-change)"), "each suite line says its side");

            // Progress as it happens (plain lines, since this output is not a terminal): each live check as it starts, each of its timing samples, its verdict as it ends.
            var starts = output.IndexOf($"{LiveChecks.StatusPrefix}after-change: {LiveChecks.SealedRestart}", StringComparison.Ordinal);
            var sample = output.IndexOf($"{LiveChecks.StatusPrefix}after-change: {LiveChecks.SealedRestart}, timing sample 2 of ", StringComparison.Ordinal);
            var ends = starts < 0 ? -1 : output.IndexOf($"passed {LiveChecks.SealedRestart} (", starts, StringComparison.Ordinal);
            Assert.That(starts, Is.GreaterThanOrEqualTo(0), "the check is announced as it starts: " + output);
            Assert.That(sample, Is.GreaterThan(starts), "then each timing sample");
            Assert.That(ends, Is.GreaterThan(sample), "then its verdict");
        });
        Assert.That(new SandboxManager(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()), _home).List(), Is.Empty, "the sandbox was removed");
    }

    private static (DateTimeOffset Start, DateTimeOffset End) RunSpan(string summaryFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(summaryFile));
        return (doc.RootElement.GetProperty("startedAt").GetDateTimeOffset(), doc.RootElement.GetProperty("endedAt").GetDateTimeOffset());
    }

    [TestCase("widen-webapp.yaml")]
    [TestCase("widen-webapp-policies")]
    [CancelAfter(240000)]
    public async Task Live_WideningWebapp_IsNoGo_AndTheNameParityScenarioGoesFromPassToFail(string change, CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        var (code, output, error) = await RehearseAsync(cancellationToken, "--runtime", "process", "--no-suites", "--change", RehearsalFixtures.Change(change));

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_report, "summary.json"), cancellationToken));
        var rehearsal = summary.RootElement.GetProperty("rehearsal");
        var passToFail = rehearsal.GetProperty("diff").GetProperty("scenariosPassToFail").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(12), output + error);
            Assert.That(rehearsal.GetProperty("verdict").GetString(), Is.EqualTo("no-go"));
            Assert.That(passToFail, Does.Contain("name-parity/webapp"), "Vault itself let the webapp token read another app's secret");
            Assert.That(passToFail, Does.Not.Contain("name-parity/erp"));
            Assert.That(output, Does.Contain("kvv2/data/*").And.Contain("kvv2/data/erp/config"));
            Assert.That(output, Does.Contain("scenario suites were skipped (--no-suites)"));
        });
    }

    /// <summary>
    /// With the suites: they run on both sides, but the lease-expiry suite puts its own short TTLs on the
    /// role, so the topology's 30 s does not break its assertions; the NO-GO names the live check
    /// <c>lease-expiry/webapp</c> (and the static rule), not a suite scenario.
    /// </summary>
    [Test]
    [CancelAfter(480000)]
    public async Task Live_ShortTtl_IsNoGo_NamingTheLeaseExpiryScenario(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();

        var (code, output, error) = await RehearseAsync(cancellationToken, "--runtime", "process", "--json", "--change", RehearsalFixtures.Change("short-ttl.yaml"));

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_report, "summary.json"), cancellationToken));
        var ran = summary.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();
        Assert.That(ran, Has.Some.StartsWith("lease-expiry/short-ttl-credentials"), "the lease-expiry suite ran on the changed topology");

        using var json = JsonDocument.Parse(output);
        var reasons = json.RootElement.GetProperty("reasons").EnumerateArray().Select(e => e.GetString()!).ToList();
        var notes = json.RootElement.GetProperty("notes").EnumerateArray().Select(e => e.GetString()!).ToList();
        var passToFail = json.RootElement.GetProperty("scenariosPassToFail").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(12), output + error);
            Assert.That(reasons, Has.Some.StartsWith("lease-expiry:").And.Some.Contains("postgres/roles/webapp"));
            Assert.That(json.RootElement.GetProperty("vault").GetProperty("kind").GetString(), Is.EqualTo("double"));
        });

        // The live proof needs the database engine; when this Vault lacks it the run says so, and the static rule decided.
        if (notes.Any(n => n.Contains("no database secrets engine", StringComparison.Ordinal)))
        {
            Assert.That(passToFail, Does.Contain("static/ttl-refresh-window"));
        }
        else
        {
            Assert.That(passToFail, Does.Contain("lease-expiry/webapp"));
        }
    }
}
