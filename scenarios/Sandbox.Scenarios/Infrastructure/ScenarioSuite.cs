using System.Collections.Concurrent;
using System.Net;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// The base of every suite: a sandbox per suite (or a fresh one per test when the test destroys
/// state), a <see cref="ScenarioTimeline"/> per test, and the evidence written in TearDown with
/// the verdict NUnit reached. Each scenario states its steady state, injects its fault, observes,
/// recovers and asserts the steady state again; <see cref="AssertSteadyStateAsync"/> includes the
/// canary check (zero connections to the run's "production" listener).
/// A test's own state (its timeline, its fresh sandboxes) is kept per test, so a suite whose tests
/// each bring their own sandbox may let them run at once (<c>[Parallelizable(ParallelScope.Children)]</c>)
/// and their waits overlap.
/// </summary>
public abstract class ScenarioSuite
{
    private readonly ConcurrentDictionary<string, ScenarioTimeline> _timelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<SandboxHandle>> _testSandboxes = new(StringComparer.Ordinal);
    private SandboxHandle? _suiteSandbox;

    /// <summary>The suite's name in the evidence, e.g. <c>sealed-restart</c>.</summary>
    protected abstract string SuiteName { get; }

    /// <summary>Whether the suite starts one sandbox for all its tests. The default value is <see langword="true"/>.</summary>
    protected virtual bool SharesSandbox => true;

    /// <summary>Options of the suite's sandbox.</summary>
    private protected virtual SandboxOptions SuiteSandboxOptions => new() { Runtime = Env.Runtime };

    private protected static ScenarioEnvironment Env => ScenarioEnvironment.Current;

    /// <summary>The running test's timeline (tests of one suite may run at once: each has its own).</summary>
    private protected ScenarioTimeline Timeline => _timelines.TryGetValue(CurrentTestId, out var timeline)
        ? timeline
        : throw new InvalidOperationException($"{TestContext.CurrentContext.Test.FullName} has no timeline: it is made in SetUp.");

    /// <summary>NUnit's id of the running test; it follows the test's own awaits, also when tests run at once.</summary>
    private static string CurrentTestId => TestContext.CurrentContext.Test.ID;

    /// <summary>The suite's shared sandbox.</summary>
    private protected SandboxHandle Sandbox => _suiteSandbox ?? throw new InvalidOperationException($"{GetType().Name} has no shared sandbox (SharesSandbox is false); use FreshSandboxAsync.");

    [OneTimeSetUp]
    public async Task StartSuiteSandboxAsync()
    {
        if (!SharesSandbox)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _suiteSandbox = await UpAsync(SuiteSandboxOptions, cts.Token);
        await OnSuiteSandboxReadyAsync(_suiteSandbox, cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopSuiteSandboxAsync()
    {
        if (_suiteSandbox is { } sandbox)
        {
            _suiteSandbox = null;
            await DisposeKeepingLogAsync(sandbox);
        }
    }

    [SetUp]
    public void StartTimeline()
    {
        _timelines[CurrentTestId] = new ScenarioTimeline(TimeProvider.System);
        Timeline.Step($"scenario starts on the {Env.Runtime.ToString().ToLowerInvariant()} runtime");
    }

    [TearDown]
    public async Task WriteEvidenceAsync()
    {
        if (_testSandboxes.TryRemove(CurrentTestId, out var sandboxes))
        {
            foreach (var sandbox in sandboxes)
            {
                await DisposeKeepingLogAsync(sandbox);
            }
        }

        var timeline = _timelines.TryRemove(CurrentTestId, out var own) ? own : new ScenarioTimeline(TimeProvider.System);
        var context = TestContext.CurrentContext;
        var outcome = context.Result.Outcome.Status;
        var canary = Env.Canary.Connections;
        var verdict = outcome == TestStatus.Passed && canary == 0 ? ScenarioVerdict.Passed : ScenarioVerdict.Failed;
        string? failure = null;
        if (outcome != TestStatus.Passed)
        {
            failure = string.IsNullOrWhiteSpace(context.Result.Message) ? $"NUnit outcome: {outcome}" : context.Result.Message.Trim();
        }
        else if (canary != 0)
        {
            failure = $"The canary 'production' listener on {CanaryListener.Address} accepted {canary} connection(s): the guard let something through.";
        }

        var name = $"{SuiteName}/{ScenarioName(context.Test.MethodName ?? context.Test.Name)}";
        await Env.Evidence.WriteScenarioAsync(timeline.ToResult(name, verdict, failure, SuiteName));
        Assert.That(canary, Is.Zero, failure);
    }

    /// <summary>Called once the suite's sandbox is up (write the steady state here).</summary>
    private protected virtual Task OnSuiteSandboxReadyAsync(SandboxHandle sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A sandbox of its own for this test, torn down (its Vault log kept) in TearDown.</summary>
    private protected async Task<SandboxHandle> FreshSandboxAsync(CancellationToken cancellationToken, int shares = 1, int threshold = 1)
    {
        Timeline.Step($"a fresh sandbox ({shares} share(s), threshold {threshold})");
        var sandbox = await UpAsync(new SandboxOptions { Runtime = Env.Runtime, Shares = shares, Threshold = threshold }, cancellationToken);
        var own = _testSandboxes.GetOrAdd(CurrentTestId, _ => []);
        lock (own)
        {
            own.Add(sandbox);
        }

        return sandbox;
    }

    /// <summary>
    /// The steady state every scenario returns to: Vault initialized and unsealed, health 200,
    /// and the canary untouched.
    /// </summary>
    private protected async Task AssertSteadyStateAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var seal = await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
        var health = await sandbox.Unauthenticated.GetHealthAsync(cancellationToken: cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(seal.Initialized, Is.True, "steady state: Vault is initialized");
            Assert.That(seal.Sealed, Is.False, "steady state: Vault is unsealed");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "steady state: sys/health answers 200");
            Assert.That(Env.Canary.Connections, Is.Zero, $"steady state: the canary 'production' listener on {CanaryListener.Address} accepted no connection");
        });
        Timeline.Asserted("steady state: initialized, unsealed, health 200, canary untouched");
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> until it holds or <paramref name="timeout"/> passes.</summary>
    /// <returns>Whether it held.</returns>
    protected static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary>Whether a sandbox's seal status says sealed (and initialized).</summary>
    private protected static async Task<SealStatus> SealStatusAsync(SandboxHandle sandbox, CancellationToken cancellationToken) =>
        await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);

    /// <summary>Restarts Vault (a necessary wait, recorded for the benchmark).</summary>
    private protected static Task RestartVaultAsync(SandboxHandle sandbox, bool kill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return NecessaryWaits.TimeAsync("restart", TestContext.CurrentContext.Test.FullName, () => sandbox.RestartVaultAsync(kill, cancellationToken));
    }

    /// <summary>Waits on something only time brings (a lease running out, a chaos hold), recorded for the benchmark.</summary>
    protected static Task<T> WaitOnTimeAsync<T>(string kind, Func<Task<T>> wait)
    {
        return NecessaryWaits.TimeAsync(kind, TestContext.CurrentContext.Test.FullName, wait);
    }

    private static string ScenarioName(string method) => method.Replace('_', '-').ToLowerInvariant();

    private static async Task<SandboxHandle> UpAsync(SandboxOptions options, CancellationToken cancellationToken)
    {
        var sandbox = await NecessaryWaits.TimeAsync("sandbox-up", TestContext.CurrentContext.Test.FullName, () => Env.Manager.UpAsync(options, cancellationToken));
        Env.RecordRun(sandbox);
        return sandbox;
    }

    private static async Task DisposeKeepingLogAsync(SandboxHandle sandbox)
    {
        try
        {
            Env.KeepVaultLog(sandbox);
        }
        catch (IOException e)
        {
            await TestContext.Progress.WriteLineAsync($"could not keep the Vault log of {sandbox.Name}: {e.Message}");
        }

        await sandbox.DisposeAsync();
    }
}
