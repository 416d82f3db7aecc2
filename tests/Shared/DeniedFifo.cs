namespace Sandbox.Tests.Shared;

/// <summary>
/// Turns a hang into a failure for tests whose denied file is a FIFO. Opening a FIFO for reading
/// blocks until a writer opens it, so a reader that bypassed the guard would hang the test past its
/// <c>CancelAfter</c>, which cannot interrupt a blocked <c>open</c>. Once the test's token is
/// cancelled, a background thread opens the FIFO for writing and closes it again, over and over
/// until disposed: each open pairs with a blocked reader, which then sees end of file, so the code
/// under test returns and the test's own assertions (strace, decisions, audit) fail with their
/// message. Nothing runs unless the token is cancelled; after a failure the thread may stay parked
/// in its last open (a background thread: it does not keep the test host alive).
/// </summary>
internal sealed class DeniedFifo : IDisposable
{
    private readonly CancellationTokenRegistration _registration;
    private volatile bool _stopped;
    private int _unblocked;

    private DeniedFifo(string path, CancellationToken cancellationToken) =>
        _registration = cancellationToken.Register(() => new Thread(() => UnblockUntilDisposed(path)) { IsBackground = true, Name = "denied-fifo-unblock" }.Start());

    /// <summary>How many blocked readers were released after the timeout (0 when nothing bypassed the guard).</summary>
    public int Unblocked => Volatile.Read(ref _unblocked);

    /// <summary>Releases readers blocked on <paramref name="path"/> once <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="path">The FIFO.</param>
    /// <param name="cancellationToken">The test's token (its <c>CancelAfter</c>).</param>
    public static DeniedFifo UnblockOnTimeout(string path, CancellationToken cancellationToken) => new(path, cancellationToken);

    public void Dispose()
    {
        _stopped = true;
        _registration.Dispose();
    }

    private void UnblockUntilDisposed(string path)
    {
        while (!_stopped)
        {
            try
            {
                using var writer = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                Interlocked.Increment(ref _unblocked);
            }
            catch (IOException)
            {
                return;
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}
