using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>
/// Runs the built double as a real process (<c>dotnet Sandbox.VaultDouble.dll server -config …</c>)
/// on a random free loopback port with a temp storage folder. Dispose stops it with SIGTERM
/// (kill only if that fails) and deletes the folder.
/// </summary>
public sealed class DoubleProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private Process? _process;
    private bool _ownsFolder;
    private IReadOnlyDictionary<string, string?>? _environment;

    private DoubleProcess(string folder, int port)
    {
        Folder = folder;
        Port = port;
    }

    public string Folder { get; }

    /// <summary>
    /// The revocation retry base every test double runs with (Vault: 10 s). Six failures then take
    /// about 1.5 s and the irrevocable retry comes every 128 × base = 3.2 s.
    /// </summary>
    public const int RevokeRetryBaseMs = 25;

    public string StoragePath => Path.Combine(Folder, "data");

    public string ConfigPath => Path.Combine(Folder, "vault.hcl");

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process?.HasExited ?? true;

    public static string DllPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sandbox.sln")))
            {
                dir = dir.Parent;
            }

            if (dir is null)
            {
                throw new InvalidOperationException($"cannot find the repository root (Sandbox.sln) above {AppContext.BaseDirectory}");
            }

            var dll = Path.Combine(dir.FullName, "fixtures", "Sandbox.VaultDouble", "bin", configuration, "net10.0", "Sandbox.VaultDouble.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"the double is not built: {dll} is missing (build tests/Sandbox.VaultDouble.Tests, which builds it)");
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>
    /// A config as the process runtime writes it: api_addr plus a reserved cluster port (written as
    /// the listener's cluster_address and as cluster_addr), because Vault binds its cluster
    /// listener at every unseal and would otherwise take the API port + 1.
    /// </summary>
    public static string Config(string storage, int port, string extraListener = "", string extraConfig = "", int? clusterPort = null)
        => $$"""
           storage "file" {
             path = "{{storage}}"
           }
           listener "tcp" {
             address     = "127.0.0.1:{{port}}"
             tls_disable = true
             cluster_address = "127.0.0.1:{{clusterPort ?? FreePort()}}"
             {{extraListener}}
           }
           api_addr      = "http://127.0.0.1:{{port}}"
           disable_mlock = true
           ui            = false
           {{extraConfig}}
           """;

    /// <summary>Starts a double on a fresh folder (or an existing one, for restarts).</summary>
    public static async Task<DoubleProcess> StartAsync(CancellationToken cancellationToken, string? existingFolder = null, string extraListener = "", string extraConfig = "", IReadOnlyDictionary<string, string?>? environment = null, int? clusterPort = null)
    {
        var folder = existingFolder ?? Directory.CreateTempSubdirectory("vault-double-test-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var proc = new DoubleProcess(folder, port) { _ownsFolder = existingFolder is null, _environment = environment };
            await File.WriteAllTextAsync(proc.ConfigPath, Config(proc.StoragePath, port, extraListener, extraConfig, clusterPort), cancellationToken);
            try
            {
                await proc.LaunchAsync(cancellationToken);
                return proc;
            }
            catch (InvalidOperationException) when (attempt < 3 && proc.Output.Contains("Error initializing listener", StringComparison.Ordinal))
            {
                // another process took the free port between our probe and the double's bind
                await proc.StopAsync(cancellationToken);
            }
        }
    }

    /// <summary>Runs the double with a given config file and returns (exit code, stdout+stderr) without waiting for readiness.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await p.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _output.Clear();
        }

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath);
        psi.ArgumentList.Add("server");
        psi.ArgumentList.Add("-config");
        psi.ArgumentList.Add(ConfigPath);
        psi.Environment["SANDBOX_DOUBLE_REVOKE_RETRY_BASE_MS"] = RevokeRetryBaseMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in _environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_gate)
            {
                _output.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("==> Sandbox Vault double server started!", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_gate)
                {
                    _output.AppendLine(e.Data);
                }
            }
        };
        p.Exited += (_, _) => started.TrySetException(new InvalidOperationException("the double exited during startup:\n" + Output));
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await started.Task.WaitAsync(timeout.Token);
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        await LaunchAsync(cancellationToken);
    }

    private static void SendSigterm(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit(5000);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var p = _process;
        if (p is null || p.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            SendSigterm(p.Id); // graceful
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(CancellationToken.None);
        }

        ExitCode = p.ExitCode;
        p.Dispose();
        _process = null;
    }

    public int? ExitCode { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsFolder)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
