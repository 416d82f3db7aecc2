using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys.Internal;

namespace Sandbox.Harness.Keys;

/// <summary>
/// Reads and writes the sandbox's key file (the JSON of <c>vault operator init -format=json</c>) and
/// its root-token file. Every path is shown to the file guard before it is opened, so production's
/// key file is refused without being touched. Writes are atomic (a temporary file in the same
/// folder, flushed to disk, then renamed over the target) and create the file with mode 0600.
/// </summary>
internal sealed class SandboxKeyStore
{
    /// <summary>Larger files are refused: a key file is well under a kilobyte.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private readonly IFileGuard _guard;
    private readonly string _caller;
    private readonly ILogger _logger;

    /// <summary>Creates a key store that asks the production guard before every file access.</summary>
    /// <param name="guard">The production guard; every decision lands in its audit log.</param>
    /// <param name="caller">The name the guard's audit log records for these accesses.</param>
    /// <param name="logger">Where file operations are logged (paths only, never content).</param>
    public SandboxKeyStore(SandboxGuard guard, string caller = "key-store", ILogger? logger = null)
        : this(new GuardFileCheck(guard ?? throw new ArgumentNullException(nameof(guard))), caller, logger)
    {
    }

    /// <summary>Creates a key store over any file guard (tests).</summary>
    internal SandboxKeyStore(IFileGuard guard, string caller = "key-store", ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentException.ThrowIfNullOrWhiteSpace(caller);
        _guard = guard;
        _caller = caller;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Test seam: runs on the open temporary file before its content is written (lets tests break a write halfway).</summary>
    internal Func<Stream, Stream>? WrapTempStream { get; init; }

    /// <summary>Test seam: runs after the temporary file is complete and before it is renamed.</summary>
    internal Action<string>? BeforeRename { get; init; }

    /// <summary>Reads and validates a key file.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The validated keys.</returns>
    /// <exception cref="KeyFileException">The file is missing, empty, truncated, not JSON, of the wrong shape, or holds a malformed key.</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path (it was not opened).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<SandboxKeys> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Guard(path);
        var bytes = await ReadBytesAsync(full, KeyFileException.Missing, cancellationToken).ConfigureAwait(false);
        var keys = KeyFileParser.Parse(full, bytes);
        KeyStoreLog.Read(_logger, full, keys.UnsealShares, keys.UnsealThreshold);
        return keys;
    }

    /// <summary>Validates <paramref name="keys"/> and writes them atomically with mode 0600.</summary>
    /// <param name="path">The key file; its folder must exist.</param>
    /// <param name="keys">The keys to store.</param>
    /// <param name="cancellationToken">Cancels the write; the old file, if any, stays as it was.</param>
    /// <exception cref="KeyFileException">The keys are malformed (nothing is written), or the write failed (the old file is intact).</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path (it was not opened).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task WriteAsync(string path, SandboxKeys keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var full = Guard(path);
        var content = JsonSerializer.SerializeToUtf8Bytes(keys, KeyFileParser.WriteOptions);

        // Refuse to store what we could not read back.
        KeyFileParser.Parse(full, content);
        await WriteAtomicAsync(full, content, cancellationToken).ConfigureAwait(false);
        KeyStoreLog.Written(_logger, full, keys.UnsealShares, keys.UnsealThreshold);
    }

    /// <summary>Reads a root-token file (the token on one line).</summary>
    /// <exception cref="KeyFileException">The file is missing or empty.</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path (it was not opened).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<string> ReadRootTokenAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Guard(path);
        var bytes = await ReadBytesAsync(full, KeyFileException.MissingToken, cancellationToken).ConfigureAwait(false);
        var token = Encoding.UTF8.GetString(bytes).Trim();
        if (token.Length == 0)
        {
            throw KeyFileException.EmptyToken(full);
        }

        return token;
    }

    /// <summary>Writes a root-token file atomically with mode 0600.</summary>
    /// <exception cref="KeyFileException">The write failed (the old file is intact).</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path (it was not opened).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task WriteRootTokenAsync(string path, string rootToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootToken);
        if (rootToken.Trim() != rootToken || rootToken.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A root token has no whitespace or line breaks.", nameof(rootToken));
        }

        var full = Guard(path);
        await WriteAtomicAsync(full, Encoding.UTF8.GetBytes(rootToken + "\n"), cancellationToken).ConfigureAwait(false);
    }

    private string Guard(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        // The guard sees the path as given and as resolved, before anything touches the disk.
        _guard.EnsureFileAllowed(path, _caller);
        var full = Path.GetFullPath(path);
        if (!string.Equals(full, path, StringComparison.Ordinal))
        {
            _guard.EnsureFileAllowed(full, _caller);
        }

        return full;
    }

    private async Task<byte[]> ReadBytesAsync(string full, Func<string, Exception?, KeyFileException> missing, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = _guard.OpenRead(full, _caller);
            if (stream.Length > MaxFileBytes)
            {
                throw KeyFileException.WrongShape(full, $"the file is {stream.Length} bytes, far more than a key file ever is (limit {MaxFileBytes})");
            }

            var buffer = new byte[stream.Length];
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw missing(full, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw KeyFileException.Io(full, "read", ex);
        }
    }

    private Task WriteAtomicAsync(string full, byte[] content, CancellationToken cancellationToken) =>
        AtomicFileWriter.WriteAsync(
            _guard,
            _caller,
            full,
            content,
            ex => KeyFileException.Io(full, "write", ex),
            (temp, reason) => KeyStoreLog.TempNotRemoved(_logger, temp, reason),
            WrapTempStream,
            BeforeRename,
            cancellationToken);
}
