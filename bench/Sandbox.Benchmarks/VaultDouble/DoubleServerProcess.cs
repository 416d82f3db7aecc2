using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Sandbox.Benchmarks.Runtimes;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Benchmarks.VaultDouble;

/// <summary>Starts the built Vault double (<c>dotnet Sandbox.VaultDouble.dll server -config …</c>) for benchmarks.</summary>
internal sealed class DoubleServerProcess : IDisposable
{
    private readonly Process _process;

    private DoubleServerProcess(Process process, string folder, int port)
    {
        _process = process;
        Folder = folder;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public string Folder { get; }

    public Uri Address { get; }

    /// <summary>The plain Release build of the double (the JIT compiles its code at every start).</summary>
    public static string DllPath => OutputDll("Release/net10.0");

    /// <summary>The ReadyToRun composite of the double (<c>scripts/publish-vault-double.sh</c>).</summary>
    public static string CompositeDllPath => OutputDll("composite");

    /// <summary>The double's assembly in one of its outputs under <c>fixtures/Sandbox.VaultDouble/bin</c>; fails with the fix when it is not built.</summary>
    /// <param name="output">The output folder: <c>composite</c> or <c>Release/net10.0</c>.</param>
    public static string OutputDll(string output)
    {
        var dll = Path.Combine([CliPaths.Root(), "fixtures", "Sandbox.VaultDouble", "bin", .. output.Split('/'), "Sandbox.VaultDouble.dll"]);
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{dll} is missing: build the double (dotnet build -c Release fixtures/Sandbox.VaultDouble) and publish its composite (scripts/publish-vault-double.sh).");
    }

    /// <summary>The CPU time the double's process has used so far (user and system).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the double and returns once it answers <c>sys/health</c>.</summary>
    /// <param name="http">The client that polls <c>sys/health</c>.</param>
    /// <param name="dll">The double's assembly; the plain Release build when null.</param>
    public static async Task<DoubleServerProcess> StartAsync(HttpClient http, string? dll = null)
    {
        var folder = Directory.CreateTempSubdirectory("vault-double-bench-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var config = Path.Combine(folder, "vault.hcl");
        await File.WriteAllTextAsync(config, $$"""
            storage "file" { path = "{{Path.Combine(folder, "data")}}" }
            listener "tcp" {
              address     = "127.0.0.1:{{port}}"
              tls_disable = true
            }
            disable_mlock = true
            """).ConfigureAwait(false);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        // As the process runtime starts a sandbox's double: tier-up waits for 5 s without new methods,
        // unless this process's environment names a delay already (VaultDoubleTierUp.With).
        psi.Environment.TryAdd(VaultDoubleTierUp.Variable, VaultDoubleTierUp.DelayMilliseconds);
        psi.ArgumentList.Add(dll ?? DllPath);
        psi.ArgumentList.Add("server");
        psi.ArgumentList.Add("-config");
        psi.ArgumentList.Add(config);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var server = new DoubleServerProcess(process, folder, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var r = await http.GetAsync(new Uri(server.Address, "/v1/sys/health")).ConfigureAwait(false);
                return server;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }
    }

    public async Task<(string Key, string Token)> InitAndUnsealAsync(HttpClient http)
    {
        using var init = await http.PutAsync(new Uri(Address, "/v1/sys/init"), Json("""{"secret_shares":1,"secret_threshold":1}""")).ConfigureAwait(false);
        var body = JsonNode.Parse(await init.Content.ReadAsStringAsync().ConfigureAwait(false))!;
        var key = body["keys"]![0]!.GetValue<string>();
        using var unseal = await http.PutAsync(new Uri(Address, "/v1/sys/unseal"), Json($$"""{"key":"{{key}}"}""")).ConfigureAwait(false);
        unseal.EnsureSuccessStatusCode();
        return (key, body["root_token"]!.GetValue<string>());
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
