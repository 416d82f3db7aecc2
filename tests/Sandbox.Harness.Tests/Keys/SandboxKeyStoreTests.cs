using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Tests.Support;

namespace Sandbox.Harness.Tests.Keys;

[TestFixture]
public sealed class SandboxKeyStoreTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string KeyFile => Path.Combine(_dir, "cluster-keys.json");

    [TestCase(1, 1)]
    [TestCase(3, 2)]
    [TestCase(5, 3)]
    [CancelAfter(10_000)]
    public async Task WriteThenRead_RoundTripsEveryField(int shares, int threshold, CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        var keys = KeyFileSamples.Random(shares, threshold);

        await store.WriteAsync(KeyFile, keys, cancellationToken);
        var read = await store.ReadAsync(KeyFile, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(read.UnsealKeysB64, Is.EqualTo(keys.UnsealKeysB64));
            Assert.That(read.UnsealKeysHex, Is.EqualTo(keys.UnsealKeysHex));
            Assert.That(read.UnsealShares, Is.EqualTo(shares));
            Assert.That(read.UnsealThreshold, Is.EqualTo(threshold));
            Assert.That(read.RootToken, Is.EqualTo(keys.RootToken));
            Assert.That(read.RecoveryKeysB64, Is.Empty);
            Assert.That(read.ToString(), Does.Not.Contain(keys.UnsealKeysB64[0]).And.Not.Contain(keys.RootToken));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Write_ProducesTheFieldsOfVaultOperatorInitJson_InOrder(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());

        await store.WriteAsync(KeyFile, KeyFileSamples.Random(1, 1), cancellationToken);

        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(KeyFile, cancellationToken));
        Assert.That(document.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
        {
            "unseal_keys_b64", "unseal_keys_hex", "unseal_shares", "unseal_threshold",
            "recovery_keys_b64", "recovery_keys_hex", "recovery_keys_shares", "recovery_keys_threshold", "root_token",
        }));
        Assert.That(document.RootElement.GetProperty("recovery_keys_b64").ValueKind, Is.EqualTo(JsonValueKind.Array), "the CLI prints [] rather than null");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_AcceptsTheVaultCliOutput(CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await File.WriteAllTextAsync(KeyFile, KeyFileSamples.VaultCliOutput(Convert.ToHexStringLower(key), Convert.ToBase64String(key)), cancellationToken);
        var store = new SandboxKeyStore(new FakeFileGuard());

        var keys = await store.ReadAsync(KeyFile, cancellationToken);

        Assert.That(Convert.FromBase64String(keys.UnsealKeysB64.Single()), Is.EqualTo(key));
        Assert.That(keys.RootToken, Is.EqualTo("hvs.CAESIexample"));
    }

    [Test]
    [CancelAfter(10_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Write_CreatesMode0600_AndTightensAnExistingLooseFile(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(KeyFile, "old", cancellationToken);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var store = new SandboxKeyStore(new FakeFileGuard());

        await store.WriteAsync(KeyFile, KeyFileSamples.Random(1, 1), cancellationToken);
        await store.WriteRootTokenAsync(Path.Combine(_dir, "root-token"), "hvs.token", cancellationToken);

        Assert.That(File.GetUnixFileMode(KeyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(Path.Combine(_dir, "root-token")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WriteThatFailsHalfway_LeavesTheOldFileIntact_AndNoTempFile(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        var old = KeyFileSamples.Random(1, 1);
        await store.WriteAsync(KeyFile, old, cancellationToken);
        var before = await File.ReadAllBytesAsync(KeyFile, cancellationToken);
        var crashing = new SandboxKeyStore(new FakeFileGuard()) { WrapTempStream = s => new FailAfterStream(s, 40) };

        var ex = Assert.ThrowsAsync<KeyFileException>(() => crashing.WriteAsync(KeyFile, KeyFileSamples.Random(3, 2), cancellationToken));

        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Problem, Is.EqualTo(KeyFileProblem.IoFailure));
            Assert.That(ex.Message, Does.Contain(KeyFile));
            Assert.That(await File.ReadAllBytesAsync(KeyFile, cancellationToken), Is.EqualTo(before));
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { KeyFile }));
            Assert.That((await store.ReadAsync(KeyFile, cancellationToken)).UnsealKeysB64, Is.EqualTo(old.UnsealKeysB64));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task CrashBetweenWriteAndRename_LeavesTheOldFileIntact(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        await store.WriteAsync(KeyFile, KeyFileSamples.Random(1, 1), cancellationToken);
        var before = await File.ReadAllBytesAsync(KeyFile, cancellationToken);
        string? tempSeen = null;
        var crashing = new SandboxKeyStore(new FakeFileGuard())
        {
            BeforeRename = temp =>
            {
                tempSeen = temp;
                throw new IOException("simulated crash before rename");
            },
        };

        Assert.ThrowsAsync<KeyFileException>(() => crashing.WriteAsync(KeyFile, KeyFileSamples.Random(1, 1), cancellationToken));

        Assert.That(tempSeen, Is.Not.Null);
        Assert.That(Path.GetDirectoryName(tempSeen), Is.EqualTo(_dir), "the temp file lives in the same folder, so the rename is atomic");
        Assert.That(await File.ReadAllBytesAsync(KeyFile, cancellationToken), Is.EqualTo(before));
        Assert.That(File.Exists(tempSeen), Is.False);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ConcurrentReaders_NeverSeeAHalfWrittenFile(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        var a = KeyFileSamples.Random(1, 1);
        var b = KeyFileSamples.Random(5, 3);
        await store.WriteAsync(KeyFile, a, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reads = 0;

        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var keys = await store.ReadAsync(KeyFile, cancellationToken);
                Assert.That(keys.UnsealKeysB64, Is.EqualTo(a.UnsealKeysB64).Or.EqualTo(b.UnsealKeysB64));
                Interlocked.Increment(ref reads);
            }
        }, cancellationToken);

        // At least 200 writes, and keep writing until the reader has raced them 50 times.
        for (var i = 0; (i < 200 || Volatile.Read(ref reads) < 50) && !reader.IsCompleted; i++)
        {
            await store.WriteAsync(KeyFile, i % 2 == 0 ? b : a, cancellationToken);
        }

        await stop.CancelAsync();
        await reader;
        Assert.That(reads, Is.GreaterThanOrEqualTo(50));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { KeyFile }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Write_RefusesMalformedKeys_AndWritesNothing(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        var keys = KeyFileSamples.Random(1, 1) with { UnsealKeysB64 = [Convert.ToBase64String(new byte[31])], UnsealKeysHex = [Convert.ToHexStringLower(new byte[31])] };

        var ex = Assert.ThrowsAsync<KeyFileException>(() => store.WriteAsync(KeyFile, keys, cancellationToken));

        Assert.That(ex!.Problem, Is.EqualTo(KeyFileProblem.WrongLength));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
        await Task.CompletedTask;
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RootToken_RoundTrips_AndBadFilesAreNamed(CancellationToken cancellationToken)
    {
        var store = new SandboxKeyStore(new FakeFileGuard());
        var tokenFile = Path.Combine(_dir, "root-token");

        await store.WriteRootTokenAsync(tokenFile, "hvs.root-token-value", cancellationToken);
        Assert.That(await store.ReadRootTokenAsync(tokenFile, cancellationToken), Is.EqualTo("hvs.root-token-value"));

        await File.WriteAllTextAsync(tokenFile, " \n", cancellationToken);
        var empty = Assert.ThrowsAsync<KeyFileException>(() => store.ReadRootTokenAsync(tokenFile, cancellationToken));
        var missing = Assert.ThrowsAsync<KeyFileException>(() => store.ReadRootTokenAsync(tokenFile + ".gone", cancellationToken));

        Assert.That(empty!.Problem, Is.EqualTo(KeyFileProblem.Empty));
        Assert.That(empty.Message, Does.Contain(tokenFile));
        Assert.That(missing!.Problem, Is.EqualTo(KeyFileProblem.Missing));
        Assert.That(missing.ExitCode, Is.EqualTo(ExitCode.KeyFileError));
        Assert.ThrowsAsync<ArgumentException>(() => store.WriteRootTokenAsync(tokenFile, "two\nlines", cancellationToken));
    }

    private sealed class FailAfterStream(Stream inner, int allowed) : Stream
    {
        private int _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var room = Math.Max(0, allowed - _written);
            if (room > 0)
            {
                await inner.WriteAsync(buffer[..Math.Min(room, buffer.Length)], cancellationToken);
                await inner.FlushAsync(cancellationToken);
                _written += Math.Min(room, buffer.Length);
            }

            if (buffer.Length > room)
            {
                throw new IOException("simulated crash: the disk went away mid-write");
            }
        }
    }
}
