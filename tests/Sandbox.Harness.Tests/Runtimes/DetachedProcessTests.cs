using System.ComponentModel;
using System.Globalization;
using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// How the process runtime starts Vault without a shell: a real program spawned detached, looked at
/// through <c>/proc</c> — its session, its standard streams, its signal state — and stopped, after
/// which nothing of it (not even a zombie) may remain.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DetachedProcessTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("sandbox-detached-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(30000)]
    public async Task Start_OwnSession_OutputAppendedToTheLog_NothingInherited_AndReapedOnceStopped(CancellationToken cancellationToken)
    {
        var server = Path.Combine(_folder, "server");
        File.WriteAllText(server, "#!/bin/sh\necho \"out in $(pwd)\"\necho err-line >&2\nexec sleep 30\n");
        File.SetUnixFileMode(server, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = Path.Combine(_folder, "logs", "server.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "earlier line\n");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin" };

        var pid = DetachedProcess.Start(server, ["server", "-config", "x.hcl"], environment, _folder, log);
        try
        {
            await WaitUntilAsync(() => ReadText($"/proc/{pid}/cmdline")?.StartsWith("sleep\0", StringComparison.Ordinal) == true, $"process {pid} runs sleep", cancellationToken);
            await WaitUntilAsync(() => File.ReadAllText(log).Contains("err-line", StringComparison.Ordinal), "the server's output reaches the log", cancellationToken);
            var stat = StatFields(pid)!;
            var status = File.ReadAllLines($"/proc/{pid}/status");
            var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var text = File.ReadAllText(log);
            Assert.Multiple(() =>
            {
                Assert.That(stat[3], Is.EqualTo(pid.ToString(CultureInfo.InvariantCulture)), "session id == pid: its own session (setsid)");
                Assert.That(stat[2], Is.EqualTo(pid.ToString(CultureInfo.InvariantCulture)), "process group id == pid");
                Assert.That(stat[1], Is.EqualTo(self), "a child of this process while it lives");
                Assert.That(text, Does.StartWith("earlier line\n"), "the log is appended to, not truncated");
                Assert.That(text, Does.Contain($"out in {_folder}\n"), "standard output, in the working directory");
                Assert.That(text, Does.Contain("err-line\n"), "standard error");
                Assert.That(new FileInfo($"/proc/{pid}/fd/0").LinkTarget, Is.EqualTo("/dev/null"), "standard input");
                Assert.That(new FileInfo($"/proc/{pid}/fd/1").LinkTarget, Is.EqualTo(log));
                Assert.That(Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Select(Path.GetFileName), Is.EquivalentTo(new[] { "0", "1", "2" }), "no other descriptor of this process");
                Assert.That(status, Does.Contain("SigBlk:\t0000000000000000"), "no signal blocked");
                Assert.That(status, Does.Contain("SigIgn:\t0000000000000000"), "no signal ignored (glibc's own 32 and 33 included)");
            });
        }
        finally
        {
            Kill(pid);
        }

        // A child this process never waits for would stay a zombie ('Z' in /proc/PID/stat) until this
        // process exits; the reaper waits for it, so the pid disappears altogether.
        await WaitUntilAsync(() => StatFields(pid) is null, $"process {pid} is reaped, not left a zombie", cancellationToken);
    }

    [Test]
    [CancelAfter(10000)]
    public void Start_AMissingProgram_FailsNamingItAndTheCause(CancellationToken cancellationToken)
    {
        var missing = Path.Combine(_folder, "no-such-vault");

        var e = Assert.Throws<Win32Exception>(() => DetachedProcess.Start(missing, ["server"], new Dictionary<string, string>(), _folder, Path.Combine(_folder, "vault.log")))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.NativeErrorCode, Is.EqualTo(2), "ENOENT");
            Assert.That(e.Message, Does.Contain(missing).And.Contain("No such file or directory"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Start_ALogItCannotOpen_FailsNamingTheLog(CancellationToken cancellationToken)
    {
        var log = Path.Combine(_folder, "no-such-folder", "vault.log");

        var e = Assert.Throws<Win32Exception>(() => DetachedProcess.Start("/bin/true", [], new Dictionary<string, string>(), _folder, log))!;

        Assert.That(e.Message, Does.Contain(log));
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The fields of /proc/PID/stat after "(comm)": [0] state, [1] ppid, [2] pgrp, [3] session; null when there is no such process.</summary>
    private static string[]? StatFields(int pid)
    {
        var stat = ReadText($"/proc/{pid}/stat");
        return stat is null ? null : stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(10, cancellationToken);
        }

        Assert.Fail($"not within 10 s: {what}");
    }

    private static void Kill(int pid)
    {
        try
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
