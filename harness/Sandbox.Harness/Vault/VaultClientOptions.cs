namespace Sandbox.Harness.Vault;

/// <summary>
/// Timeouts and retry limits of a <see cref="VaultClient"/>. Defaults live here and only here.
/// </summary>
internal sealed record VaultClientOptions
{
    /// <summary>The defaults described on each property.</summary>
    internal static VaultClientOptions Default { get; } = new();

    /// <summary>
    /// Time allowed for one attempt of an idempotent read (sending, waiting and reading the body).
    /// The default value is 10 seconds.
    /// </summary>
    internal TimeSpan ReadAttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time allowed for an idempotent read including all its retries and back-off delays.
    /// The default value is 30 seconds.
    /// </summary>
    internal TimeSpan ReadTotalTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times an idempotent read is retried after a transient failure (so at most
    /// <c>1 + ReadRetryCount</c> requests). The default value is 3.
    /// </summary>
    internal int ReadRetryCount { get; init; } = 3;

    /// <summary>
    /// The first back-off delay between read attempts; later delays grow exponentially with jitter.
    /// The default value is 200 milliseconds.
    /// </summary>
    internal TimeSpan ReadRetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Time allowed for a request that is never retried (init, unseal, seal, writes, logins,
    /// credential issue). The default value is 30 seconds.
    /// </summary>
    internal TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long <see cref="VaultClient.WaitForKvV2ReadyAsync"/> keeps retrying Vault's kv v2 upgrade
    /// answer (400 "Upgrading from non-versioned to versioned data…") after a kv v2 mount is
    /// enabled. The default value is 30 seconds.
    /// </summary>
    internal TimeSpan KvUpgradeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The pause between two polls of a kv v2 mount's <c>config</c> while it upgrades.
    /// The default value is 50 milliseconds.
    /// </summary>
    internal TimeSpan KvUpgradePollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The smallest timeout accepted (Polly's lower bound).</summary>
    internal static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>The largest timeout accepted (Polly's upper bound).</summary>
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>Throws when a value is out of range, naming the property and the allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A timeout is outside [10 ms, 1 day], the retry count is outside [0, 20], or the back-off delay is negative.</exception>
    internal void Validate()
    {
        CheckTimeout(ReadAttemptTimeout, nameof(ReadAttemptTimeout));
        CheckTimeout(ReadTotalTimeout, nameof(ReadTotalTimeout));
        CheckTimeout(WriteTimeout, nameof(WriteTimeout));
        CheckTimeout(KvUpgradeTimeout, nameof(KvUpgradeTimeout));
        CheckTimeout(KvUpgradePollInterval, nameof(KvUpgradePollInterval));
        if (ReadRetryCount is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadRetryCount), ReadRetryCount, "VaultClientOptions.ReadRetryCount must be between 0 (no retries) and 20.");
        }

        if (ReadRetryBaseDelay < TimeSpan.Zero || ReadRetryBaseDelay > MaxTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadRetryBaseDelay), ReadRetryBaseDelay, "VaultClientOptions.ReadRetryBaseDelay must be between 0 and 1 day.");
        }
    }

    private static void CheckTimeout(TimeSpan value, string name)
    {
        if (value < MinTimeout || value > MaxTimeout)
        {
            throw new ArgumentOutOfRangeException(name, value, $"VaultClientOptions.{name} must be between 10 ms and 1 day.");
        }
    }
}
