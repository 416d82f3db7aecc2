namespace Sandbox.Harness.Keys.Internal;

/// <summary>
/// Writes a secret file atomically with mode 0600: a temporary file in the same folder (shown to the
/// guard first), flushed to disk, then renamed over the target. Shared by the key store and the
/// sandbox JWT issuer's key file.
/// </summary>
internal static class AtomicFileWriter
{
    private const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="content"/> to <paramref name="full"/>; on failure the old file, if any, is intact.</summary>
    /// <param name="guard">Asked about the temporary file before it is created.</param>
    /// <param name="caller">Who writes, for the audit log.</param>
    /// <param name="full">The full target path (already checked by the guard).</param>
    /// <param name="content">The bytes.</param>
    /// <param name="ioError">Turns an I/O failure into the caller's <see cref="SandboxException"/>.</param>
    /// <param name="tempNotRemoved">Told when a failed write's temporary file could not be removed (path, reason).</param>
    /// <param name="wrapTempStream">Test seam: wraps the open temporary file.</param>
    /// <param name="beforeRename">Test seam: runs before the rename.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task WriteAsync(
        IFileGuard guard,
        string caller,
        string full,
        byte[] content,
        Func<Exception, SandboxException> ioError,
        Action<string, string>? tempNotRemoved = null,
        Func<Stream, Stream>? wrapTempStream = null,
        Action<string>? beforeRename = null,
        CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(full) ?? throw ioError(new IOException("The path has no folder."));
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        guard.EnsureFileAllowed(temp, caller);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(temp, options))
            {
                var target = wrapTempStream?.Invoke(file) ?? file;
                await target.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask can only remove bits, but be explicit: 0600 whatever happened before.
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            beforeRename?.Invoke(temp);
            // rename(2) replaces the target atomically: a reader sees the old file or the new one.
            // The folder itself is not fsynced (.NET cannot open a folder handle without unsafe code).
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex)
        {
            TryDelete(temp, tempNotRemoved);
            if (ex is OperationCanceledException or SandboxException)
            {
                throw;
            }

            if (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw ioError(ex);
            }

            throw;
        }
    }

    private static void TryDelete(string temp, Action<string, string>? tempNotRemoved)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            tempNotRemoved?.Invoke(temp, ex.Message);
        }
    }
}
