using CliWrap;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The process runtime's detached Vault start is judged like any other child (the program by its own
/// rules, plus the log file and working directory), and no shell is started with a command string
/// any more, the text of the former detached launcher included.
/// </summary>
[TestFixture]
public sealed class DetachedLaunchGuardTests
{
    /// <summary>The script the process runtime once ran Vault through (<c>sh -c SCRIPT sandbox-vault LOG PROGRAM ARGS...</c>).</summary>
    private const string FormerLaunchScript = "log=$1; shift; exec setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!";

    private static readonly string[] Shells = ["sh", "/bin/sh", "bash", "/usr/bin/bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish", "csh", "tcsh", "pwsh"];

    [Test]
    [CancelAfter(10000)]
    public void AnyShell_WithTheFormerLauncherScriptOrAnyCommandString_IsRefused(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        Assert.Multiple(() =>
        {
            foreach (var shell in Shells)
            {
                foreach (var args in new string[][]
                {
                    ["-c", FormerLaunchScript, "sandbox-vault", "/tmp/sbx-run/logs/vault.log", "/usr/bin/vault", "server", "-config", "/tmp/sbx-run/vault.hcl"],
                    ["-c", FormerLaunchScript, "sandbox-vault", "/tmp/sbx-run/logs/vault.log", "/usr/bin/dotnet", "/opt/sandbox/Sandbox.VaultDouble.dll", "server", "-config", "/tmp/sbx-run/vault.hcl"],
                    ["-c", "true"],
                    ["-c", "exec vault server -config /tmp/sbx-run/vault.hcl"],
                })
                {
                    var e = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(shell).WithArguments(args), "detached-test"), $"{shell} {string.Join(' ', args)}");
                    Assert.That(e?.Decision.Rule, Is.EqualTo(GuardRules.ShellCommand), shell);
                }
            }
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void DetachedLaunch_OfAShell_IsRefused(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var e = Assert.Throws<GuardBlockedException>(() => guard.GuardDetachedLaunch("/bin/sh", ["-c", FormerLaunchScript, "sandbox-vault", "/tmp/sbx-run/logs/vault.log", "/usr/bin/vault", "server"], "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", "detached-test"))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Decision.Rule, Is.EqualTo(GuardRules.ShellCommand));
            Assert.That(guard.Audit.Entries[^1].Allowed, Is.False);
            Assert.That(guard.Audit.Entries[^1].Rule, Is.EqualTo(GuardRules.ShellCommand));
        });
    }

    [TestCase("/usr/bin/vault", "server -config /etc/vault.d/vault.hcl", "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", "files:/etc/vault.d/", "argument 3")]
    [TestCase("/usr/bin/vault", "server -config /tmp/sbx-run/vault.hcl -bogus", "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", GuardRules.UnknownArgument, "")]
    [TestCase("/usr/bin/dotnet", "/opt/sandbox/Sandbox.VaultDouble.dll server -config=~/.arcodange/cluster-keys.json", "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", "files:~/.arcodange/cluster-keys.json", "")]
    [TestCase("/usr/bin/vault", "server -config /tmp/sbx-run/vault.hcl", "/etc/vault.d/vault.log", "/tmp/sbx-run", "files:/etc/vault.d/", "the log file")]
    [TestCase("/usr/bin/vault", "server -config /tmp/sbx-run/vault.hcl", "/tmp/sbx-run/logs/vault.log", "/etc/vault.d", "files:/etc/vault.d/", "the working directory")]
    [TestCase("/usr/bin/env", "vault server -config /tmp/sbx-run/vault.hcl", "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", GuardRules.ShellCommand, "")]
    [CancelAfter(10000)]
    public void DetachedLaunch_RefusedProgramArgumentLogOrFolder_NamesTheRuleAndIsAudited(string program, string arguments, string log, string folder, string rule, string where, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var e = Assert.Throws<GuardBlockedException>(() => guard.GuardDetachedLaunch(program, arguments.Split(' '), log, folder, "detached-test"))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Decision.Rule, Is.EqualTo(rule), e.Message);
            Assert.That(e.Message, Does.Contain(where).And.Contain(Path.GetFileName(program)));
            Assert.That(guard.Audit.Entries[^1].Allowed, Is.False);
            Assert.That(guard.Audit.Entries[^1].Rule, Is.EqualTo(rule));
            Assert.That(guard.Audit.Entries[^1].Caller, Is.EqualTo("detached-test"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void DetachedLaunch_OfTheVaultDouble_ReturnsItsWholeEnvironment_AndAuditsTheAllowance(CancellationToken cancellationToken)
    {
        var guard = new SandboxGuard(Denylist.Parse("addresses: [127.0.0.9]\n", "user-denylist.yaml"), GuardAuditLog.InMemory());

        var environment = guard.GuardDetachedLaunch("/usr/bin/dotnet", ["/opt/sandbox/Sandbox.VaultDouble.dll", "server", "-config", "/tmp/sbx-run/vault.hcl"], "/tmp/sbx-run/logs/vault.log", "/tmp/sbx-run", "detached-test");

        Assert.Multiple(() =>
        {
            Assert.That(environment["PWD"], Is.EqualTo("/tmp/sbx-run"));
            Assert.That(environment["HOME"], Is.EqualTo(guard.ChildEnvironment("vault-double", null)["HOME"]));
            Assert.That(environment.ContainsKey(Denylist.EnvironmentVariable), Is.True, "the double is handed the user's denylist");
            Assert.That(environment.GetValueOrDefault("PATH"), Is.EqualTo(Environment.GetEnvironmentVariable("PATH")), "an allow-listed variable is inherited");
            Assert.That(environment.Keys, Has.None.StartWith("VAULT_ADDR").And.None.EqualTo("KUBECONFIG"));
            Assert.That(guard.Audit.Entries[^1].Allowed, Is.True);
            Assert.That(guard.Audit.Entries[^1].Target, Is.EqualTo("dotnet"));
            Assert.That(guard.Audit.Entries[^1].Rule, Is.EqualTo(GuardRules.ChildProcess));
        });
    }
}
