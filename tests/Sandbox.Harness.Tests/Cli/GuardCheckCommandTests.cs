extern alias sandboxcli;

using System.Text.Json;
using NUnit.Framework;
using sandboxcli::Sandbox.Cli;
using Sandbox.Harness.Guard;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

[TestFixture]
[NonParallelizable]
public sealed class GuardCheckCommandTests
{
    private string? _savedDenylistVariable;

    [SetUp]
    public void SetUp()
    {
        _savedDenylistVariable = Environment.GetEnvironmentVariable(Denylist.EnvironmentVariable);
        Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, null);
    }

    [TearDown]
    public void TearDown() => Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, _savedDenylistVariable);

    [TestCase("https://vault.arcodange.lab/v1/sys/health", 3, "hosts:vault.arcodange.lab")]
    [TestCase("http://3232235777/", 3, "addresses:192.168.1.0/24")]
    [TestCase("context:arcodange", 3, "kubeContexts:arcodange*")]
    [TestCase("file:~/.arcodange/cluster-keys.json", 3, "files:~/.arcodange/cluster-keys.json")]
    [TestCase("example.com", 3, "default-deny")]
    [TestCase("http://127.0.0.1:8200/v1/sys/health", 0, "loopback")]
    [TestCase("[::1]:8200", 0, "loopback")]
    [TestCase("context:k3d-sandbox", 0, "not-denylisted")]
    [CancelAfter(20000)]
    public async Task GuardCheck_WithBuiltInDenylist_PrintsVerdictAndRuleWithExitCode(string target, int exitCode, string rule, CancellationToken cancellationToken)
    {
        var (code, output, error) = await CliRunner.RunAsync(cancellationToken, "guard", "check", target);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(exitCode), output + error);
            Assert.That(output, Does.StartWith(exitCode == 0 ? "ALLOWED " : "BLOCKED ").And.Contain($"rule:     {rule}"));
            Assert.That(error, Is.Empty);
        });
    }

    [Test]
    [CancelAfter(20000)]
    public async Task GuardCheck_Json_PrintsOneParseableObject(CancellationToken cancellationToken)
    {
        var (code, output, _) = await CliRunner.RunAsync(cancellationToken, "guard", "check", "http://[::ffff:192.168.1.5]:8200/", "--json");

        using var json = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(3));
            Assert.That(json.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("blocked"));
            Assert.That(json.RootElement.GetProperty("allowed").GetBoolean(), Is.False);
            Assert.That(json.RootElement.GetProperty("rule").GetString(), Is.EqualTo("addresses:192.168.1.0/24"));
            Assert.That(json.RootElement.GetProperty("target").GetString(), Is.EqualTo("http://[::ffff:192.168.1.5]:8200/"));
        });
    }

    [Test]
    [CancelAfter(20000)]
    public async Task GuardCheck_UserDenylist_FromOptionAndFromVariable_AddsEntries(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cli-denylist-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "addresses: [127.0.0.2]\n", cancellationToken);
        try
        {
            var byOption = await CliRunner.RunAsync(cancellationToken, "guard", "check", "http://2130706434/", "--denylist", path);
            Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, path);
            var byVariable = await CliRunner.RunAsync(cancellationToken, "guard", "check", "127.0.0.2");
            var builtInStillThere = await CliRunner.RunAsync(cancellationToken, "guard", "check", "context:arcodange");

            Assert.Multiple(() =>
            {
                Assert.That(byOption.ExitCode, Is.EqualTo(3));
                Assert.That(byOption.Output, Does.Contain("rule:     addresses:127.0.0.2"));
                Assert.That(byVariable.ExitCode, Is.EqualTo(3));
                Assert.That(builtInStillThere.ExitCode, Is.EqualTo(3));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    [CancelAfter(20000)]
    public async Task GuardCheck_MalformedDenylist_ExitsInvalidInputWithFileAndLine(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cli-denylist-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "hosts: [a.lab]\nport: [22]\n", cancellationToken);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync(cancellationToken, "guard", "check", "127.0.0.1", "--denylist", path);

            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo((int)ExitCode.InvalidInput));
                Assert.That(error, Does.Contain($"{path}:2:1: unknown key 'port'"));
                Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
                Assert.That(output, Does.Not.Contain("ALLOWED"), "never falls back to checking without the denylist");
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("guard chek x")]
    [TestCase("guard check")]
    [TestCase("guard check x --no-such-option")]
    [TestCase("guard check x --denylist")]
    [TestCase("frobnicate")]
    [CancelAfter(20000)]
    public async Task BadCommandLine_ExitsUsage(string commandLine, CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, commandLine.Split(' '));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
            Assert.That(error, Does.StartWith("sandbox: "));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void HandleException_UnexpectedException_IsInternalErrorWithoutStackTrace(CancellationToken cancellationToken)
    {
        using var error = new StringWriter();

        var code = SandboxApp.HandleException(new InvalidOperationException("boom"), error);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo((int)ExitCode.InternalError));
            Assert.That(error.ToString(), Does.Contain("Internal error (InvalidOperationException): boom").And.Not.Contain(" at "));
        });
    }
}
