using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

[TestFixture]
public sealed class ReportHtmlTests
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateFolder()
    {
        // Set SANDBOX_SAMPLE_REPORT_DIR to keep the sample packs for a look in a browser.
        var keep = Environment.GetEnvironmentVariable("SANDBOX_SAMPLE_REPORT_DIR");
        _dir = string.IsNullOrEmpty(keep)
            ? Directory.CreateTempSubdirectory("sandbox-report-test-")
            : Directory.CreateDirectory(Path.Combine(keep, TestContext.CurrentContext.Test.Name));
    }

    [TearDown]
    public void DeleteFolder()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SANDBOX_SAMPLE_REPORT_DIR")))
        {
            _dir.Delete(recursive: true);
        }
    }

    private static XDocument ParseAsXml(string html)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(new StringReader(html), settings);
        return XDocument.Load(reader);
    }

    private static string ElementText(XDocument doc, string id) =>
        doc.Descendants().Single(e => (string?)e.Attribute("id") == id).Value;

    private async Task<string> ComposeDrillAsync(RunInfo run, CancellationToken cancellationToken, params ScenarioResult[] results)
    {
        var writer = new EvidenceWriter(_dir.FullName);
        foreach (var result in results)
        {
            await writer.WriteScenarioAsync(result, cancellationToken);
        }

        var pack = await EvidencePack.ComposeAsync(_dir.FullName, run, cancellationToken);
        return await File.ReadAllTextAsync(pack.ReportPath, cancellationToken);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Report_AgainstTheDouble_SaysSoInTheBanner(CancellationToken cancellationToken)
    {
        var html = await ComposeDrillAsync(SampleRuns.Run(VaultKind.VaultDouble), cancellationToken, SampleRuns.SealedRestart(), SampleRuns.LeaseExpiry());

        var doc = ParseAsXml(html);
        Assert.Multiple(() =>
        {
            Assert.That(ElementText(doc, "banner-vault"), Does.StartWith("Vault double — NOT HashiCorp Vault"));
            Assert.That(ElementText(doc, "banner-runtime"), Does.Contain("process").And.Contain("local processes"));
            Assert.That(doc.Descendants(Html + "title").Single().Value, Does.Contain("Vault double — NOT HashiCorp Vault"));
            Assert.That(doc.Descendants().Single(e => (string?)e.Attribute("id") == "banner").Attribute("class")!.Value, Does.Contain("vault-double"));
            Assert.That(ElementText(doc, "verdict"), Is.EqualTo("FAILED"));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Report_AgainstRealVault_NamesHashiCorpVaultAndNeverTheDouble(CancellationToken cancellationToken)
    {
        var html = await ComposeDrillAsync(SampleRuns.Run(VaultKind.HashiCorpVault, "k3d", "1.18.1"), cancellationToken, SampleRuns.SealedRestart());

        var doc = ParseAsXml(html);
        Assert.Multiple(() =>
        {
            Assert.That(ElementText(doc, "banner-vault"), Is.EqualTo("HashiCorp Vault 1.18.1"));
            Assert.That(ElementText(doc, "banner-runtime"), Does.Contain("k3d"));
            Assert.That(html, Does.Not.Contain("Vault double"));
            Assert.That(ElementText(doc, "verdict"), Is.EqualTo("PASSED"));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Report_AgainstOpenBao_SaysItIsNotHashiCorpVault(CancellationToken cancellationToken)
    {
        var html = await ComposeDrillAsync(SampleRuns.Run(VaultKind.OpenBao, "docker", "2.1.0"), cancellationToken, SampleRuns.SealedRestart());

        Assert.That(ElementText(ParseAsXml(html), "banner-vault"), Does.StartWith("OpenBao 2.1.0").And.Contain("not HashiCorp Vault"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Report_DrawsOneTimelinePerScenarioWithColouredPhasesAndMarks(CancellationToken cancellationToken)
    {
        var html = await ComposeDrillAsync(SampleRuns.Run(VaultKind.VaultDouble), cancellationToken, SampleRuns.SealedRestart(), SampleRuns.LeaseExpiry());

        var doc = ParseAsXml(html);
        var timelines = doc.Descendants(Svg + "svg").Where(s => (string?)s.Attribute("class") == "timeline").ToList();
        var first = timelines[0];
        var phaseClasses = first.Elements(Svg + "rect").Select(r => (string?)r.Attribute("class")).Where(c => c?.StartsWith("ph-", StringComparison.Ordinal) == true).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(timelines, Has.Count.EqualTo(2));
            Assert.That(phaseClasses, Is.EqualTo(new[] { "ph-setup", "ph-steady", "ph-fault", "ph-sealed", "ph-recovery", "ph-steady" }));
            Assert.That(first.Descendants(Svg + "circle").Count(c => (string?)c.Attribute("class") == "mk-obs"), Is.EqualTo(3));
            Assert.That(first.Descendants(Svg + "polygon").Count(c => (string?)c.Attribute("class") == "mk-fault"), Is.EqualTo(1));
            Assert.That(first.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("unsealed"));
            Assert.That(timelines[1].Descendants(Svg + "g").Count(g => (string?)g.Attribute("class") == "mk-failed"), Is.EqualTo(1));
            Assert.That(doc.Descendants(Svg + "svg").Count(s => (string?)s.Attribute("class") == "timings"), Is.EqualTo(2));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Report_IsSelfContainedAndEscapesEverything(CancellationToken cancellationToken)
    {
        var hostile = SampleRuns.SealedRestart("<script>alert('x')</script>", passed: false) with
        {
            FailureMessage = "<img src=\"http://evil.example/x.png\"> & more",
        };

        var html = await ComposeDrillAsync(SampleRuns.Run(VaultKind.VaultDouble) with { Host = "<b>host</b>" }, cancellationToken, hostile);

        var doc = ParseAsXml(html);
        var withoutNamespaces = html.Replace("http://www.w3.org/1999/xhtml", string.Empty, StringComparison.Ordinal).Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Descendants().Where(e => e.Name.LocalName is "script" or "img" or "link" or "iframe" or "object"), Is.Empty);
            Assert.That(html, Does.Contain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
            Assert.That(doc.Descendants().Attributes("src"), Is.Empty);
            Assert.That(withoutNamespaces.Replace("http://evil.example", string.Empty, StringComparison.Ordinal), Does.Not.Contain("http:").And.Not.Contain("https:"));
            Assert.That(html, Does.Not.Contain("@import").And.Not.Contain("url("));
            Assert.That(doc.Descendants(Html + "pre").Any(p => p.Value.StartsWith("<img src=", StringComparison.Ordinal)), Is.True);
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Rehearsal_ShowsVerdictDiffAndBothRunsSideBySide(CancellationToken cancellationToken)
    {
        var baseline = new[] { SampleRuns.SealedRestart().WithSamples(TimingNames.TimeSealed, 4_300, 4_250, 4_410), SampleRuns.LeaseExpiry(passed: true) };
        var after = new[] { SampleRuns.SealedRestart(sealedSeconds: 9).WithSamples(TimingNames.TimeSealed, 9_100, 9_020, 9_230), SampleRuns.LeaseExpiry(passed: false) };
        var diff = new RehearsalDiff
        {
            NamesAdded = ["auth/jwt/role/gitea_cicd_billing"],
            NamesRemoved = ["kvv1/legacy"],
            CapabilityChanges = [new PolicyCapabilityChange("app", "kvv2/data/*", ["read", "list"], [])],
            ScenariosPassToFail = RehearsalDiff.FindScenarioRegressions(baseline, after),
            TimingRegressions = RehearsalDiff.FindTimingRegressions(baseline, after),
        };
        var rehearsal = new RehearsalEvidence
        {
            Verdict = RehearsalVerdict.NoGo,
            Reasons = ["policy app gains read on kvv2/data/* (another app's secrets)", "lease-expiry/sealed-expiry went from pass to fail"],
            Change = "policy files: policies/app.hcl",
            BaselineVault = new VaultInfo(VaultKind.VaultDouble, "0.0.9-double"),
            Baseline = baseline,
            After = after,
            Diff = diff,
        };

        var pack = await EvidencePack.ComposeRehearsalAsync(_dir.FullName, SampleRuns.Run(VaultKind.VaultDouble) with { Command = "rehearse" }, rehearsal, cancellationToken);

        var html = await File.ReadAllTextAsync(pack.ReportPath, cancellationToken);
        var doc = ParseAsXml(html);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath, cancellationToken));
        var r = summary.RootElement.GetProperty("rehearsal");
        var junit = XDocument.Parse(await File.ReadAllTextAsync(pack.JUnitPath, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(pack.Passed, Is.False);
            Assert.That(ElementText(doc, "verdict"), Is.EqualTo("NO-GO"));
            Assert.That(ElementText(doc, "banner-vault"), Does.StartWith("Vault double — NOT HashiCorp Vault"));
            Assert.That(ElementText(doc, "diff"), Does.Contain("kvv2/data/*").And.Contain("read, list").And.Contain("auth/jwt/role/gitea_cicd_billing").And.Contain("kvv1/legacy"));
            Assert.That(ElementText(doc, "diff"), Does.Contain("lease-expiry/sealed-expiry").And.Contain(TimingNames.TimeSealed));
            Assert.That(r.GetProperty("diff").GetProperty("timingRegressions")[0].GetProperty("afterSamplesMs").GetArrayLength(), Is.EqualTo(3), "the samples behind a timing regression are in the evidence");
            Assert.That(summary.RootElement.GetProperty("scenarios")[0].GetProperty("timingSamples").GetProperty(TimingNames.TimeSealed).GetArrayLength(), Is.EqualTo(3));
            Assert.That(doc.Descendants(Html + "div").Count(d => (string?)d.Attribute("class") == "pair"), Is.EqualTo(2));
            Assert.That(doc.Descendants(Svg + "svg").Count(s => (string?)s.Attribute("class") == "timeline"), Is.EqualTo(4));
            Assert.That(r.GetProperty("verdict").GetString(), Is.EqualTo("no-go"));
            Assert.That(r.GetProperty("diff").GetProperty("capabilityChanges")[0].GetProperty("path").GetString(), Is.EqualTo("kvv2/data/*"));
            Assert.That(r.GetProperty("diff").GetProperty("scenariosPassToFail")[0].GetString(), Is.EqualTo("lease-expiry/sealed-expiry"));
            Assert.That(r.GetProperty("baselineVault").GetProperty("version").GetString(), Is.EqualTo("0.0.9-double"));
            Assert.That(r.GetProperty("baseline").GetProperty("scenarios").GetArrayLength(), Is.EqualTo(2));
            Assert.That(summary.RootElement.GetProperty("scenarios").GetArrayLength(), Is.EqualTo(2));
            Assert.That(junit.Descendants("testsuite").Select(s => (string)s.Attribute("name")!), Is.EqualTo(new[] { "baseline", "after-change", "rehearsal" }));
            Assert.That(junit.Descendants("testcase").Single(t => (string)t.Attribute("name")! == "go-no-go").Element("failure")!.Value, Does.Contain("kvv2/data/*"));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Rehearsal_Go_PassesWhenTheRunAfterPasses(CancellationToken cancellationToken)
    {
        var runs = new[] { SampleRuns.SealedRestart() };
        var rehearsal = new RehearsalEvidence { Verdict = RehearsalVerdict.Go, Baseline = runs, After = runs, Diff = new RehearsalDiff() };

        var pack = await EvidencePack.ComposeRehearsalAsync(_dir.FullName, SampleRuns.Run(VaultKind.HashiCorpVault, "docker", "1.18.1") with { Command = "rehearse" }, rehearsal, cancellationToken);

        var doc = ParseAsXml(await File.ReadAllTextAsync(pack.ReportPath, cancellationToken));
        Assert.Multiple(() =>
        {
            Assert.That(pack.Passed, Is.True);
            Assert.That(ElementText(doc, "verdict"), Is.EqualTo("GO"));
        });
    }
}
