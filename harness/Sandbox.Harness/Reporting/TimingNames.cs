namespace Sandbox.Harness.Reporting;

/// <summary>
/// The timing names the suites share, so that <c>summary.json</c>, the report and
/// rehearse's before/after comparison line up. Other names are allowed.
/// </summary>
internal static class TimingNames
{
    /// <summary>From the fault that sealed Vault to the moment it answered unsealed again.</summary>
    public const string TimeSealed = "time_sealed";

    /// <summary>From the first unseal call to seal-status reporting unsealed.</summary>
    public const string TimeToUnseal = "time_to_unseal";

    /// <summary>From the unseal to the first new database credential that logs in to PostgreSQL.</summary>
    public const string TimeToFirstCredential = "time_to_first_credential";

    /// <summary>From a lease's expiry (while sealed) to its revocation after unseal.</summary>
    public const string LeaseRevocationLag = "lease_revocation_lag";

    /// <summary>From the restart command to the Vault process answering HTTP again.</summary>
    public const string TimeToRestart = "time_to_restart";

    /// <summary>From the first unseal call to the consumer's (or VSO's) Kubernetes-auth login working again.</summary>
    public const string TimeToReauth = "time_to_reauth";

    /// <summary>From the first unseal call to the consumer (or VSO) holding a new database credential.</summary>
    public const string TimeToNewSecret = "time_to_new_secret";

    /// <summary>From the first unseal call to the app logging in to PostgreSQL with the new credential.</summary>
    public const string TimeToAppReady = "time_to_app_ready";
}
