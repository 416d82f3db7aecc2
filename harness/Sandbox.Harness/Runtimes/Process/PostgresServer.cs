using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sandbox.Harness.Runtimes.Process.Internal;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// A throw-away PostgreSQL cluster in a folder of its own: <c>initdb</c> with SCRAM password
/// logins over TCP, a generated superuser password, <c>pg_ctl</c> on a free 127.0.0.1 port,
/// unix sockets inside the folder. When the current process is root, the tools run as the
/// <c>postgres</c> user (<c>runuser -u postgres --</c>), as initdb and postgres refuse root.
/// Disposing stops the server and removes the folder if this instance created it.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    /// <summary>The superuser name the cluster is initialised with.</summary>
    public const string DefaultSuperuser = "postgres";

    /// <summary>The default time allowed for a start to accept a login. The default value is 60 seconds.</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);

    private const string ServiceUser = "postgres";
    private const int MaxPortAttempts = 5;
    private static readonly string[] RequiredBinaries = ["initdb", "pg_ctl", "postgres"];

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _startTimeout;
    private readonly bool _createdFolder;
    private readonly bool _asServiceUser;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private PostgresServer(string folder, string binDirectory, bool createdFolder, TimeSpan startTimeout, ILogger logger, TimeProvider time)
    {
        Folder = folder;
        BinDirectory = binDirectory;
        DataDirectory = Path.Combine(folder, "data");
        SocketDirectory = Path.Combine(folder, "run");
        LogFile = Path.Combine(folder, "postgres.log");
        SuperuserPassword = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
        _createdFolder = createdFolder;
        _startTimeout = startTimeout;
        _logger = logger;
        _time = time;
        _asServiceUser = Environment.IsPrivilegedProcess;
    }

    /// <summary>The cluster folder (data, sockets, log).</summary>
    public string Folder { get; }

    /// <summary>The folder holding initdb, pg_ctl and postgres.</summary>
    public string BinDirectory { get; }

    /// <summary>The data directory (<c>&lt;folder&gt;/data</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>The unix socket directory (<c>&lt;folder&gt;/run</c>).</summary>
    public string SocketDirectory { get; }

    /// <summary>The server log (<c>&lt;folder&gt;/postgres.log</c>).</summary>
    public string LogFile { get; }

    /// <summary>The host the server listens on: always <c>127.0.0.1</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the instance's connection details, as Port.")]
    public string Host => "127.0.0.1";

    /// <summary>The TCP port (chosen free at start; may change only if a start had to retry after a port clash).</summary>
    public int Port { get; private set; }

    /// <summary>The superuser's name.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the instance's connection details, as SuperuserPassword.")]
    public string SuperuserName => DefaultSuperuser;

    /// <summary>The generated superuser password. Never log it.</summary>
    public string SuperuserPassword { get; }

    /// <summary>An Npgsql connection string for the superuser on database <c>postgres</c> (holds the password: never log it).</summary>
    public string ConnectionString => BuildConnectionString("postgres", pooling: true);

    /// <summary>
    /// Initialises a new cluster in <paramref name="folder"/> (created if missing, must be empty
    /// otherwise) and starts it.
    /// </summary>
    /// <param name="folder">The folder for data, sockets and log.</param>
    /// <param name="logger">Logger; no password is ever logged.</param>
    /// <param name="startTimeout">How long a start may take to accept a login; default <see cref="DefaultStartTimeout"/>.</param>
    /// <param name="timeProvider">Clock for the readiness deadline; default system.</param>
    /// <param name="cancellationToken">Cancels the initialisation (the folder is then cleaned up).</param>
    /// <returns>The running server.</returns>
    /// <exception cref="PostgresServerException">Binaries missing (preflight), folder not empty, initdb or pg_ctl failed, or the server did not become ready.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async Task<PostgresServer> CreateAsync(
        string folder,
        ILogger? logger = null,
        TimeSpan? startTimeout = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var bin = FindBinaries().Require();
        if (Environment.IsPrivilegedProcess && !ServiceUserExists())
        {
            throw PostgresServerException.Preflight(
                $"running as root needs the '{ServiceUser}' system user to run initdb and postgres, and it does not exist (/etc/passwd)");
        }

        var full = Path.GetFullPath(folder);
        var created = !Directory.Exists(full);
        if (!created && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw PostgresServerException.FolderNotEmpty(full);
        }

        Directory.CreateDirectory(full);
        var server = new PostgresServer(full, bin, created, startTimeout ?? DefaultStartTimeout, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        try
        {
            await server.InitialiseAsync(cancellationToken).ConfigureAwait(false);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Looks for the PostgreSQL server binaries: first <c>pg_ctl</c> on PATH (symlinks resolved),
    /// then the newest <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>.
    /// </summary>
    /// <returns>The bin folder, or the problem in words.</returns>
    public static PostgresBinaries FindBinaries()
    {
        var searched = new List<string>();
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(dir, "pg_ctl");
            if (!File.Exists(pgCtl))
            {
                continue;
            }

            var resolved = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
            var binDir = Path.GetDirectoryName(resolved)!;
            searched.Add(binDir);
            if (RequiredBinaries.All(b => File.Exists(Path.Combine(binDir, b))))
            {
                return new PostgresBinaries(binDir, null);
            }
        }

        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var candidates = Directory.EnumerateDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: ParseVersion(Path.GetFileName(d))))
                .Where(c => c.Version is not null)
                .OrderByDescending(c => c.Version);
            foreach (var (dir, _) in candidates)
            {
                searched.Add(dir);
                if (RequiredBinaries.All(b => File.Exists(Path.Combine(dir, b))))
                {
                    return new PostgresBinaries(dir, null);
                }
            }
        }
        else
        {
            searched.Add(root + "/*/bin (absent)");
        }

        return new PostgresBinaries(
            null,
            $"no folder with all of {string.Join(", ", RequiredBinaries)} was found on PATH or under /usr/lib/postgresql/*/bin (looked in: {(searched.Count == 0 ? "PATH has no pg_ctl" : string.Join(", ", searched))})");
    }

    /// <summary>Starts the server (no-op when it runs already) and waits until it accepts a password login.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PostgresServerException">pg_ctl failed or the server was not ready in time.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await IsRunningCoreAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server with <c>pg_ctl stop -m fast</c> (no-op when it is not running). Data stays.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PostgresServerException">pg_ctl failed.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync("fast", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True when <c>pg_ctl status</c> reports a running server.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await IsRunningCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An Npgsql connection string for the superuser on <paramref name="database"/> (holds the password).</summary>
    /// <param name="database">The database name.</param>
    public string ConnectionStringFor(string database) => BuildConnectionString(database, pooling: true);

    /// <summary>Stops the server (fast, then immediate) and removes the folder if this instance created it. Idempotent; logs failures.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                try
                {
                    await StopCoreAsync("fast", CancellationToken.None).ConfigureAwait(false);
                }
                catch (PostgresServerException)
                {
                    await StopCoreAsync("immediate", CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is PostgresServerException or IOException or InvalidOperationException)
        {
            PostgresServerLog.CleanupFailed(_logger, Folder, ex.Message);
        }

        NpgsqlConnection.ClearAllPools();
        if (_createdFolder)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                PostgresServerLog.CleanupFailed(_logger, Folder, ex.Message);
            }
        }

        _gate.Dispose();
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        var pwFile = Path.Combine(Folder, "pwfile");
        await File.WriteAllTextAsync(pwFile, string.Empty, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pwFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await File.WriteAllTextAsync(pwFile, SuperuserPassword + "\n", cancellationToken).ConfigureAwait(false);
        if (_asServiceUser)
        {
            await RunAsync("/usr/bin/chown", "hand the cluster folder to the postgres user", ["-R", ServiceUser + ":" + ServiceUser, Folder], asServiceUser: false, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await RunAsync(
                Path.Combine(BinDirectory, "initdb"),
                "initialise the cluster",
                ["-D", DataDirectory, "-U", DefaultSuperuser, "--pwfile", pwFile, "--auth-host=scram-sha-256", "--auth-local=trust", "--no-locale", "-E", "UTF8", "--no-sync"],
                _asServiceUser,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(pwFile);
        }

        var conf = Path.Combine(DataDirectory, "postgresql.conf");
        await File.AppendAllTextAsync(conf, "\n# Sandbox: per-start settings (port, sockets) live in sandbox.conf\ninclude_if_exists = 'sandbox.conf'\n", cancellationToken).ConfigureAwait(false);
        PostgresServerLog.Initialised(_logger, DataDirectory, BinDirectory);
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        var port = Port == 0 ? FreePort() : Port;
        while (true)
        {
            attempt++;
            await WriteSettingsAsync(port, cancellationToken).ConfigureAwait(false);
            var logLengthBefore = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var result = await RunRawAsync(
                Path.Combine(BinDirectory, "pg_ctl"),
                ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", ((int)Math.Ceiling(_startTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)],
                _asServiceUser,
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                Port = port;
                break;
            }

            var newLog = ReadLogFrom(logLengthBefore);
            if (attempt < MaxPortAttempts && PortTaken().IsMatch(newLog))
            {
                PostgresServerLog.PortClash(_logger, port, attempt);
                port = FreePort();
                continue;
            }

            throw PostgresServerException.CommandFailed(Path.Combine(BinDirectory, "pg_ctl"), "start the server", result.ExitCode, Tail(result.StandardOutput + result.StandardError), LogTail());
        }

        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        PostgresServerLog.Started(_logger, Port, LogFile);
    }

    private async Task StopCoreAsync(string mode, CancellationToken cancellationToken)
    {
        if (!await IsRunningCoreAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await RunAsync(
            Path.Combine(BinDirectory, "pg_ctl"),
            "stop the server",
            ["stop", "-D", DataDirectory, "-m", mode, "-w", "-t", "60"],
            _asServiceUser,
            cancellationToken).ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
        PostgresServerLog.Stopped(_logger, Port);
    }

    private async Task<bool> IsRunningCoreAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(DataDirectory))
        {
            return false;
        }

        var result = await RunRawAsync(Path.Combine(BinDirectory, "pg_ctl"), ["status", "-D", DataDirectory], _asServiceUser, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _startTimeout;
        var probe = BuildConnectionString("postgres", pooling: false);
        Exception? last = null;
        while (_time.GetUtcNow() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException or TimeoutException)
            {
                last = ex;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }

        throw PostgresServerException.NotReady($"{Host}:{Port}", _startTimeout, last?.Message ?? "no attempt finished", LogTail(), last);
    }

    private async Task WriteSettingsAsync(int port, CancellationToken cancellationToken)
    {
        var settings = new StringBuilder()
            .AppendLine("# Written by Sandbox before every start.")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {port}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{SocketDirectory.Replace("'", "''", StringComparison.Ordinal)}'")
            .AppendLine("fsync = off")
            .AppendLine("full_page_writes = off")
            .AppendLine("synchronous_commit = off")
            // A failing statement may hold a password (CREATE ROLE ... PASSWORD): never log statements.
            .AppendLine("log_min_error_statement = panic")
            .ToString();
        var path = Path.Combine(DataDirectory, "sandbox.conf");
        await File.WriteAllTextAsync(path, settings, cancellationToken).ConfigureAwait(false);
        if (_asServiceUser)
        {
            await RunAsync("/usr/bin/chown", "hand sandbox.conf to the postgres user", [ServiceUser + ":" + ServiceUser, path], asServiceUser: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private string BuildConnectionString(string database, bool pooling) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = SuperuserName,
        Password = SuperuserPassword,
        Database = database,
        Pooling = pooling,
        Timeout = 5,
    }.ConnectionString;

    private async Task RunAsync(string binary, string action, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var result = await RunRawAsync(binary, arguments, asServiceUser, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw PostgresServerException.CommandFailed(binary, action, result.ExitCode, Tail(result.StandardOutput + result.StandardError), LogTail());
        }
    }

    private async Task<BufferedCommandResult> RunRawAsync(string binary, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var command = asServiceUser
            ? Cli.Wrap("/usr/sbin/runuser").WithArguments(["-u", ServiceUser, "--", binary, .. arguments])
            : Cli.Wrap(binary).WithArguments(arguments);
        return await command
            .WithWorkingDirectory(Folder)
            .WithEnvironmentVariables(env => env.Set("LC_ALL", "C").Set("PGPASSWORD", null).Set("PGPASSFILE", null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private string LogTail() => Redact(Tail(ReadLogFrom(0)));

    private string Tail(string text, int lines = 15)
    {
        var all = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Redact(string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))));
    }

    private string Redact(string text)
        => PasswordLiteral().Replace(text, "PASSWORD '<redacted>'").Replace(SuperuserPassword, "<redacted>", StringComparison.Ordinal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Version? ParseVersion(string name)
        => Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var v) ? v : null;

    private static bool ServiceUserExists()
        => File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(ServiceUser + ":", StringComparison.Ordinal));

    [GeneratedRegex("could not bind|Address already in use|could not create any TCP/IP sockets", RegexOptions.IgnoreCase)]
    private static partial Regex PortTaken();

    [GeneratedRegex("PASSWORD\\s+'(?:[^']|'')*'", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordLiteral();
}
