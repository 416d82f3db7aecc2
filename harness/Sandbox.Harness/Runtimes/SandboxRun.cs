using Microsoft.Extensions.Logging;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// One sandbox as a runtime sees it: its paths, its state (saved after every change so that
/// another process can finish or undo it), the guard and the clock.
/// </summary>
internal sealed class SandboxRun : IDisposable
{
    // One save at a time: PostgreSQL and Vault may start at once (ISandboxRuntime.StartsPostgresAndVaultTogether),
    // and a snapshot taken earlier must never replace a later one on disk. Never disposed: it makes no wait
    // handle, and a save after Dispose (a crash test's leftover) must still work.
    private readonly SemaphoreSlim _saving = new(1, 1);
    private HttpClient? _http;

    internal SandboxRun(SandboxPaths paths, SandboxState state, SandboxOptions options, SandboxGuard guard, ILogger logger, TimeProvider time, Plan.SandboxPlan? plan = null)
    {
        Plan = plan;
        Paths = paths;
        State = state;
        Options = options;
        Guard = guard;
        Logger = logger;
        Time = time;
    }

    /// <summary>The run folder's files.</summary>
    public SandboxPaths Paths { get; }

    /// <summary>The state; call <see cref="SaveStateAsync"/> after changing it.</summary>
    public SandboxState State { get; }

    /// <summary>The options of <c>up</c> (defaults when the sandbox was loaded from its state).</summary>
    public SandboxOptions Options { get; }

    /// <summary>The production guard every client and child process goes through.</summary>
    public SandboxGuard Guard { get; }

    /// <summary>The logger.</summary>
    public ILogger Logger { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// Set when this run only plans (<c>up --plan DIR</c>): the runtime's code runs as for a real
    /// <c>up</c>, but every command the guard allows is recorded instead of run, every file goes to the
    /// plan, no state is saved and no wait happens. Null for a real run.
    /// </summary>
    public Plan.SandboxPlan? Plan { get; }

    /// <summary>The guarded HTTP client of this sandbox (made on first use, disposed with the run).</summary>
    public HttpClient Http => _http ??= Guard.CreateHttpClient($"sandbox:{Paths.Name}");

    /// <summary>A Vault client without a token for <paramref name="address"/>.</summary>
    /// <param name="address">Vault's address.</param>
    /// <param name="options">Client options; default when null.</param>
    public VaultClient VaultAt(Uri address, VaultClientOptions? options = null) => new(address, Http, Time, Logger, options);

    /// <summary>Writes the state file atomically; saves made at once are written one after another, each with the state as it is then.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task SaveStateAsync(CancellationToken cancellationToken = default)
    {
        if (Plan is not null)
        {
            return;
        }

        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SandboxStateStore.WriteAsync(Paths, State, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>A new random secret (32 letters and digits), or <see cref="Runtimes.Plan.SandboxPlan.Redacted"/> when planning.</summary>
    public string NewSecret() =>
        Plan is null ? System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32) : Runtimes.Plan.SandboxPlan.Redacted;

    /// <summary>Writes a file <c>up</c> applies (a config, values, a manifest), or records it in the plan.</summary>
    /// <param name="path">The full path (in the run folder).</param>
    /// <param name="content">The content.</param>
    /// <param name="secret">True for a file that holds a secret: mode 0600.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task WriteFileAsync(string path, string content, bool secret = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Plan is { } plan)
        {
            plan.AddFile(path, content);
            return;
        }

        Guard.EnsureFileAllowed(path, $"sandbox:{Paths.Name}");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (secret)
        {
            await Process.ProcessRuntime.WriteSecretFileAsync(path, content, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await File.WriteAllTextAsync(path, content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http?.Dispose();
}
