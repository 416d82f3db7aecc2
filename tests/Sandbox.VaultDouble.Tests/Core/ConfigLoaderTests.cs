using Sandbox.VaultDouble.Config;

namespace Sandbox.VaultDouble.Tests.Core;

/// <summary>The HCL subset of a Vault server config.</summary>
[TestFixture, CancelAfter(10_000)]
public sealed class ConfigLoaderTests
{
    private string _file = "";

    [SetUp]
    public void CreateFile() => _file = Path.Combine(Directory.CreateTempSubdirectory("vault-double-cfg-").FullName, "vault.hcl");

    [TearDown]
    public void DeleteFile() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    [Test]
    public void Load_ReadsEveryKey_WithCommentsAndOneLineBlocks()
    {
        File.WriteAllText(_file, """
            # comment
            storage "file" { path = "data" }   // relative to the config file
            /* block
               comment */
            listener "tcp" { address = "[::1]:8300" tls_disable = "true" max_request_size = 1024 }
            api_addr = "http://[::1]:8300"
            default_lease_ttl = "1h"
            max_lease_ttl = 7200
            disable_mlock = true
            ui = false
            cluster_name = "ignored"
            """);
        var config = ConfigLoader.Load(_file);
        Assert.Multiple(() =>
        {
            Assert.That(config.StoragePath, Is.EqualTo(Path.Combine(Path.GetDirectoryName(_file)!, "data")));
            Assert.That(config.Listener.Port, Is.EqualTo(8300));
            Assert.That(System.Net.IPAddress.IsLoopback(config.Listener.Address), Is.True);
            Assert.That(config.MaxRequestSize, Is.EqualTo(1024));
            Assert.That(config.DefaultLeaseTtl, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(config.MaxLeaseTtl, Is.EqualTo(TimeSpan.FromHours(2)));
            Assert.That(config.DisableMlock, Is.True);
        });
    }

    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"localhost:8200\" tls_disable = true }\n")]
    public void Load_AcceptsLocalhost(string text)
    {
        File.WriteAllText(_file, text);
        Assert.That(ConfigLoader.Load(_file).Listener.Port, Is.EqualTo(8200));
    }

    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"192.168.1.10:8200\" tls_disable = true }\n", "2:18", "not a loopback address")]
    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"127.0.0.1\" tls_disable = true }\n", "2:18", "is not host:port")]
    [TestCase("storage \"file\" { }\nlistener \"tcp\" { address = \"127.0.0.1:1\" tls_disable = true }\n", "1:1", "has no path")]
    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:1\" tls_disable = maybe }\n", "2:56", "expected a value")]
    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:1\" tls_disable = true }\nmax_lease_ttl = \"1h\"\ndefault_lease_ttl = \"2h\"\n", "4:1", "greater than max_lease_ttl")]
    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:1\" tls_disable = true }\n  max_lease_ttl = \"1h\"\n", "3:3", "max_lease_ttl is lower than the default lease TTL")]
    [TestCase("storage \"file\" { path = \"/x\" }\nlistener \"tcp\" { address = \"127.0.0.1:1\" tls_disable = true }\nseal \"awskms\" {}\n", "3:1", "auto-unseal")]
    [TestCase("storage \"file\" { path = \"/x\" }\n/* a\ncomment */ api_addr = \"http://127.0.0.1:1\n", "3:23", "unterminated string")]
    [TestCase("storage \"file\" { path = \"/x\" }\nui = <<EOF\nline\nEOF\n  ui = !\n", "5:8", "unexpected character '!'")]
    public void Load_BadConfig_NamesFileLineColumnProblemAndFix(string text, string lineColumn, string problem)
    {
        File.WriteAllText(_file, text);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(_file))!;
        Assert.That(e.Message, Does.StartWith($"{_file}:{lineColumn}: "));
        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(e.Message, Does.Contain("; "));
    }
}
