using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§14 server config and startup output. Double only.</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(60_000)]
public sealed class ServerConfigTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder()
    {
        if (VaultTarget.UsesRealVault)
        {
            Assert.Ignore("double only: starts its own processes");
        }

        _folder = Directory.CreateTempSubdirectory("vault-double-config-").FullName;
    }

    [TearDown]
    public void DeleteFolder()
    {
        if (_folder.Length > 0)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output, string File)> RunAsync(string config, CancellationToken ct)
    {
        var file = Path.Combine(_folder, "bad.hcl");
        await File.WriteAllTextAsync(file, config, ct);
        var (code, output) = await DoubleProcess.RunToExitAsync(["server", "-config", file], ct);
        return (code, output, file);
    }

    [TestCase("storage \"file\" { path = \"/tmp/x\" }\nlistener \"tcp\" {\n  address = \"0.0.0.0:8200\"\n  tls_disable = true\n}\n", "3:3", "not a loopback address")]
    [TestCase("storage \"file\" { path = \"/tmp/x\" }\nlistener \"tcp\" {\n  address = \"10.1.2.3:8200\"\n  tls_disable = 1\n}\n", "3:3", "not a loopback address")]
    [TestCase("storage \"raft\" { path = \"/tmp/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\n", "1:1", "storage \"raft\" is not supported")]
    [TestCase("storage \"file\" { path = \"/tmp/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:8200\" }\n", "2:1", "TLS is not supported")]
    [TestCase("storage \"file\" { path = \"/tmp/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\nbogus = 1\n", "3:1", "unknown key 'bogus'")]
    [TestCase("storage \"file\" { path = \"/tmp/x\" \nlistener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\n", "3:1", "unexpected end of file")]
    [TestCase("listener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\n", "1:1", "no storage block")]
    [TestCase("storage \"file\" { path = \"/tmp/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:8200\" tls_disable = 1 }\ndefault_lease_ttl = \"soon\"\n", "3:1", "default_lease_ttl is not a positive duration")]
    public async Task BadConfig_ExitsNonZero_WithFileLineColumnAndFix(string config, string lineColumn, string problem, CancellationToken ct)
    {
        var (code, output, file) = await RunAsync(config, ct);
        Assert.That(code, Is.Not.Zero);
        Assert.That(output, Does.Contain($"{file}:{lineColumn}: "));
        Assert.That(output, Does.Contain(problem));
        Assert.That(output, Does.Contain("; "), "a fix follows the problem");
        Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Version_SaysItIsTheDouble_NotHashiCorpVault(CancellationToken ct)
    {
        var (code, output) = await DoubleProcess.RunToExitAsync(["version"], ct);
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("0.1.0+sandbox-double").And.Contain("NOT HashiCorp Vault"));
    }

    [Test]
    public async Task MissingConfigArgument_ExitsNonZeroWithUsage(CancellationToken ct)
    {
        var (code, output) = await DoubleProcess.RunToExitAsync(["server"], ct);
        Assert.That(code, Is.Not.Zero);
        Assert.That(output, Does.Contain("server -config FILE"));
    }

    [Test]
    public async Task Startup_PrintsBannerAndHclogLines_EqualsFormOfConfigWorks(CancellationToken ct)
    {
        var port = DoubleProcess.FreePort();
        var file = Path.Combine(_folder, "ok.hcl");
        await File.WriteAllTextAsync(file, DoubleProcess.Config(Path.Combine(_folder, "data"), port), ct);
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DoubleProcess.DllPath);
        psi.ArgumentList.Add("server");
        psi.ArgumentList.Add("-config=" + file);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var lines = new List<string>();
        try
        {
            while (await p.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith("==> Sandbox Vault double server started!", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await p.WaitForExitAsync(ct);
        }

        var text = string.Join('\n', lines);
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.Empty, "a blank line first");
            Assert.That(lines, Does.Contain("==> Sandbox Vault double server configuration:"));
            Assert.That(text, Does.Match(@"\n +Storage: file\n"));
            Assert.That(text, Does.Match(@"\n +Listener 1: tcp \(addr: ""127\.0\.0\.1:" + port + @""""));
            Assert.That(text, Does.Match(@"\n +Version: 0\.1\.0\+sandbox-double\n"));
            Assert.That(text, Does.Match(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INFO\]  core: security barrier not initialized"));
            Assert.That(lines[^1], Is.EqualTo("==> Sandbox Vault double server started! (this is NOT HashiCorp Vault)"));
            Assert.That(p.ExitCode, Is.Zero, "SIGTERM exits cleanly");
        });
    }
}
