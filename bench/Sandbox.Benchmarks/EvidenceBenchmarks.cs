using BenchmarkDotNet.Attributes;
using Sandbox.Harness.Faults;
using Sandbox.Harness.Reporting;

namespace Sandbox.Benchmarks;

/// <summary>
/// Cost of the evidence pack at the end of a run: composing summary.json, junit.xml and
/// report.html from 24 scenarios of 60 events each; filtering one Vault log line; and making a
/// 1000-round chaos plan.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet runs instance benchmark methods.")]
public class EvidenceBenchmarks
{
    private string _dir = string.Empty;
    private readonly RunInfo _run = new() { Command = "drill all", Runtime = "process", Vault = new VaultInfo(VaultKind.VaultDouble, "0.1.0") };

    private const string LogLine = "2026-11-28T09:00:01.123Z [INFO]  core: successfully unsealed with 1 key shares; mount=postgres/ lease_id=postgres/creds/app/Xb3kR9 path=sys/leases/renew";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("sandbox-bench-evidence-").FullName;
        var writer = new EvidenceWriter(_dir);
        var start = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
        for (var s = 0; s < 24; s++)
        {
            var events = new List<TimelineEvent>();
            for (var e = 0; e < 60; e++)
            {
                var phase = (ScenarioPhase)(e * 5 / 60);
                var kind = e % 10 == 0 ? TimelineEventKind.Phase : (TimelineEventKind)(e % 6);
                events.Add(new TimelineEvent(start.AddMilliseconds(e * 150), e * 150, kind, phase, $"event {e} of scenario {s}: health answered 503"));
            }

            var result = new ScenarioResult(
                $"suite-{s % 6}/case-{s}",
                s % 7 == 0 ? ScenarioVerdict.Failed : ScenarioVerdict.Passed,
                s % 7 == 0 ? "Expected: login to succeed\nBut was: 28P01" : null,
                start,
                start.AddSeconds(9),
                new Dictionary<string, double> { [TimingNames.TimeSealed] = 4_000 + s, [TimingNames.TimeToUnseal] = 300, [TimingNames.TimeToFirstCredential] = 1_100 },
                events)
            { Suite = $"suite-{s % 6}" };
            writer.WriteScenarioAsync(result).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark]
    public Task<EvidencePackResult> ComposePack() => EvidencePack.ComposeAsync(_dir, _run);

    [Benchmark]
    public string FilterLogLine() => SecretFilter.Redact(LogLine, out _);

    [Benchmark]
    public object ChaosPlan1000Rounds() => ChaosPlan.Create(42, 1_000);
}
