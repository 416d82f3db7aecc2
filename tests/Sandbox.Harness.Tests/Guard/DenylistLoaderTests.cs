using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

[TestFixture]
public sealed class DenylistLoaderTests
{
    public static IEnumerable<TestCaseData> BadFiles()
    {
        yield return Bad("unknown key", "hosts: [a.lab]\nports: [22]\n", 2, 1, "unknown key 'ports'", "use only these keys");
        yield return Bad("key in wrong case", "hosts: [a.lab]\nkubecontexts: [prod]\n", 2, 1, "unknown key 'kubecontexts'", "did you mean 'kubeContexts'");
        yield return Bad("bad CIDR prefix", "addresses:\n  - 10.0.0.0/33\n", 2, 5, "invalid prefix length '33'", "from 0 to 32");
        yield return Bad("CIDR with host bits", "addresses:\n  - 192.168.1.5/24\n", 2, 5, "bits set after the /24 prefix", "write 192.168.1.0/24");
        yield return Bad("not an address", "addresses: [10.0.0.256]\n", 1, 13, "not an IP address or CIDR", "dotted IPv4 address");
        yield return Bad("short IPv4 form", "addresses: [10.43]\n", 1, 13, "not an IP address or CIDR", "dotted IPv4 address");
        yield return Bad("bad glob", "kubeContexts:\n  - \"arcodange[\"\n", 2, 5, "not a valid glob: '[' at position 10 is never closed", "a glob with *");
        yield return Bad("empty class glob", "kubeContexts: [\"prod[]\"]\n", 1, 16, "character class at position 5 is empty", "a glob with *");
        yield return Bad("host glob in the middle", "hosts: [\"vault.*.lab\"]\n", 1, 9, "only a leading '*.' wildcard", "domain wildcard");
        yield return Bad("IP under hosts", "hosts: [10.0.0.1]\n", 1, 9, "is an IP address, not a host name", "move it to 'addresses'");
        yield return Bad("empty file", string.Empty, 1, 1, "the file is empty", "'{}'");
        yield return Bad("only comments", "# nothing here\n", 1, 1, "the file is empty", "'{}'");
        yield return Bad("null document", "~\n", 1, 1, "has no content", "'{}'");
        yield return Bad("top level is a list", "- vault.arcodange.lab\n", 1, 1, "the top level is a list, not a mapping", "write a mapping");
        yield return Bad("scalar instead of list", "hosts: vault.arcodange.lab\n", 1, 8, "'hosts' is a single value, not a list of strings", "hosts: [first, second]");
        yield return Bad("key with no value", "files:\nenv: [A]\n", 1, 7, "'files' has no value", "files: []");
        yield return Bad("mapping instead of list", "env:\n  VAULT_ADDR: yes\n", 2, 3, "'env' is a mapping", "env: [first, second]");
        yield return Bad("list item is a list", "hosts:\n  - [a.lab, b.lab]\n", 2, 5, "an item of 'hosts' is a list", "one non-empty string");
        yield return Bad("list item is empty", "urls:\n  - \"\"\n", 2, 5, "an item of 'urls' is empty", "one non-empty string");
        yield return Bad("duplicate key", "hosts: [a.lab]\nenv: [A]\nhosts: [b.lab]\n", 3, 1, "key", "each top-level key may appear once");
        yield return Bad("relative file", "files: [cluster-keys.json]\n", 1, 9, "not an absolute path", "~/.arcodange/cluster-keys.json");
        yield return Bad("bad env name", "env: [\"VAULT-ADDR\"]\n", 1, 7, "not an environment variable name", "VAULT_*");
        yield return Bad("URL without scheme", "urls: [gitea.arcodange.lab/api/]\n", 1, 8, "not a URL prefix", "absolute URL");
        yield return Bad("URL with other scheme", "urls: [\"ftp://gitea.arcodange.lab/\"]\n", 1, 8, "scheme 'ftp'", "absolute URL");
        yield return Bad("broken YAML", "hosts: [a.lab\n", 2, 1, "the YAML does not parse", "fix the YAML");
        yield return Bad("two documents", "hosts: [a.lab]\n---\nenv: [A]\n", 3, 1, "more than one YAML document", "single document");
    }

    [TestCaseSource(nameof(BadFiles))]
    [CancelAfter(5000)]
    public void Parse_BadFile_NamesFileLineProblemAndFix(string yaml, int line, int column, string problem, string fix, CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<DenylistException>(() => Denylist.Parse(yaml, "/etc/sandbox/deny.yaml"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.StartWith($"Invalid denylist /etc/sandbox/deny.yaml:{line}:{column}: "));
            Assert.That(ex.Message, Does.Contain(problem));
            Assert.That(ex.Message, Does.Contain("Fix: ").And.Contain(fix));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Load_MissingFile_SaysSoAndNeverFallsBack(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-denylist-{Guid.NewGuid():N}.yaml");

        var ex = Assert.Throws<DenylistException>(() => Denylist.Load(path))!;

        Assert.That(ex.Message, Does.Contain(path).And.Contain("Cannot read denylist"));
    }

    [Test]
    [CancelAfter(5000)]
    public void Load_FileWithError_ReportsThePathAndLine(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"denylist-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "hosts: [a.lab]\n\naddresses: [300.1.1.1]\n");
        try
        {
            var ex = Assert.Throws<DenylistException>(() => Denylist.Load(path))!;
            Assert.That(ex.Message, Does.StartWith($"Invalid denylist {path}:3:13: "));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_AllKeys_KeepsEveryEntry(CancellationToken cancellationToken)
    {
        var denylist = TestDenylists.Lab();

        Assert.Multiple(() =>
        {
            Assert.That(denylist.Hosts, Is.EqualTo((string[])["vault.arcodange.lab", "gitea.arcodange.lab", "*.arcodange.lab", "prod-db.internal"]));
            Assert.That(denylist.Addresses, Has.Count.EqualTo(5));
            Assert.That(denylist.Urls, Has.Count.EqualTo(2));
            Assert.That(denylist.KubeContexts, Is.EqualTo((string[])["arcodange*", "prod"]));
            Assert.That(denylist.Files, Is.EqualTo((string[])["~/.arcodange/cluster-keys.json", "/etc/vault.d/"]));
            Assert.That(denylist.Env, Has.Count.EqualTo(3));
            Assert.That(denylist.Allow, Has.Count.EqualTo(4));
            Assert.That(denylist.Source, Is.EqualTo("test-denylist.yaml"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_EmptyMapping_IsAnExplicitEmptyDenylist(CancellationToken cancellationToken)
    {
        var denylist = Denylist.Parse("{}\n", "empty.yaml");

        Assert.That(denylist.Hosts.Concat(denylist.Addresses).Concat(denylist.Files), Is.Empty);
    }

    [Test]
    [CancelAfter(5000)]
    public void BuiltIn_IsTheShippedFixtureAndProtectsTheProductionKeyFile(CancellationToken cancellationToken)
    {
        var fixture = Path.Combine(RepoRoot(), "fixtures", "denylist.yaml");
        var shipped = Denylist.Load(fixture);
        var guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());

        Assert.Multiple(() =>
        {
            Assert.That(Denylist.BuiltIn.Hosts, Is.EqualTo(shipped.Hosts));
            Assert.That(Denylist.BuiltIn.Files, Is.EqualTo(shipped.Files));
            Assert.That(guard.CheckTarget("file:~/.arcodange/cluster-keys.json", "test").Allowed, Is.False);
            Assert.That(guard.CheckTarget("https://vault.arcodange.lab/v1/sys/health", "test").Allowed, Is.False);
            Assert.That(guard.CheckTarget("context:arcodange", "test").Allowed, Is.False);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Resolve_WithUserFile_AddsToTheBuiltInEntries(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"denylist-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "addresses: [127.0.0.2]\n");
        try
        {
            var denylist = Denylist.Resolve(path);
            var guard = new SandboxGuard(denylist, GuardAuditLog.InMemory());

            Assert.Multiple(() =>
            {
                Assert.That(guard.CheckTarget("127.0.0.2", "test").Rule, Is.EqualTo("addresses:127.0.0.2"));
                Assert.That(guard.CheckTarget("file:~/.arcodange/cluster-keys.json", "test").Allowed, Is.False, "the built-in entries stay");
                Assert.That(denylist.Source, Does.Contain(path).And.Contain("built-in"));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    [CancelAfter(5000)]
    public void Resolve_EmptyPath_IsAnError(CancellationToken cancellationToken)
    {
        Assert.Throws<DenylistException>(() => Denylist.Resolve("  "));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sandbox.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Sandbox.sln not found above the test directory.");
    }

    private static TestCaseData Bad(string name, string yaml, int line, int column, string problem, string fix) =>
        new TestCaseData(yaml, line, column, problem, fix).SetName($"Parse_{name.Replace(' ', '_')}_IsRefusedWithLineAndFix");
}
