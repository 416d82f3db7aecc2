using NUnit.Framework;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// <c>up</c> on a runtime that starts PostgreSQL and Vault together (<see cref="ISandboxRuntime.StartsPostgresAndVaultTogether"/>,
/// the process runtime): both starts run at once, a failure of one cancels the other, and the step reported is
/// the one that failed. A scripted runtime makes each start wait for the other, so a sequential <c>up</c> could
/// never pass: the first start would wait for a second that never begins.
/// </summary>
[TestFixture]
public sealed class SandboxManagerConcurrentStartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [TestCase("Vault", "StartVault")]
    [TestCase("PostgreSQL", "StartPostgres")]
    [CancelAfter(60_000)]
    public async Task OneStartFails_WhileTheOtherRuns_TheOtherIsCancelled_AndTheStepNamedIsTheFailedOnes(string failing, string step, CancellationToken cancellationToken)
    {
        var runtime = new ScriptedRuntime();
        var message = failing + " could not start";
        // Each start waits until the other has begun (a sequential up never gets there); then one fails and the other runs on.
        Func<CancellationToken, Task> Script(TaskCompletionSource mine, TaskCompletionSource other, bool fails) => async ct =>
        {
            mine.TrySetResult();
            await other.Task.WaitAsync(Patience, ct);
            if (fails)
            {
                throw new InvalidOperationException(message);
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        };
        runtime.Vault = Script(runtime.VaultBegan, runtime.PostgresBegan, failing == "Vault");
        runtime.Postgres = Script(runtime.PostgresBegan, runtime.VaultBegan, failing == "PostgreSQL");

        var e = await UpFailsAsync(runtime, "fails-" + step.ToLowerInvariant(), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain($"failed at step {step}").And.Contain(message));
            Assert.That(failing == "Vault" ? runtime.PostgresCancelled : runtime.VaultCancelled, Is.True, "the other start was cancelled when this one failed");
            Assert.That(runtime.Destroyed, Is.EqualTo(1), "what was started is torn down once");
        });
    }

    private static async Task<SandboxRuntimeException> UpFailsAsync(ScriptedRuntime runtime, string name, CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => runtime };
        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => manager.UpAsync(home.Options(name), cancellationToken))!;
        Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", name)), Is.False, "the run folder is removed");
        return e;
    }

    /// <summary>A runtime whose two starts run the scripts the test gives; everything else does nothing.</summary>
    private sealed class ScriptedRuntime : ISandboxRuntime
    {
        public TaskCompletionSource PostgresBegan { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource VaultBegan { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<CancellationToken, Task> Postgres { get; set; } = _ => Task.CompletedTask;

        public Func<CancellationToken, Task> Vault { get; set; } = _ => Task.CompletedTask;

        public bool PostgresCancelled { get; private set; }

        public bool VaultCancelled { get; private set; }

        public int Destroyed { get; private set; }

        public RuntimeKind Kind => RuntimeKind.Process;

        public bool StartsPostgresAndVaultTogether => true;

        public Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RuntimePreflight(RuntimeKind.Process, ["scripted"], []));

        public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
        {
            try
            {
                await Postgres(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                PostgresCancelled = true;
                throw;
            }

            return new PostgresEndpoint("127.0.0.1", 5432, "postgres", "unused");
        }

        public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
        {
            try
            {
                await Vault(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                VaultCancelled = true;
                throw;
            }

            return run.State.VaultFlavor();
        }

        public Task DestroyAsync(SandboxRun run, CancellationToken cancellationToken = default)
        {
            Destroyed++;
            return Task.CompletedTask;
        }

        public Task StopPostgresAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task StopVaultAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<bool> IsVaultRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public Task WipeVaultStorageAsync(SandboxRun run, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task CopyVaultStorageAsync(SandboxRun run, string destination, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
