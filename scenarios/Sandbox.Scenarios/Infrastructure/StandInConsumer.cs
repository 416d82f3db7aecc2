using Npgsql;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// The harness's own stand-in for what the Vault Secrets Operator and the app's pod do on the
/// process and docker runtimes, started fresh (no token, no credentials) as a pod is after a power
/// cut. It loops until the app is ready: log in through Kubernetes auth (role <c>&lt;app&gt;</c>,
/// the app's ServiceAccount), read new <c>postgres/creds/&lt;app&gt;</c> with that token, and log in
/// to PostgreSQL with them ("app ready"). A refused step is tried again after
/// <see cref="RetryInterval"/> from the step that failed, as VSO requeues a failed reconcile.
/// Every refusal is counted by kind, every success is marked on the timeline when it happens.
/// </summary>
internal sealed class StandInConsumer : IAsyncDisposable
{
    /// <summary>The timeline mark of the Kubernetes-auth login that succeeded.</summary>
    public const string ReauthMark = "consumer-reauth";

    /// <summary>The timeline mark of the new database credential.</summary>
    public const string NewSecretMark = "consumer-new-secret";

    /// <summary>The timeline mark of the first PostgreSQL login with it.</summary>
    public const string AppReadyMark = "consumer-app-ready";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);

    private readonly AppWorld _app;
    private readonly ScenarioTimeline _timeline;
    private readonly CancellationTokenSource _stop;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _refusals = new(StringComparer.Ordinal);
    private readonly Task _loop;

    private StandInConsumer(AppWorld app, ScenarioTimeline timeline, CancellationToken cancellationToken)
    {
        _app = app;
        _timeline = timeline;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>When the Kubernetes-auth login succeeded, if it did.</summary>
    public DateTimeOffset? ReauthAt { get; private set; }

    /// <summary>When the new credential was issued, if it was.</summary>
    public DateTimeOffset? NewSecretAt { get; private set; }

    /// <summary>When the first PostgreSQL login with it worked, if it did.</summary>
    public DateTimeOffset? AppReadyAt { get; private set; }

    /// <summary>The credential the consumer got (the password is secret: never log it).</summary>
    public DatabaseCredentials? Credentials { get; private set; }

    /// <summary>Completes when the app is ready (or the consumer was stopped).</summary>
    public Task Ready => _loop;

    /// <summary>Starts a consumer with no token and no credentials.</summary>
    public static StandInConsumer Start(AppWorld app, ScenarioTimeline timeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(timeline);
        return new StandInConsumer(app, timeline, cancellationToken);
    }

    /// <summary>How many times a step was refused, by step and reason (for example <c>login: 503 Vault is sealed</c>).</summary>
    public IReadOnlyDictionary<string, int> Refusals()
    {
        lock (_gate)
        {
            return new Dictionary<string, int>(_refusals, StringComparer.Ordinal);
        }
    }

    /// <summary>How many refusals of <paramref name="step"/> said "Vault is sealed".</summary>
    public int SealedRefusals(string step)
    {
        lock (_gate)
        {
            return _refusals.GetValueOrDefault(step + ": 503 Vault is sealed");
        }
    }

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

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        VaultClient? client = null;
        while (AppReadyAt is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = client is null ? "login" : Credentials is null ? "credentials" : "postgres";
            try
            {
                switch (step)
                {
                    case "login":
                        client = await _app.KubernetesLoginAsync(cancellationToken);
                        ReauthAt = _timeline.Mark(ReauthMark);
                        _timeline.Observe($"consumer: Kubernetes auth login as role {AppWorld.App} worked");
                        continue;
                    case "credentials":
                        Credentials = await _app.IssueAsync(client, cancellationToken);
                        NewSecretAt = _timeline.Mark(NewSecretMark);
                        _timeline.Observe($"consumer: new {AppWorld.DbMount}/creds/{AppWorld.App} issued");
                        continue;
                    default:
                        if (await _app.TryLoginAsync(Credentials!, cancellationToken) is { } refused)
                        {
                            Refused(step, refused);
                            break;
                        }

                        AppReadyAt = _timeline.Mark(AppReadyMark);
                        _timeline.Observe("consumer: logged in to PostgreSQL with the new credential (app ready)");
                        continue;
                }
            }
            catch (VaultSealedException)
            {
                Refused(step, "503 Vault is sealed");
            }
            catch (VaultApiException e)
            {
                Refused(step, $"{(int)e.StatusCode} {string.Join("; ", e.Errors)}");
            }
            catch (VaultUnreachableException)
            {
                Refused(step, "Vault unreachable");
            }
            catch (NpgsqlException e) when (e is not PostgresException)
            {
                Refused(step, "PostgreSQL unreachable");
            }

            await Task.Delay(RetryInterval, cancellationToken);
        }
    }

    private void Refused(string step, string reason)
    {
        var key = $"{step}: {reason}";
        bool first;
        lock (_gate)
        {
            first = !_refusals.ContainsKey(key);
            _refusals[key] = _refusals.GetValueOrDefault(key) + 1;
        }

        if (first)
        {
            _timeline.Observe($"consumer: {key} (retrying every {RetryInterval.TotalMilliseconds:0} ms)");
        }
    }
}
