using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// The template PostgreSQL cluster: <c>initdb</c> runs once per machine and PostgreSQL build, into
/// the user's cache folder (<c>$XDG_CACHE_HOME/sandbox/postgres-template/&lt;key&gt;</c>, else
/// <c>~/.cache/sandbox/…</c>), and each sandbox copies it instead of running <c>initdb</c> (about
/// 1.8 s) itself. The key is the PostgreSQL major version and a hash of the bin folder and its
/// <c>initdb</c> and <c>postgres</c> binaries (size and time), so an upgraded package gets a new
/// template. A template is complete only when its <c>template.json</c> marker names that key and its
/// data folder has <c>PG_VERSION</c> and <c>global/pg_control</c>; anything else is rebuilt.
/// Several sandboxes starting at once build it once: the builder holds an exclusive lock file, builds
/// into a temporary folder and renames it into place (atomic), and readers take only complete ones.
/// The template's own superuser password is random and thrown away: every sandbox sets its own
/// (<see cref="PostgresServer"/>) before its server first listens.
/// </summary>
internal static class PostgresTemplate
{
    /// <summary>The marker file written last into a complete template.</summary>
    public const string MarkerFile = "template.json";

    /// <summary>Who reads the template's marker and lock files, for the guard's audit log.</summary>
    private const string Caller = "postgres-template";

    /// <summary>How long a sandbox waits for another one that builds the template. The default value is 5 minutes.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The folder holding every template: <c>$XDG_CACHE_HOME/sandbox/postgres-template</c>, else <c>~/.cache/sandbox/postgres-template</c>.</summary>
    /// <returns>The folder (not created).</returns>
    public static string DefaultRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cache) || !Path.IsPathFullyQualified(cache))
        {
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cache, "sandbox", "postgres-template");
    }

    /// <summary>The template's key for a PostgreSQL bin folder: <c>pg&lt;major&gt;-&lt;hash&gt;</c>.</summary>
    /// <param name="binDirectory">The bin folder with initdb and postgres.</param>
    /// <returns>The key.</returns>
    public static string Key(string binDirectory)
    {
        var identity = new StringBuilder(Path.GetFullPath(binDirectory));
        foreach (var binary in new[] { "initdb", "postgres" })
        {
            var file = new FileInfo(Path.Combine(binDirectory, binary));
            identity.Append('|').Append(binary).Append(':')
                .Append(file.Exists ? file.Length.ToString(CultureInfo.InvariantCulture) : "missing").Append(':')
                .Append(file.Exists ? file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture) : "0");
        }

        var major = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(binDirectory).TrimEnd('/')) ?? "");
        var prefix = int.TryParse(major, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? "pg" + major : "pg";
        return prefix + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())))[..12];
    }

    /// <summary>
    /// The complete template for <paramref name="key"/>, built first when missing or incomplete.
    /// </summary>
    /// <param name="root">The folder holding every template.</param>
    /// <param name="key">The template's key (<see cref="Key"/>).</param>
    /// <param name="initdb">Runs initdb and returns the new data folder; called at most once, under the lock.</param>
    /// <param name="lockTimeout">How long to wait for another builder.</param>
    /// <param name="cancellationToken">Cancels the wait or the build.</param>
    /// <returns>The template's data folder, and whether this call built it.</returns>
    /// <exception cref="PostgresServerException">The lock was held too long, or the build failed.</exception>
    public static async Task<(string DataDirectory, bool Built)> EnsureAsync(
        string root, string key, Func<CancellationToken, Task<string>> initdb, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(initdb);
        var folder = Path.Combine(root, key);
        if (IsComplete(folder, key))
        {
            return (Path.Combine(folder, "data"), false);
        }

        Directory.CreateDirectory(root);
        var lockFile = Path.Combine(root, key + ".lock");
        using var held = await AcquireAsync(lockFile, lockTimeout, cancellationToken).ConfigureAwait(false);

        // Another sandbox may have built it while this one waited.
        if (IsComplete(folder, key))
        {
            return (Path.Combine(folder, "data"), false);
        }

        // Incomplete or stale: a crash mid-build, a deleted file, another build's leftovers.
        DeleteQuietly(folder);
        foreach (var partial in Directory.EnumerateDirectories(root, key + ".tmp-*"))
        {
            DeleteQuietly(partial);
        }

        var staging = Path.Combine(root, key + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var built = await initdb(cancellationToken).ConfigureAwait(false);
            CopyDirectory(built, Path.Combine(staging, "data"));
            var marker = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["key"] = key,
                ["builtAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                ["buildId"] = Guid.NewGuid().ToString("N"),
            });
            SandboxGuard.ForFiles.EnsureFileAllowed(Path.Combine(staging, MarkerFile), Caller);
            await File.WriteAllTextAsync(Path.Combine(staging, MarkerFile), marker, cancellationToken).ConfigureAwait(false);
            Directory.Move(staging, folder);
        }
        catch (IOException ex)
        {
            DeleteQuietly(staging);
            throw PostgresServerException.TemplateUnusable(folder, ex.Message);
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }

        return (Path.Combine(folder, "data"), true);
    }

    /// <summary>The build id in a complete template's marker, or null.</summary>
    /// <param name="folder">The template folder.</param>
    /// <returns>The id or null.</returns>
    public static string? BuildId(string folder)
    {
        try
        {
            var marker = JsonSerializer.Deserialize<Dictionary<string, string>>(SandboxGuard.ForFiles.ReadAllText(Path.Combine(folder, MarkerFile), Caller));
            return marker?.GetValueOrDefault("buildId");
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Copies a folder tree (files, sub-folders; the data folder itself gets mode 0700, as PostgreSQL demands).</summary>
    /// <param name="source">The folder to copy.</param>
    /// <param name="destination">The new folder.</param>
    public static void CopyDirectory(string source, string destination)
    {
        // Both folders are judged once; the data files below them (a few thousand) are copied unjudged.
        SandboxGuard.ForFiles.EnsureFileAllowed(source, Caller);
        SandboxGuard.ForFiles.EnsureFileAllowed(destination, Caller);
        Directory.CreateDirectory(destination);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }

    private static bool IsComplete(string folder, string key)
    {
        try
        {
            var markerPath = Path.Combine(folder, MarkerFile);
            if (!SandboxGuard.ForFiles.FileExists(markerPath, Caller)
                || !File.Exists(Path.Combine(folder, "data", "PG_VERSION"))
                || !File.Exists(Path.Combine(folder, "data", "global", "pg_control")))
            {
                return false;
            }

            var marker = JsonSerializer.Deserialize<Dictionary<string, string>>(SandboxGuard.ForFiles.ReadAllText(markerPath, Caller));
            return marker is not null && marker.GetValueOrDefault("key") == key;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Takes the exclusive lock file, waiting up to <paramref name="timeout"/> for another holder.</summary>
    /// <param name="lockFile">The lock file.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The open lock file; disposing it releases the lock.</returns>
    /// <exception cref="PostgresServerException">The lock was held too long.</exception>
    internal static async Task<FileStream> AcquireAsync(string lockFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Unix: one holder across processes.
                return SandboxGuard.ForFiles.OpenFile(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, Caller);
            }
            catch (IOException) when (TimeProvider.System.GetTimestamp() < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                throw PostgresServerException.TemplateLockTimeout(lockFile, timeout);
            }
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover the next build removes again.
        }
    }
}
