using System.Diagnostics;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Tests.Guard;
using Sandbox.Tests.Shared;
using Sandbox.VaultDouble.Config;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Core;

/// <summary>
/// The double reads its <c>-config</c> file through the harness's file guard, of the denylist the
/// harness hands it in <c>SANDBOX_DENYLIST</c>. The denied file is a FIFO (an open for reading would
/// block until the test's timeout) reached by a symlink, a hard link and a symlinked folder followed
/// by <c>..</c>; strace, attached to the test process and the double it starts, shows none was opened.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfigLoaderGuardTests
{
    private string _root = "";
    private string _denied = "";
    private string? _savedDenylist;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("double-config-guard-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "prod", "sub"));
        _denied = Path.Combine(_root, "prod", "vault.hcl");
        Run("mkfifo", _denied);
        var denylist = Path.Combine(_root, "denylist.yaml");
        File.WriteAllText(denylist, $"files: [\"{_denied}\"]\n");
        _savedDenylist = Environment.GetEnvironmentVariable(Denylist.EnvironmentVariable);
        Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, denylist);
        _ = Denylist.Resolve(null); // as DoubleServer does, before it reads the config
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, _savedDenylist);
        _ = Denylist.Resolve(null);
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    [CancelAfter(120000)]
    public async Task Config_ThatIsAnAliasOfADeniedFile_IsRefusedWithTheGuardsRule_AndNeverOpened(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        var symlink = Path.Combine(_root, "alias.hcl");
        File.CreateSymbolicLink(symlink, _denied);
        var hardLink = Path.Combine(_root, "hard.hcl");
        Run("ln", _denied, hardLink);
        Directory.CreateSymbolicLink(Path.Combine(_root, "jump"), Path.Combine(_root, "prod", "sub"));
        var dotDot = Path.Combine(_root, "jump") + "/../vault.hcl";
        var honest = Path.Combine(_root, "honest.hcl");
        File.WriteAllText(honest, "storage \"file\" { path = \"data\" }\nlistener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\n");
        _ = SandboxGuard.ForFiles.CheckFile(honest, "warm-up"); // built (and the denied file's identity taken) before the trace starts

        var refusals = new List<string>();
        int exitCode;
        string output;
        IReadOnlyList<(string Syscall, string Path)> calls;
        using (var trace = SyscallTrace.Start())
        {
            foreach (var spelling in new[] { symlink, hardLink, dotDot })
            {
                var ex = Assert.Throws<GuardBlockedException>(() => ConfigLoader.Load(spelling), spelling)!;
                refusals.Add(ex.Decision.Rule);
            }

            Assert.That(ConfigLoader.Load(honest).Listener.Port, Is.EqualTo(8200), "an honest config loads as before");

            // The double itself, given SANDBOX_DENYLIST as the harness gives it (inherited here).
            (exitCode, output) = await DoubleProcess.RunToExitAsync(["server", "-config", symlink], cancellationToken);
            calls = trace.Stop();
        }

        var opened = calls.Where(c => c.Syscall.StartsWith("open", StringComparison.Ordinal)).Select(c => c.Path).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Is.EqualTo(Enumerable.Repeat($"files:{_denied}", 3)));
            Assert.That(exitCode, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain("Error loading configuration").And.Contain($"files:{_denied}"));
            Assert.That(opened, Does.Contain(honest), "the trace sees the honest config opened, so its silence about the others means something");
            Assert.That(opened, Has.None.EqualTo(symlink).And.None.EqualTo(hardLink).And.None.EqualTo(dotDot), "the config loader opened an alias of the denied file");
            // The double's own guard lstat()s the denied file once, when it is built (its identity, for hard
            // links: the file is not opened); an open of any kind is what must never happen.
            Assert.That(opened.Where(p => p.Contains("prod/vault.hcl", StringComparison.Ordinal)), Is.Empty, "the denied file was opened");
        });
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', args)}");
    }
}
