using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Topology;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// On k3d, the consumer is the Vault Secrets Operator itself: this watch reads what it delivered to
/// the app (<see cref="SandboxHandle.ReadAppDeliveryAsync"/>: the VaultDynamicSecret's status, the app
/// Deployment) every <see cref="PollInterval"/> and marks on the timeline when it is first seen to
/// have logged in again, to have written a new credential, and the app to be ready with it
/// (<see cref="DeliveryProgress"/>). The marks are when the watch saw each step, at most one interval late.
/// </summary>
internal sealed class OperatorWatch : IAsyncDisposable
{
    /// <summary>The timeline mark of the operator's new login.</summary>
    public const string ReauthMark = "vso-reauth";

    /// <summary>The timeline mark of the new credential in the Secret.</summary>
    public const string NewSecretMark = "vso-new-secret";

    /// <summary>The timeline mark of the app ready with it.</summary>
    public const string AppReadyMark = "vso-app-ready";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly SandboxHandle _sandbox;
    private readonly AppSpec _app;
    private readonly ScenarioTimeline _timeline;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;
    private int _reads;
    private string? _lastError;

    private OperatorWatch(SandboxHandle sandbox, AppSpec app, ScenarioTimeline timeline, AppDelivery baseline, CancellationToken cancellationToken)
    {
        _sandbox = sandbox;
        _app = app;
        _timeline = timeline;
        Progress = new DeliveryProgress(baseline);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>What the operator did since the baseline.</summary>
    public DeliveryProgress Progress { get; }

    /// <summary>Completes when the app is ready with the new credential (or the watch was stopped).</summary>
    public Task Ready => _loop;

    /// <summary>How many reads succeeded, and the last failed read's error (the API server answers throughout a Vault/PostgreSQL power cut).</summary>
    public string Describe() => $"{Reads} reads; last: {Progress.Latest?.ToString() ?? "none"}; last read error: {_lastError ?? "none"}";

    /// <summary>How many reads succeeded.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Waits until the operator has delivered to the app: a login, a credential, the app's restart rolled out and ready.</summary>
    /// <param name="sandbox">The k3d sandbox.</param>
    /// <param name="app">The app, as the topology describes it.</param>
    /// <param name="timeout">How long the first delivery may take.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The delivery, and the last read (null when none succeeded); the delivery is null when nothing ready was delivered within <paramref name="timeout"/>.</returns>
    public static async Task<(AppDelivery? Delivered, AppDelivery? Last)> FirstDeliveryAsync(SandboxHandle sandbox, AppSpec app, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(app);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        AppDelivery? last = null;
        while (TimeProvider.System.GetTimestamp() < deadline)
        {
            last = await ReadOrNullAsync(sandbox, app, cancellationToken) ?? last;
            if (last is { ClientId: not null, LeaseId: not null, ReadyReplicas: >= 1, RolledOut: true })
            {
                return (last, last);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        return (null, last);
    }

    /// <summary>Starts watching (from a power cut on) against a baseline read before it.</summary>
    public static OperatorWatch Start(SandboxHandle sandbox, AppSpec app, ScenarioTimeline timeline, AppDelivery baseline, CancellationToken cancellationToken) =>
        new(sandbox, app, timeline, baseline, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task<AppDelivery?> ReadOrNullAsync(SandboxHandle sandbox, AppSpec app, CancellationToken cancellationToken)
    {
        try
        {
            return await sandbox.ReadAppDeliveryAsync(app, cancellationToken);
        }
        catch (SandboxRuntimeException)
        {
            // Not created yet (NotFound), or the API server did not answer this time.
            return null;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AppDelivery? delivery = null;
            try
            {
                delivery = await _sandbox.ReadAppDeliveryAsync(_app, cancellationToken);
            }
            catch (SandboxRuntimeException e)
            {
                _lastError = e.Message;
            }

            if (delivery is not null)
            {
                Interlocked.Increment(ref _reads);
                var (reauth, secret) = (Progress.ReauthAt, Progress.NewSecretAt);
                var ready = Progress.Observe(TimeProvider.System.GetUtcNow(), delivery);
                if (reauth is null && Progress.ReauthAt is not null)
                {
                    _timeline.Mark(ReauthMark);
                    _timeline.Observe("VSO: logged in to Vault again (a new vaultClientMeta.id on the VaultDynamicSecret)");
                }

                if (secret is null && Progress.NewSecretAt is not null)
                {
                    _timeline.Mark(NewSecretMark);
                    _timeline.Observe($"VSO: wrote a new creds/{_app.Slug} credential into the Secret (a new lease)");
                }

                if (ready)
                {
                    _timeline.Mark(AppReadyMark);
                    _timeline.Observe($"the app's Deployment was restarted by VSO (generation {delivery.Generation}), rolled out and is ready with the new credential");
                    return;
                }
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
