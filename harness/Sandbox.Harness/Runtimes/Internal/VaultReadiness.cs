using Polly;
using Polly.Retry;
using Polly.Timeout;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Runtimes.Internal;

/// <summary>Waits until a started Vault answers <c>GET /v1/sys/health</c> with any status (501, 503, 200 ...).</summary>
internal static class VaultReadiness
{
    public const string PipelineName = "sandbox-vault-ready";

    private static readonly VaultClientOptions ProbeOptions = new()
    {
        ReadRetryCount = 0,
        ReadAttemptTimeout = TimeSpan.FromSeconds(2),
        ReadTotalTimeout = TimeSpan.FromSeconds(3),
        WriteTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Waits; throws <see cref="SandboxRuntimeException"/> when the process dies or time runs out.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="address">Vault's address.</param>
    /// <param name="what">Which Vault, for messages.</param>
    /// <param name="alive">Whether Vault's process still runs; checked before every probe.</param>
    /// <param name="logTail">The log written since the start.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="timeout">The budget; <see cref="SandboxOptions.VaultStartTimeout"/> when null.</param>
    /// <returns>Vault's seal status once it answers.</returns>
    public static async Task<Vault.Models.SealStatus> WaitAsync(
        SandboxRun run,
        Uri address,
        string what,
        Func<CancellationToken, Task<bool>> alive,
        Func<string> logTail,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        if (run.Plan is not null)
        {
            // A plan runs nothing, so there is nothing to wait for.
            return new Vault.Models.SealStatus { Sealed = true };
        }

        var probe = run.VaultAt(address, ProbeOptions);
        var budget = timeout ?? run.Options.VaultStartTimeout;
        var pipeline = new ResiliencePipelineBuilder { Name = PipelineName, TimeProvider = run.Time }
            .AddTimeout(new TimeoutStrategyOptions { Name = PipelineName + "-timeout", Timeout = budget })
            .AddRetry(new RetryStrategyOptions
            {
                Name = PipelineName + "-retry",
                ShouldHandle = new PredicateBuilder().Handle<VaultUnreachableException>().Handle<ProcessNotSeenException>(),
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxRetryAttempts = int.MaxValue,
                UseJitter = false,
            })
            .Build();

        Exception? last = null;
        var misses = 0;
        try
        {
            await pipeline.ExecuteAsync(
                async ct =>
                {
                    // A process that is starting can briefly show a command line without the config
                    // path (or none at all), so one miss is not a death: only several in a row are.
                    if (!await alive(ct).ConfigureAwait(false))
                    {
                        if (++misses >= DeadAfterMisses)
                        {
                            throw SandboxRuntimeException.VaultExited(what, run.Paths.VaultLog, logTail());
                        }

                        throw new ProcessNotSeenException();
                    }

                    misses = 0;

                    try
                    {
                        await probe.GetHealthAsync(cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch (VaultUnreachableException e)
                    {
                        last = e;
                        throw;
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw SandboxRuntimeException.VaultNotReady(what, address, budget, run.Paths.VaultLog, last ?? e);
        }

        return await probe.GetSealStatusAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many consecutive "not running" answers mean the process has exited.</summary>
    private const int DeadAfterMisses = 5;

    /// <summary>One "not running" answer: retried, never shown to a user.</summary>
    private sealed class ProcessNotSeenException : Exception
    {
    }
}
