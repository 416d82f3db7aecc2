namespace Sandbox.Harness.Vault.Internal;

/// <summary>Decides which resilience pipeline a request runs through.</summary>
internal enum RequestKind
{
    /// <summary>Safe to repeat: retried on transient failures (pipeline <c>vault-idempotent-read</c>).</summary>
    IdempotentRead,

    /// <summary>
    /// Health probe: retried only on connection failures and timeouts, never on a status code,
    /// because every status code is an answer.
    /// </summary>
    HealthProbe,

    /// <summary>Never repeated (init, unseal, seal, writes, logins, credential issue): one attempt with a timeout.</summary>
    SingleAttempt,
}
