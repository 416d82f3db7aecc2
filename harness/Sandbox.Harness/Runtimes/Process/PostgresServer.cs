using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Npgsql;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// A throw-away PostgreSQL cluster in a folder of its own: a copy of the machine's template cluster
/// (<see cref="PostgresTemplate"/>: <c>initdb</c> with <c>scram-sha-256</c> authentication, once per
/// machine and PostgreSQL build), a generated superuser password of its own set in single-user mode
/// before the server ever listens, then <c>pg_ctl start</c> on a random free 127.0.0.1 port, with its
/// unix socket inside the folder. When the current
/// user is root, every server binary runs as the <c>postgres</c> user (<c>runuser -u postgres --</c>)
/// and the folder is handed to that user.
/// </summary>
/// <remarks>
/// Create it with <see cref="StartNewAsync"/>. <see cref="StopAsync(CancellationToken)"/> and <see cref="StartAsync"/>
/// stop and restart the same cluster on the same port (the "stop/start PostgreSQL" fault).
/// <see cref="DisposeAsync"/> stops it fast and removes the folder when asked to.
/// </remarks>
internal sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The default time to wait for the server to accept connections: 30 seconds.</summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(30);

    private const string SystemUser = "postgres";
    private const int PortAttempts = 5;
    private readonly string _binDirectory;
    private readonly bool _runAsPostgres;
    private readonly bool _removeFolderOnDispose;
    private readonly TimeSpan _readyTimeout;
    private readonly SandboxGuard? _guard;
    private readonly string _templateRoot;
    private bool _running;
    private bool _disposed;

    private PostgresServer(string folder, string binDirectory, bool runAsPostgres, bool removeFolderOnDispose, TimeSpan readyTimeout, string password, SandboxGuard? guard, string templateRoot)
    {
        _guard = guard;
        _templateRoot = templateRoot;
        Folder = folder;
        _binDirectory = binDirectory;
        _runAsPostgres = runAsPostgres;
        _removeFolderOnDispose = removeFolderOnDispose;
        _readyTimeout = readyTimeout;
        SuperuserPassword = password;
    }

    /// <summary>The cluster's folder (data directory, socket, log and password file live inside).</summary>
    public string Folder { get; }

    /// <summary>The TCP host the server listens on: always <c>127.0.0.1</c>.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The TCP port the server listens on (fixed for the cluster's life, also across stop/start).</summary>
    public int Port { get; private set; }

    /// <summary>The superuser's name: <c>postgres</c>.</summary>
    public string SuperuserName { get; } = "postgres";

    /// <summary>The generated superuser password. A secret: never log it or put it in a message.</summary>
    public string SuperuserPassword { get; }

    /// <summary>The path of the 0600 file holding <see cref="SuperuserPassword"/>.</summary>
    public string PasswordFile => Path.Combine(Folder, "superuser.password");

    /// <summary>The server's log file.</summary>
    public string LogFile => Path.Combine(Folder, "postgres.log");

    /// <summary>The directory of the unix socket.</summary>
    public string SocketDirectory => Path.Combine(Folder, "sock");

    /// <summary>The data directory.</summary>
    public string DataDirectory => Path.Combine(Folder, "data");

    /// <summary>Whether this cluster's start built the machine's template cluster (the first on this machine and PostgreSQL build).</summary>
    public bool BuiltTemplate { get; private set; }

    /// <summary>The template cluster this one was copied from (a folder under the user's cache).</summary>
    public string TemplateFolder { get; private set; } = "";

    /// <summary>True while the server runs (between a successful start and a stop).</summary>
    public bool IsRunning => _running;

    /// <summary>
    /// An Npgsql connection string for the superuser over TCP to database <c>postgres</c>
    /// (contains the password: a secret).
    /// </summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = SuperuserName,
        Password = SuperuserPassword,
        Database = "postgres",
        Pooling = false,
        Timeout = 10,
    }.ConnectionString;

    /// <summary>
    /// Creates a new cluster in <paramref name="folder"/> (created if missing; must be empty) and starts it.
    /// </summary>
    /// <param name="folder">A new or empty folder for the cluster.</param>
    /// <param name="removeFolderOnDispose">Whether <see cref="DisposeAsync"/> deletes the folder. The default value is true.</param>
    /// <param name="readyTimeout">How long to wait for readiness. The default value is <see cref="DefaultReadyTimeout"/>.</param>
    /// <param name="guard">
    /// When given, every child process runs through <see cref="SandboxGuard.GuardCommand"/> and the readiness probe
    /// through <see cref="SandboxGuard.CreateNpgsqlDataSource"/>. Without it, the probe dials only the literal 127.0.0.1.
    /// The default value is null.
    /// </param>
    /// <param name="templateRoot">
    /// The folder of the template clusters. The default value is null: <see cref="PostgresTemplate.DefaultRoot"/>
    /// (<c>$XDG_CACHE_HOME/sandbox/postgres-template</c>, else <c>~/.cache/sandbox/postgres-template</c>).
    /// </param>
    /// <param name="cancellationToken">Cancels the start; a half-made cluster is stopped.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="PostgresServerException">Binaries missing (PreflightFailed), a command failed, or no readiness in time.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static async Task<PostgresServer> StartNewAsync(
        string folder, bool removeFolderOnDispose = true, TimeSpan? readyTimeout = null, SandboxGuard? guard = null, string? templateRoot = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        var bin = FindBinDirectory(Environment.GetEnvironmentVariable("PATH"), "/usr/lib/postgresql");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw PostgresServerException.FolderNotEmpty(folder);
        }

        Directory.CreateDirectory(folder);
        var password = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
        var server = new PostgresServer(folder, bin, IsRoot(), removeFolderOnDispose, readyTimeout ?? DefaultReadyTimeout, password, guard, templateRoot ?? PostgresTemplate.DefaultRoot());
        try
        {
            await server.InitAsync(cancellationToken).ConfigureAwait(false);
            await server.StartOnFreePortAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the stopped cluster again on the same port and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PostgresServerException">pg_ctl failed or readiness timed out.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_running)
        {
            return;
        }

        var result = await RunAsync("pg_ctl", StartArguments(DataDirectory, LogFile, _readyTimeout), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw PostgresServerException.CommandFailed("pg_ctl start", result.ExitCode, Tail(result.StandardOutput + result.StandardError + "\n" + ReadLogTail()));
        }

        _running = true;
        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the cluster (<c>pg_ctl stop -m fast</c>); the data stays. Idempotent.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PostgresServerException">pg_ctl failed.</exception>
    public Task StopAsync(CancellationToken cancellationToken = default) => StopAsync(immediate: false, cancellationToken);

    /// <summary>
    /// Stops the cluster; the data stays. Idempotent. <paramref name="immediate"/> is
    /// <c>pg_ctl stop -m immediate</c>: every server process aborts without a shutdown checkpoint and
    /// the next start runs crash recovery, as after a power cut (PostgreSQL docs, "pg_ctl" and
    /// "Shutting Down the Server").
    /// </summary>
    /// <param name="immediate">True for an abort instead of a fast shutdown.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PostgresServerException">pg_ctl failed.</exception>
    public async Task StopAsync(bool immediate, CancellationToken cancellationToken = default)
    {
        if (!_running)
        {
            return;
        }

        var result = await RunAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30"], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            throw PostgresServerException.CommandFailed("pg_ctl stop", result.ExitCode, Tail(result.StandardOutput + result.StandardError));
        }

        _running = false;
    }

    /// <summary>Stops the server fast (immediate if fast fails) and removes the folder if asked. Idempotent; never throws for cleanup.</summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var pid = ReadPostmasterPid();
        if (pid is not null)
        {
            try
            {
                var result = await RunAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "20"], CancellationToken.None).ConfigureAwait(false);
                if (result.ExitCode != 0)
                {
                    await RunAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "10"], CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Cleanup failures are not thrown; the folder removal below still runs.
            }

            // pg_ctl returns when postmaster.pid is gone, a moment before the process itself exits.
            await WaitForExitAsync(pid.Value, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        _running = false;
        if (_removeFolderOnDispose)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for sweep.
            }
        }
    }

    /// <summary>The PostgreSQL server process id read from <c>postmaster.pid</c>, or null when it is not running.</summary>
    /// <returns>The process id or null.</returns>
    public int? ReadPostmasterPid() => ReadPostmasterPid(Files, DataDirectory, "postgres-server");

    /// <summary>
    /// The process id in <paramref name="dataDirectory"/>'s <c>postmaster.pid</c> (its first line), or null
    /// when the file is missing or unreadable (no server, a cluster gone after a reboot, another user's).
    /// The pid alone proves nothing: callers check the process still names the folder (ProcessTable).
    /// </summary>
    /// <param name="files">The file guard that reads it.</param>
    /// <param name="dataDirectory">The cluster's data directory.</param>
    /// <param name="caller">Who reads, for the audit log.</param>
    internal static int? ReadPostmasterPid(SandboxGuard files, string dataDirectory, string caller)
    {
        ArgumentNullException.ThrowIfNull(files);
        try
        {
            var first = files.ReadFirstLine(Path.Combine(dataDirectory, "postmaster.pid"), caller);
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && IsAlive(pid))
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            // A zombie ("Z") has exited; only its parent has not reaped it yet.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The arguments of <c>initdb</c> for a cluster (scram-sha-256, the password from a file, never argv).</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="superuser">The superuser's name.</param>
    /// <param name="passwordFile">The file holding its password.</param>
    internal static string[] InitDbArguments(string dataDirectory, string superuser, string passwordFile) =>
        ["-D", dataDirectory, "-U", superuser, "--pwfile", passwordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"];

    /// <summary>The arguments of <c>postgres --single</c> that set a copied cluster's own superuser password (the statement goes on stdin).</summary>
    /// <param name="dataDirectory">The data directory.</param>
    internal static string[] SetPasswordArguments(string dataDirectory) =>
        ["--single", "-D", dataDirectory, "-c", "fsync=off", "postgres"];

    /// <summary>The arguments of <c>pg_ctl start</c> (waits until ready, up to <paramref name="readyTimeout"/>).</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="logFile">The server log.</param>
    /// <param name="readyTimeout">How long pg_ctl waits.</param>
    internal static string[] StartArguments(string dataDirectory, string logFile, TimeSpan readyTimeout) =>
        ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", ((int)readyTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)];

    private async Task InitAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        Files.EnsureFileAllowed(PasswordFile, "postgres-server");
        await File.WriteAllTextAsync(PasswordFile, SuperuserPassword, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var key = PostgresTemplate.Key(_binDirectory);
        var (template, built) = await PostgresTemplate.EnsureAsync(_templateRoot, key, BuildTemplateAsync, PostgresTemplate.LockTimeout, cancellationToken).ConfigureAwait(false);
        BuiltTemplate = built;
        TemplateFolder = Path.GetDirectoryName(template)!;
        var scratch = Path.Combine(Folder, "template-build");
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        try
        {
            PostgresTemplate.CopyDirectory(template, DataDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw PostgresServerException.TemplateUnusable(TemplateFolder, ex.Message);
        }

        await ChownAsync(Folder, cancellationToken).ConfigureAwait(false);
        await SetPasswordAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>initdb into a scratch folder of this cluster (one the server user can write), for the template.</summary>
    private async Task<string> BuildTemplateAsync(CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Folder, "template-build");
        Directory.CreateDirectory(scratch);

        // The template's own password is random and never kept: every copy gets its own.
        var throwaway = Path.Combine(scratch, "throwaway.password");
        Files.EnsureFileAllowed(throwaway, "postgres-server");
        await File.WriteAllTextAsync(throwaway, RandomNumberGenerator.GetHexString(32), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(throwaway, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await ChownAsync(scratch, cancellationToken).ConfigureAwait(false);
        var data = Path.Combine(scratch, "data");
        var init = await RunAsync(
            "initdb",
            InitDbArguments(data, SuperuserName, throwaway),
            cancellationToken).ConfigureAwait(false);
        File.Delete(throwaway);
        if (init.ExitCode != 0)
        {
            throw PostgresServerException.CommandFailed("initdb", init.ExitCode, Tail(init.StandardOutput + init.StandardError));
        }

        return data;
    }

    /// <summary>
    /// Sets this cluster's own superuser password in single-user mode: no server is listening (not
    /// even on the unix socket), so nobody ever reaches the copy with the template's password. The
    /// statement goes through stdin, never the command line; output is redacted before it is shown.
    /// </summary>
    private async Task SetPasswordAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(
            "postgres",
            SetPasswordArguments(DataDirectory),
            cancellationToken,
            $"ALTER ROLE {SuperuserName} PASSWORD '{SuperuserPassword}';\n").ConfigureAwait(false);
        if (result.ExitCode != 0 || result.StandardError.Contains("ERROR:", StringComparison.Ordinal))
        {
            var output = (result.StandardOutput + result.StandardError).Replace(SuperuserPassword, "[redacted]", StringComparison.Ordinal);
            throw PostgresServerException.CommandFailed("postgres --single (set the superuser password)", result.ExitCode, Tail(output));
        }
    }

    private async Task ChownAsync(string path, CancellationToken cancellationToken)
    {
        if (!_runAsPostgres)
        {
            return;
        }

        var chown = await Guarded(Cli.Wrap("chown").WithArguments(["-R", $"{SystemUser}:{SystemUser}", path]))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
        if (chown.ExitCode != 0)
        {
            throw PostgresServerException.CommandFailed("chown", chown.ExitCode, Tail(chown.StandardError));
        }
    }

    private async Task StartOnFreePortAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= PortAttempts; attempt++)
        {
            Port = FreePort();
            var conf = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"port = {Port}")
                .AppendLine("listen_addresses = '127.0.0.1'")
                .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{SocketDirectory}'")
                .AppendLine("password_encryption = 'scram-sha-256'")
                .AppendLine("fsync = off")
                .AppendLine("synchronous_commit = off")
                .AppendLine("full_page_writes = off")
                .AppendLine("max_connections = 50")
                .ToString();

            // postgresql.auto.conf is read last and belongs to the cluster; writing it keeps the port across restarts.
            var autoConf = Path.Combine(DataDirectory, "postgresql.auto.conf");
            Files.EnsureFileAllowed(autoConf, "postgres-server");
            await File.WriteAllTextAsync(autoConf, conf, cancellationToken).ConfigureAwait(false);
            if (_runAsPostgres)
            {
                await Guarded(Cli.Wrap("chown").WithArguments([$"{SystemUser}:{SystemUser}", autoConf]))
                    .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await StartAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresServerException) when (attempt < PortAttempts && ReadLogTail().Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                // The port was taken between probing and binding: try another one.
            }
        }

        throw PostgresServerException.NoFreePort(PortAttempts, ReadLogTail());
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_readyTimeout);
        while (true)
        {
            try
            {
                await using var dataSource = _guard?.CreateNpgsqlDataSource(ConnectionString, "postgres-server") ?? NpgsqlDataSource.Create(ConnectionString);
                await using var connection = await dataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or System.TimeoutException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested)
                {
                    throw PostgresServerException.NotReady(_readyTimeout, ReadLogTail());
                }
            }

            try
            {
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw PostgresServerException.NotReady(_readyTimeout, ReadLogTail());
            }
        }
    }

    private Task<BufferedCommandResult> RunAsync(string binary, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? input = null)
    {
        var path = Path.Combine(_binDirectory, binary);
        var command = _runAsPostgres
            ? Cli.Wrap("runuser").WithArguments(["-u", SystemUser, "--", path, .. arguments])
            : Cli.Wrap(path).WithArguments(arguments);
        command = command.WithWorkingDirectory(Folder)
            .WithEnvironmentVariables(env => env
                .Set("PGHOST", null).Set("PGPORT", null).Set("PGUSER", null).Set("PGPASSWORD", null)
                .Set("PGDATABASE", null).Set("PGDATA", null).Set("PGPASSFILE", null).Set("PGSERVICE", null))
            .WithValidation(CommandResultValidation.None);
        if (input is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(input));
        }

        return Guarded(command).ExecuteBufferedAsync(cancellationToken);
    }

    private Command Guarded(Command command) => _guard?.GuardCommand(command, "postgres-server") ?? command;

    /// <summary>The file guard the server's own files are read and written through: the sandbox's guard, else the process's.</summary>
    private SandboxGuard Files => _guard ?? SandboxGuard.ForFiles;

    private string ReadLogTail()
    {
        try
        {
            return Files.FileExists(LogFile, "postgres-server") ? Tail(Files.ReadAllText(LogFile, "postgres-server")) : "(no server log)";
        }
        catch (IOException)
        {
            return "(server log unreadable)";
        }
    }

    private static string Tail(string text, int lines = 12)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', all.TakeLast(lines));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    /// <summary>The first PATH folder with initdb and pg_ctl, else the newest <c>&lt;root&gt;/&lt;major&gt;/bin</c>.</summary>
    /// <summary>
    /// Looks for the PostgreSQL server binaries on PATH, then under <c>/usr/lib/postgresql/*/bin</c>
    /// (newest version first), without starting anything: what preflight and <c>doctor</c> report.
    /// </summary>
    /// <returns>The bin folder, or the problem in words.</returns>
    public static PostgresBinaries FindBinaries()
    {
        try
        {
            return new PostgresBinaries(FindBinDirectory(Environment.GetEnvironmentVariable("PATH"), "/usr/lib/postgresql"), null);
        }
        catch (PostgresServerException ex)
        {
            return new PostgresBinaries(null, ex.Message);
        }
    }

    internal static string FindBinDirectory(string? path, string root)
    {
        foreach (var dir in (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        if (Directory.Exists(root))
        {
            var newest = Directory.EnumerateDirectories(root)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d).Split('.')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return Path.Combine(newest.Dir, "bin");
            }
        }

        throw PostgresServerException.BinariesNotFound(root + "/*/bin");
    }
}
