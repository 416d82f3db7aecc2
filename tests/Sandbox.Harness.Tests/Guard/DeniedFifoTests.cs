using System.Diagnostics;
using NUnit.Framework;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The FIFO proofs' safety net: a reader that bypasses the guard and opens the denied FIFO is released
/// once the test's token is cancelled, so such a regression fails the test instead of hanging the run.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeniedFifoTests
{
    private string _root = null!;
    private string _fifo = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("denied-fifo-").FullName;
        // Not named like the key file of the strace proofs, whose trace sees every syscall of this process.
        _fifo = Path.Combine(_root, "blocked-reader.fifo");
        using var mkfifo = Process.Start("mkfifo", [_fifo]);
        mkfifo.WaitForExit();
        Assert.That(mkfifo.ExitCode, Is.Zero);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(20_000)]
    public async Task AReaderBlockedOnTheFifo_IsReleasedWhenTheTokenIsCancelled_AndCounted(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var fifo = DeniedFifo.UnblockOnTimeout(_fifo, timeout.Token);
        var bypassing = Task.Run(() => File.ReadAllText(_fifo), CancellationToken.None); // blocks in open(): no writer
        await Task.Delay(300, cancellationToken);
        Assert.That(bypassing.IsCompleted, Is.False, "the read blocks while nobody writes");

        timeout.CancelAfter(200);
        var text = await bypassing.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken); // a TimeoutException if it was not released

        Assert.Multiple(() =>
        {
            Assert.That(text, Is.Empty, "the reader sees end of file");
            Assert.That(fifo.Unblocked, Is.GreaterThanOrEqualTo(1));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void NoTimeout_NothingOpensTheFifo(CancellationToken cancellationToken)
    {
        using (var fifo = DeniedFifo.UnblockOnTimeout(_fifo, cancellationToken))
        {
            Assert.That(fifo.Unblocked, Is.Zero);
        }

        // Nothing holds the FIFO: a non-blocking check through /proc finds no descriptor of this process on it.
        var held = Directory.EnumerateFiles("/proc/self/fd").Any(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == _fifo;
            }
            catch (IOException)
            {
                return false;
            }
        });
        Assert.That(held, Is.False);
    }
}
