using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Internal;

/// <summary>
/// Looks at processes through <c>/proc</c> and signals them with <c>kill</c>: only a pid that was
/// recorded and whose command line still contains the recorded marker is ever signalled.
/// </summary>
internal static class ProcessTable
{
    public static bool IsRunning(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z' && stat.Value.State != 'X';
    }

    public static long? StartTicks(int pid) => ReadStat(pid)?.StartTicks;

    public static string? CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Replace('\0', ' ').TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Running processes whose command line contains <paramref name="marker"/> — a sandbox's own,
    /// unique folder path (never a program name) — other than this process.
    /// </summary>
    public static IReadOnlyList<int> FindByMarker(string marker)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && IsOurs(pid, marker))
            {
                result.Add(pid);
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="pid"/> runs and its command line contains <paramref name="marker"/>.</summary>
    public static bool IsOurs(int pid, string marker) =>
        IsRunning(pid) && (CommandLine(pid)?.Contains(marker, StringComparison.Ordinal) ?? false);

    /// <summary>True when <paramref name="pid"/> runs and started at <paramref name="startTicks"/> (not a reused pid).</summary>
    public static bool IsSameProcess(int pid, long? startTicks) =>
        IsRunning(pid) && (startTicks is null || StartTicks(pid) == startTicks);

    public static async Task SignalAsync(SandboxGuard guard, int pid, string signal, CancellationToken cancellationToken)
    {
        var command = guard.GuardCommand(
            Cli.Wrap("kill").WithArguments(["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]).WithValidation(CommandResultValidation.None),
            "sandbox-process-stop");
        await command.ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (IsRunning(pid))
        {
            if (time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Stops <paramref name="pid"/> if it is still ours: <paramref name="gracefulSignal"/> first
    /// (unless <paramref name="kill"/>), SIGKILL after <paramref name="timeout"/>. Returns false when
    /// there was nothing of ours to stop.
    /// </summary>
    public static async Task<bool> StopAsync(SandboxGuard guard, int pid, string marker, bool kill, string gracefulSignal, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!IsOurs(pid, marker))
        {
            return false;
        }

        if (!kill)
        {
            await SignalAsync(guard, pid, gracefulSignal, cancellationToken).ConfigureAwait(false);
            if (await WaitForExitAsync(pid, timeout, time, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            if (!IsOurs(pid, marker))
            {
                return true;
            }
        }

        await SignalAsync(guard, pid, "KILL", cancellationToken).ConfigureAwait(false);
        await WaitForExitAsync(pid, TimeSpan.FromSeconds(10), time, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static (char State, long StartTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // pid (comm) state ppid ... ; comm may contain spaces and ')', so split after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); starttime is field 22 -> fields[19].
        if (fields.Length < 20 || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return (fields[0][0], start);
    }
}
