using Microsoft.Extensions.Time.Testing;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

/// <summary>Realistic scenario results built on a fake clock, shared by the evidence tests.</summary>
internal static class SampleRuns
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    public static ScenarioResult SealedRestart(string name = "sealed-restart/kill", double sealedSeconds = 4.2, bool passed = true, DateTimeOffset? start = null)
    {
        var clock = new FakeTimeProvider(start ?? Start);
        var t = new ScenarioTimeline(clock);
        t.Step("sandbox up, kvv2/app/config written, database lease issued");
        clock.Advance(TimeSpan.FromSeconds(1.5));
        t.EnterPhase(ScenarioPhase.SteadyState);
        t.Asserted("kvv2/app/config reads back; credentials log in to PostgreSQL");
        clock.Advance(TimeSpan.FromSeconds(2));
        t.EnterPhase(ScenarioPhase.Fault);
        t.Fault("kill -9 the vault process, then start it", new Dictionary<string, string> { ["signal"] = "SIGKILL" });
        t.Mark("sealed");
        clock.Advance(TimeSpan.FromSeconds(0.6));
        t.EnterPhase(ScenarioPhase.Sealed);
        t.Observe("seal-status says sealed");
        clock.Advance(TimeSpan.FromSeconds(0.4));
        t.Observe("sys/health answered 503");
        t.Observe("kvv2 read answered 503 \"Vault is sealed\"");
        clock.Advance(TimeSpan.FromSeconds(sealedSeconds - 1));
        t.EnterPhase(ScenarioPhase.Recovery);
        t.Recover("unseal with the sandbox key");
        t.Mark("unseal-requested");
        clock.Advance(TimeSpan.FromSeconds(0.3));
        t.Mark("unsealed");
        t.Measure(TimingNames.TimeSealed, "sealed", "unsealed");
        t.Measure(TimingNames.TimeToUnseal, "unseal-requested", "unsealed");
        clock.Advance(TimeSpan.FromSeconds(1.1));
        t.Asserted("data, policies, roles and mounts intact; old lease still tracked");
        t.MeasureSince(TimingNames.TimeToFirstCredential, "unsealed");
        t.Mark("first-credential");
        clock.Advance(TimeSpan.FromSeconds(0.5));
        t.EnterPhase(ScenarioPhase.SteadyState);
        t.Asserted("new credentials log in to PostgreSQL");
        clock.Advance(TimeSpan.FromSeconds(0.5));
        return t.ToResult(name, passed ? ScenarioVerdict.Passed : ScenarioVerdict.Failed, passed ? null : "Expected: login to succeed\nBut was: 28P01 password authentication failed", suite: "sealed-restart");
    }

    public static ScenarioResult LeaseExpiry(bool passed = false, DateTimeOffset? start = null, double lagSeconds = 1.8)
    {
        var clock = new FakeTimeProvider(start ?? Start.AddSeconds(20));
        var t = new ScenarioTimeline(clock);
        t.Step("short-TTL overlay on role app: default_ttl=5s max_ttl=8s");
        t.EnterPhase(ScenarioPhase.SteadyState);
        t.Asserted("credentials log in");
        clock.Advance(TimeSpan.FromSeconds(3));
        t.Observe("renewal capped at max_ttl");
        t.EnterPhase(ScenarioPhase.Fault);
        t.Fault("seal while the lease is out");
        t.EnterPhase(ScenarioPhase.Sealed);
        clock.Advance(TimeSpan.FromSeconds(6));
        t.EnterPhase(ScenarioPhase.Recovery);
        t.Recover("unseal");
        t.Mark("unsealed");
        clock.Advance(TimeSpan.FromSeconds(lagSeconds));
        t.Observe("lease revoked; role dropped in PostgreSQL");
        t.MeasureSince(TimingNames.LeaseRevocationLag, "unsealed");
        clock.Advance(TimeSpan.FromSeconds(0.2));
        return t.ToResult("lease-expiry/sealed-expiry", passed ? ScenarioVerdict.Passed : ScenarioVerdict.Failed, passed ? null : "lease revocation lag 1.8 s exceeded 1.0 s < & > \"quoted\"", suite: "lease-expiry");
    }

    /// <summary>The result with repeated samples of one timing (and their median as the timing).</summary>
    public static ScenarioResult WithSamples(this ScenarioResult result, string timing, params double[] samples) => result with
    {
        Timings = new Dictionary<string, double>(result.Timings, StringComparer.Ordinal) { [timing] = TimingRule.Median(samples) },
        TimingSamples = new Dictionary<string, IReadOnlyList<double>>(result.TimingSamples ?? new Dictionary<string, IReadOnlyList<double>>(), StringComparer.Ordinal) { [timing] = samples },
    };

    public static RunInfo Run(VaultKind kind, string runtime = "process", string? version = "0.1.0-double") => new()
    {
        Command = "drill all",
        Runtime = runtime,
        Vault = new VaultInfo(kind, version),
        Host = "build-host",
    };
}
