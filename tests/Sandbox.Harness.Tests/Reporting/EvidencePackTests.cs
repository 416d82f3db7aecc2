using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

[TestFixture]
public sealed class EvidencePackTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("sandbox-evidence-test-");

    [TearDown]
    public void DeleteFolder() => _dir.Delete(recursive: true);

    [Test]
    [CancelAfter(20_000)]
    public async Task Compose_WritesSummaryWithTheDocumentedShape(CancellationToken cancellationToken)
    {
        var writer = new EvidenceWriter(_dir.FullName);
        await writer.WriteScenarioAsync(SampleRuns.SealedRestart(), cancellationToken);
        await writer.WriteScenarioAsync(SampleRuns.LeaseExpiry(passed: false), cancellationToken);
        var run = SampleRuns.Run(VaultKind.VaultDouble) with { Command = "chaos", Seed = 42, ChaosPlan = "chaos plan: seed=42 rounds=1 faults=seal\nround 1: seal wait=1s hold=2s\n" };

        var pack = await EvidencePack.ComposeAsync(_dir.FullName, run, cancellationToken);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath, cancellationToken));
        var root = summary.RootElement;
        var scenarios = root.GetProperty("scenarios").EnumerateArray().ToList();
        var first = scenarios[0];
        Assert.Multiple(() =>
        {
            Assert.That(pack.Passed, Is.False);
            Assert.That(pack.ScenarioCount, Is.EqualTo(2));
            Assert.That(pack.FailedCount, Is.EqualTo(1));
            Assert.That(root.GetProperty("runtime").GetString(), Is.EqualTo("process"));
            Assert.That(root.GetProperty("vault").GetProperty("kind").GetString(), Is.EqualTo("double"));
            Assert.That(root.GetProperty("vault").GetProperty("version").GetString(), Is.EqualTo("0.1.0-double"));
            Assert.That(root.GetProperty("vault").GetProperty("description").GetString(), Does.Contain("NOT HashiCorp Vault"));
            Assert.That(root.GetProperty("verdict").GetString(), Is.EqualTo("failed"));
            Assert.That(root.GetProperty("seed").GetInt32(), Is.EqualTo(42));
            Assert.That(root.GetProperty("chaosPlan").GetString(), Does.StartWith("chaos plan: seed=42"));
            Assert.That(root.GetProperty("host").GetString(), Is.EqualTo("build-host"));
            Assert.That(root.GetProperty("startedAt").GetDateTimeOffset(), Is.EqualTo(SampleRuns.Start));
            Assert.That(root.GetProperty("endedAt").GetDateTimeOffset(), Is.GreaterThan(SampleRuns.Start.AddSeconds(20)));
            Assert.That(scenarios.Select(s => s.GetProperty("name").GetString()), Is.EqualTo(new[] { "sealed-restart/kill", "lease-expiry/sealed-expiry" }));
            Assert.That(scenarios.Select(s => s.GetProperty("verdict").GetString()), Is.EqualTo(new[] { "passed", "failed" }));
            Assert.That(first.GetProperty("timings").GetProperty(TimingNames.TimeSealed).GetDouble(), Is.EqualTo(4_500).Within(0.001));
            Assert.That(first.GetProperty("timings").GetProperty(TimingNames.TimeToUnseal).GetDouble(), Is.EqualTo(300).Within(0.001));
            Assert.That(first.GetProperty("timings").GetProperty(TimingNames.TimeToFirstCredential).GetDouble(), Is.EqualTo(1_100).Within(0.001));
            Assert.That(scenarios[1].GetProperty("timings").GetProperty(TimingNames.LeaseRevocationLag).GetDouble(), Is.EqualTo(1_800).Within(0.001));
            Assert.That(scenarios[1].GetProperty("failureMessage").GetString(), Does.StartWith("lease revocation lag"));
            Assert.That(root.GetProperty("counts").GetProperty("failed").GetInt32(), Is.EqualTo(1));
            Assert.That(File.Exists(pack.ReportPath) && File.Exists(pack.JUnitPath), Is.True);
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Compose_AllPassed_IsPassed(CancellationToken cancellationToken)
    {
        await new EvidenceWriter(_dir.FullName).WriteScenarioAsync(SampleRuns.SealedRestart(), cancellationToken);

        var pack = await EvidencePack.ComposeAsync(_dir.FullName, SampleRuns.Run(VaultKind.HashiCorpVault, "docker", "1.18.1"), cancellationToken);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(pack.Passed, Is.True);
            Assert.That(summary.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("passed"));
            Assert.That(summary.RootElement.GetProperty("vault").GetProperty("kind").GetString(), Is.EqualTo("hashicorp-vault"));
            Assert.That(summary.RootElement.GetProperty("seed").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Compose_WithoutScenarios_IsNotAPass(CancellationToken cancellationToken)
    {
        var pack = await EvidencePack.ComposeAsync(_dir.FullName, SampleRuns.Run(VaultKind.VaultDouble), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(pack.Passed, Is.False);
            Assert.That(pack.ScenarioCount, Is.Zero);
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Compose_CopiesGuardAndVaultLogs_ThroughTheSecretFilter(CancellationToken cancellationToken)
    {
        await new EvidenceWriter(_dir.FullName).WriteScenarioAsync(SampleRuns.SealedRestart(), cancellationToken);
        var audit = Path.Combine(_dir.FullName, "audit-source.log");
        var vaultLog = Path.Combine(_dir.FullName, "vault-source.log");
        await File.WriteAllLinesAsync(audit, ["2026-11-28T09:00:00Z allow 127.0.0.1:8200 loopback", "2026-11-28T09:00:01Z block vault.prod.example denylist"], cancellationToken);
        await File.WriteAllLinesAsync(vaultLog, ["core: vault is sealed", "debug: PGPASSWORD=abc123 in env"], cancellationToken);

        var pack = await EvidencePack.ComposeAsync(_dir.FullName, SampleRuns.Run(VaultKind.VaultDouble) with { GuardAuditLogPath = audit, VaultLogPath = vaultLog }, cancellationToken);

        var copiedAudit = await File.ReadAllLinesAsync(Path.Combine(pack.Directory, "logs", "guard-audit.log"), cancellationToken);
        var copiedVault = await File.ReadAllTextAsync(Path.Combine(pack.Directory, "logs", "vault.log"), cancellationToken);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(copiedAudit, Has.Length.EqualTo(2));
            Assert.That(copiedAudit[1], Does.Contain("block vault.prod.example"));
            Assert.That(copiedVault, Does.Contain("core: vault is sealed").And.Not.Contain("abc123"));
            Assert.That(summary.RootElement.GetProperty("files").GetProperty("guardAuditLog").GetString(), Is.EqualTo("logs/guard-audit.log"));
            Assert.That(summary.RootElement.GetProperty("files").GetProperty("vaultLog").GetString(), Is.EqualTo("logs/vault.log"));
            Assert.That(summary.RootElement.GetProperty("redactions").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Compose_ListsTheTestLoggersJUnitFile_AndKeepsItsOwn(CancellationToken cancellationToken)
    {
        await new EvidenceWriter(_dir.FullName).WriteScenarioAsync(SampleRuns.SealedRestart(), cancellationToken);
        var nunit = Path.Combine(_dir.FullName, EvidencePack.NUnitJUnitFileName);
        await File.WriteAllTextAsync(nunit, "<testsuites />", cancellationToken);

        var pack = await EvidencePack.ComposeAsync(_dir.FullName, SampleRuns.Run(VaultKind.VaultDouble), cancellationToken);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath, cancellationToken));
        var nunitAfter = await File.ReadAllTextAsync(nunit, cancellationToken);
        var ours = await File.ReadAllTextAsync(pack.JUnitPath, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(summary.RootElement.GetProperty("files").GetProperty("nunitJunit").GetString(), Is.EqualTo(EvidencePack.NUnitJUnitFileName));
            Assert.That(nunitAfter, Is.EqualTo("<testsuites />"));
            Assert.That(ours, Does.Contain("sealed-restart/kill"));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public void Compose_WithAMissingLog_NamesThePath(CancellationToken cancellationToken)
    {
        var missing = Path.Combine(_dir.FullName, "nope", "vault.log");

        var error = Assert.ThrowsAsync<EvidenceException>(() => EvidencePack.ComposeAsync(_dir.FullName, SampleRuns.Run(VaultKind.VaultDouble) with { VaultLogPath = missing }, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain(missing).And.Contain("Vault log"));
            Assert.That(error.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ReadScenarios_WithABrokenFile_NamesTheFile(CancellationToken cancellationToken)
    {
        var writer = new EvidenceWriter(_dir.FullName);
        var broken = Path.Combine(writer.ScenariosDirectory, "broken.json");
        await File.WriteAllTextAsync(broken, "{ \"name\": \"x\",\n  \"verdict\": \"maybe\" }", cancellationToken);

        var error = Assert.ThrowsAsync<EvidenceException>(() => EvidencePack.ReadScenariosAsync(_dir.FullName, cancellationToken));

        Assert.That(error!.Message, Does.Contain(broken).And.Contain("line 2"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteScenario_RoundTripsEveryField(CancellationToken cancellationToken)
    {
        var original = SampleRuns.LeaseExpiry();

        await new EvidenceWriter(_dir.FullName).WriteScenarioAsync(original, cancellationToken);
        var back = (await EvidencePack.ReadScenariosAsync(_dir.FullName, cancellationToken)).Single();

        Assert.Multiple(() =>
        {
            Assert.That(back.Name, Is.EqualTo(original.Name));
            Assert.That(back.Suite, Is.EqualTo(original.Suite));
            Assert.That(back.Verdict, Is.EqualTo(original.Verdict));
            Assert.That(back.FailureMessage, Is.EqualTo(original.FailureMessage));
            Assert.That(back.StartedAt, Is.EqualTo(original.StartedAt));
            Assert.That(back.EndedAt, Is.EqualTo(original.EndedAt));
            Assert.That(back.Timings, Is.EquivalentTo(original.Timings));
            Assert.That(back.Events.Select(e => (e.Kind, e.Phase, e.Text, e.OffsetMs)), Is.EqualTo(original.Events.Select(e => (e.Kind, e.Phase, e.Text, e.OffsetMs))));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void FileNameFor_KeepsSafeNamesAndSeparatesLookalikes(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(EvidenceWriter.FileNameFor("lost-key"), Is.EqualTo("lost-key.json"));
            Assert.That(EvidenceWriter.FileNameFor("sealed-restart/kill"), Does.StartWith("sealed-restart_kill-").And.EndWith(".json"));
            Assert.That(EvidenceWriter.FileNameFor("a/b"), Is.Not.EqualTo(EvidenceWriter.FileNameFor("a_b")));
            Assert.That(EvidenceWriter.FileNameFor("../../etc/passwd"), Does.Not.Contain("/"));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void FromEnvironment_UsesSandboxReportDir(CancellationToken cancellationToken)
    {
        var target = Path.Combine(_dir.FullName, "from-env");
        var previous = Environment.GetEnvironmentVariable(EvidenceWriter.ReportDirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(EvidenceWriter.ReportDirectoryVariable, target);
            var writer = EvidenceWriter.FromEnvironment();

            Assert.Multiple(() =>
            {
                Assert.That(writer.ReportDirectory, Is.EqualTo(target));
                Assert.That(Directory.Exists(Path.Combine(target, "scenarios")), Is.True);
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable(EvidenceWriter.ReportDirectoryVariable, previous);
        }
    }

    [Test]
    [CancelAfter(5_000)]
    public void Writer_OnAFilePath_SaysItIsNotAFolder(CancellationToken cancellationToken)
    {
        var file = Path.Combine(_dir.FullName, "a-file");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<EvidenceException>(() => _ = new EvidenceWriter(file));

        Assert.That(error!.Message, Does.Contain(file).And.Contain("not a folder"));
    }
}
