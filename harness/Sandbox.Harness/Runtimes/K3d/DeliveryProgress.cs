namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>
/// What the Vault Secrets Operator did for one app since a baseline (what it had delivered before a
/// fault), from successive reads of <see cref="AppDelivery"/>: when it was first seen to have logged in
/// again (a new <c>vaultClientMeta.id</c>), to have written a new database credential (a new lease), and
/// the app to be ready <b>with</b> it (the Deployment restarted after the baseline, rolled out, a ready
/// replica). A read that shows a step without the one it needs is a violation of the order
/// (a new credential with the old client; a restart without a new credential), kept with its time.
/// Reads are samples: steps first seen in the same read share its time.
/// </summary>
internal sealed class DeliveryProgress
{
    private readonly List<string> _violations = [];

    /// <summary>Starts from what was delivered before the fault.</summary>
    /// <param name="baseline">The delivery before the fault (it must hold a client and a lease).</param>
    /// <exception cref="ArgumentException">The baseline has no client or no lease: the operator never delivered.</exception>
    public DeliveryProgress(AppDelivery baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (baseline.ClientId is null || baseline.LeaseId is null)
        {
            throw new ArgumentException("The baseline must be a delivery: the operator had not yet logged in and written a credential.", nameof(baseline));
        }

        Baseline = baseline;
    }

    /// <summary>The delivery before the fault.</summary>
    public AppDelivery Baseline { get; }

    /// <summary>The latest read, if any.</summary>
    public AppDelivery? Latest { get; private set; }

    /// <summary>When the operator was first seen logged in again (a client ID other than the baseline's).</summary>
    public DateTimeOffset? ReauthAt { get; private set; }

    /// <summary>When a new credential was first seen (a lease other than the baseline's).</summary>
    public DateTimeOffset? NewSecretAt { get; private set; }

    /// <summary>When the app was first seen ready with the new credential.</summary>
    public DateTimeOffset? AppReadyAt { get; private set; }

    /// <summary>Whether anything changed since the baseline (a login, a credential, a restart).</summary>
    public bool AnyChange { get; private set; }

    /// <summary>The reads that broke the order, each with its time.</summary>
    public IReadOnlyList<string> Violations => _violations;

    /// <summary>Takes one read.</summary>
    /// <param name="at">When it was read.</param>
    /// <param name="delivery">What it said.</param>
    /// <returns>Whether the app is now ready with the new credential.</returns>
    public bool Observe(DateTimeOffset at, AppDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        Latest = delivery;
        var reauthed = delivery.ClientId is not null && delivery.ClientId != Baseline.ClientId;
        var newSecret = delivery.LeaseId is not null && delivery.LeaseId != Baseline.LeaseId;

        // A rollout restart patches the pod template: the generation rises (and the annotation changes).
        var restarted = delivery.Generation > Baseline.Generation || delivery.RestartedAt != Baseline.RestartedAt;
        AnyChange |= reauthed || newSecret || restarted;
        if (newSecret && !reauthed)
        {
            _violations.Add($"{at:O}: a new credential (lease changed) while the operator's client is still the one from before");
        }

        if (restarted && !newSecret)
        {
            _violations.Add($"{at:O}: the app was restarted (generation {delivery.Generation}, was {Baseline.Generation}) before a new credential");
        }

        if (reauthed)
        {
            ReauthAt ??= at;
        }

        if (newSecret && reauthed)
        {
            NewSecretAt ??= at;
        }

        if (NewSecretAt is not null && restarted && delivery.RolledOut && delivery.ReadyReplicas >= 1)
        {
            AppReadyAt ??= at;
        }

        return AppReadyAt is not null;
    }
}
