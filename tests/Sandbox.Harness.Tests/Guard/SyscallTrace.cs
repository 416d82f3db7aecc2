using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Attaches <c>strace</c> to this test process and records every file-name syscall (open, stat,
/// access, readlink, ...) with its first path argument, so a test can prove a path was never
/// touched — not opened, not even stat'ed.
/// </summary>
internal sealed partial class SyscallTrace : IDisposable
{
    private readonly Process _strace;
    private readonly string _output;
    private bool _stopped;

    private SyscallTrace(Process strace, string output)
    {
        _strace = strace;
        _output = output;
    }

    public static bool IsAvailable => File.Exists("/usr/bin/strace");

    /// <summary>Attaches strace, tracing <paramref name="syscalls"/> (an strace <c>-e trace=</c> set that includes <c>%file</c>, which the attach check needs).</summary>
    public static SyscallTrace Start(string syscalls = "%file")
    {
        var output = Path.Combine(Path.GetTempPath(), $"guard-strace-{Guid.NewGuid():N}.txt");
        var info = new ProcessStartInfo("/usr/bin/strace")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-f", "-qq", "-s", "4096", "-e", "trace=" + syscalls, "-o", output, "-p", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var trace = new SyscallTrace(process, output);

        // strace is attached once it records syscalls; make some until one shows up.
        var marker = Path.Combine(Path.GetTempPath(), $"guard-strace-marker-{Guid.NewGuid():N}");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            _ = File.Exists(marker);
            if (File.Exists(output) && File.ReadAllText(output).Contains(marker, StringComparison.Ordinal))
            {
                return trace;
            }

            Thread.Sleep(20);
        }

        trace.Dispose();
        throw new InvalidOperationException("strace did not attach within 10 s: " + process.StandardError.ReadToEnd());
    }

    /// <summary>Detaches strace and returns the first path argument of every traced syscall.</summary>
    public IReadOnlyList<(string Syscall, string Path)> Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            using var kill = Process.Start("/bin/kill", ["-INT", _strace.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            _strace.WaitForExit(10_000);
        }

        var calls = new List<(string, string)>();
        foreach (var line in File.ReadAllLines(_output))
        {
            var m = FirstPathArgument().Match(line);
            if (m.Success)
            {
                calls.Add((m.Groups["call"].Value, m.Groups["path"].Value));
            }
        }

        return calls;
    }

    /// <summary>Detaches strace and returns every traced line as strace wrote it.</summary>
    public IReadOnlyList<string> StopLines()
    {
        if (!_stopped)
        {
            Stop();
        }

        return File.ReadAllLines(_output);
    }

    public void Dispose()
    {
        if (!_stopped)
        {
            Stop();
        }

        _strace.Dispose();
        File.Delete(_output);
    }

    [GeneratedRegex(@"^\d+\s+(?<call>\w+)\((?:AT_FDCWD, |-?\d+, )?""(?<path>[^""]*)""")]
    private static partial Regex FirstPathArgument();
}
