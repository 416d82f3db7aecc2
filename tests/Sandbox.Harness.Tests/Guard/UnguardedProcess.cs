using System.Diagnostics;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>The canaries' controls: a real tool run without the guard, with the environment the test plants.</summary>
internal static class UnguardedProcess
{
    /// <summary>
    /// Runs <paramref name="tool"/> with this process's environment, minus <paramref name="removed"/>, plus
    /// <paramref name="environment"/> (a <see langword="null"/> value removes the variable); kills it after
    /// <paramref name="timeout"/>. Returns its output and error together.
    /// </summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> removed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var name in removed)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info)!;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
        }

        return (await output) + (await error);
    }
}
