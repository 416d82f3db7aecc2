using Microsoft.Extensions.Logging;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// One sandbox as a runtime sees it: its paths, its state (saved after every change so that
/// another process can finish or undo it), the guard and the clock.
/// </summary>
public sealed class SandboxRun : IDisposable
{
    private HttpClient? _http;

    internal SandboxRun(SandboxPaths paths, SandboxState state, SandboxOptions options, SandboxGuard guard, ILogger logger, TimeProvider time)
    {
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

    /// <summary>The guarded HTTP client of this sandbox (made on first use, disposed with the run).</summary>
    public HttpClient Http => _http ??= Guard.CreateHttpClient($"sandbox:{Paths.Name}");

    /// <summary>A Vault client without a token for <paramref name="address"/>.</summary>
    /// <param name="address">Vault's address.</param>
    /// <param name="options">Client options; default when null.</param>
    public VaultClient VaultAt(Uri address, VaultClientOptions? options = null) => new(address, Http, Time, Logger, options);

    /// <summary>Writes the state file atomically.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task SaveStateAsync(CancellationToken cancellationToken = default) => SandboxStateStore.WriteAsync(Paths, State, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http?.Dispose();
}
