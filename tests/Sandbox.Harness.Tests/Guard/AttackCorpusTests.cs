using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Hostile spellings of production targets (and a few honest loopback ones), each with the
/// verdict and the rule that must decide it.
/// </summary>
[TestFixture]
public sealed class AttackCorpusTests
{
    private const bool Blocked = false;
    private const bool Allowed = true;
    private const string VaultHost = "hosts:vault.arcodange.lab";
    private const string LabDomain = "hosts:*.arcodange.lab";
    private const string LabLan = "addresses:192.168.1.0/24";
    private const string Canary = "addresses:127.0.0.2";
    private const string SysUrl = "urls:http://127.0.0.1:8300/v1/sys/";
    private const string KeyFile = "files:~/.arcodange/cluster-keys.json";

    public static IEnumerable<TestCaseData> Corpus()
    {
        // Host names: case, trailing dots, userinfo, percent-encoding, IDN and look-alikes.
        yield return Case("http://vault.arcodange.lab/", Blocked, VaultHost, "plain");
        yield return Case("http://VAULT.ARCODANGE.LAB/", Blocked, VaultHost, "upper case");
        yield return Case("http://VaUlT.aRcOdAnGe.LaB:8200/v1/sys/health", Blocked, VaultHost, "mixed case and port");
        yield return Case("http://vault.arcodange.lab./", Blocked, VaultHost, "trailing dot");
        yield return Case("vault.arcodange.lab.", Blocked, VaultHost, "bare host, trailing dot");
        yield return Case("http://sandbox@vault.arcodange.lab/", Blocked, VaultHost, "userinfo");
        yield return Case("http://127.0.0.1@vault.arcodange.lab/", Blocked, VaultHost, "loopback-looking userinfo");
        yield return Case("http://127.0.0.1:80@vault.arcodange.lab:8200/", Blocked, VaultHost, "userinfo with port");
        yield return Case("http://127.0.0.1%2f@vault.arcodange.lab/", Blocked, VaultHost, "encoded slash in userinfo");
        yield return Case("http://vault.arcodange.lab:8200#@127.0.0.1/", Blocked, VaultHost, "fragment hiding the real host");
        yield return Case("http://%76ault.arcodange.lab/", Blocked, VaultHost, "percent-encoded letter");
        yield return Case("http://vault%2earcodange%2elab/", Blocked, VaultHost, "percent-encoded dots");
        yield return Case("%76ault.arcodange.lab", Blocked, VaultHost, "bare host, percent-encoded");
        yield return Case("http://ｖａｕｌｔ.arcodange.lab/", Blocked, VaultHost, "full-width letters");
        yield return Case("ＶＡＵＬＴ．ＡＲＣＯＤＡＮＧＥ．ＬＡＢ", Blocked, VaultHost, "full-width everything");
        yield return Case("vault。arcodange。lab", Blocked, VaultHost, "ideographic full stops");
        yield return Case("vault.arcodange.la\u00ADb", Blocked, VaultHost, "soft hyphen");
        yield return Case("vault.arco\u200Bdange.lab", Blocked, VaultHost, "zero-width space");
        yield return Case("http://v\u0430ult.arcodange.lab/", Blocked, LabDomain, "Cyrillic look-alike (IDN)");
        yield return Case("http://xn--vult-53d.arcodange.lab/", Blocked, LabDomain, "punycode look-alike");
        yield return Case("http://arcodange.lab/", Blocked, LabDomain, "bare domain of a wildcard");
        yield return Case("http://deep.sub.arcodange.lab/", Blocked, LabDomain, "deep subdomain");
        yield return Case("ws://vault.arcodange.lab/", Blocked, VaultHost, "websocket scheme");
        yield return Case("postgres://prod-db.internal/app", Blocked, "hosts:prod-db.internal", "postgres URL");
        yield return Case("prod-db.internal:5432", Blocked, "hosts:prod-db.internal", "host:port");
        yield return Case("http://notarcodange.lab/", Blocked, GuardRules.DefaultDeny, "suffix that is not a subdomain");
        yield return Case("http://arcodange.lab.evil.test/", Blocked, GuardRules.DefaultDeny, "domain as a prefix");

        // IPv4 in every spelling.
        yield return Case("http://192.168.1.10/", Blocked, LabLan, "LAN address");
        yield return Case("http://3232235777/", Blocked, LabLan, "decimal IPv4");
        yield return Case("http://0300.0250.1.1/", Blocked, LabLan, "octal IPv4");
        yield return Case("http://0xc0a80101/", Blocked, LabLan, "hex IPv4");
        yield return Case("http://0xc0.0xa8.0x01.0x01/", Blocked, LabLan, "dotted hex IPv4");
        yield return Case("http://192.168.257/", Blocked, LabLan, "short IPv4 (a.b.c)");
        yield return Case("3232235777", Blocked, LabLan, "bare decimal IPv4");
        yield return Case("tcp://192.168.1.20:2375", Blocked, LabLan, "docker tcp URL");
        yield return Case("http://10.43.0.10:8200/", Blocked, "addresses:10.43.0.10", "single address");
        yield return Case("http://10.42.7.7/", Blocked, "addresses:10.42.0.0/16", "pod range");
        yield return Case("http://127.0.0.2/", Blocked, Canary, "canary loopback");
        yield return Case("http://127.0.0.2./", Blocked, Canary, "canary with trailing dot");
        yield return Case("http://2130706434/", Blocked, Canary, "canary decimal");
        yield return Case("http://0x7f000002/", Blocked, Canary, "canary hex");
        yield return Case("http://0177.0.0.2/", Blocked, Canary, "canary octal");
        yield return Case("http://0x7f.0x0.0x0.0x2/", Blocked, Canary, "canary dotted hex");
        yield return Case("http://127.000.000.002/", Blocked, Canary, "canary zero-padded");
        yield return Case("http://127.2/", Blocked, Canary, "canary short form");
        yield return Case("127.0.0.2:8200", Blocked, Canary, "canary host:port");

        // IPv6 forms.
        yield return Case("http://[::ffff:192.168.1.5]/", Blocked, LabLan, "IPv4-mapped IPv6");
        yield return Case("http://[::ffff:c0a8:105]/", Blocked, LabLan, "IPv4-mapped IPv6 in hex");
        yield return Case("http://[0:0:0:0:0:ffff:192.168.1.5]/", Blocked, LabLan, "IPv4-mapped IPv6, long form");
        yield return Case("http://[::ffff:127.0.0.2]/", Blocked, Canary, "canary IPv4-mapped");
        yield return Case("http://[::ffff:7f00:2]/", Blocked, Canary, "canary IPv4-mapped hex");
        yield return Case("http://[::192.168.1.5]/", Blocked, LabLan, "IPv4-compatible IPv6");
        yield return Case("http://[64:ff9b::192.168.1.5]/", Blocked, LabLan, "NAT64");
        yield return Case("http://[2002:c0a8:0105::1]/", Blocked, LabLan, "6to4");
        yield return Case("http://[fd00::1]/", Blocked, "addresses:fd00::/8", "ULA");
        yield return Case("http://[fd12:3456::1%25eth0]:8200/", Blocked, "addresses:fd00::/8", "ULA with zone id in URL");
        yield return Case("fd12:3456::1%eth0", Blocked, "addresses:fd00::/8", "bare ULA with zone id");
        yield return Case("[FD00::ABCD]", Blocked, "addresses:fd00::/8", "bracketed upper-case IPv6");

        // Default egress: nothing but loopback and unix sockets unless allowed.
        yield return Case("http://0.0.0.0:8200/", Blocked, GuardRules.DefaultDeny, "unspecified IPv4");
        yield return Case("http://[::]/", Blocked, GuardRules.DefaultDeny, "unspecified IPv6");
        yield return Case("http://8.8.8.8/", Blocked, GuardRules.DefaultDeny, "public address");
        yield return Case("http://10.43.0.11/", Blocked, GuardRules.DefaultDeny, "unlisted private address");
        yield return Case("http://example.com/", Blocked, GuardRules.DefaultDeny, "public name");
        yield return Case("http://[fe80::1%25eth0]/", Blocked, GuardRules.DefaultDeny, "link-local with zone");
        yield return Case("http://192.168.1.77/", Blocked, LabLan, "denylist wins over allow");

        // URL prefixes.
        yield return Case("http://127.0.0.1:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix");
        yield return Case("http://127.0.0.1:8300/v1/%73ys/seal", Blocked, SysUrl, "URL prefix, encoded path");
        yield return Case("http://127.0.0.1:8300/v1/SYS/seal", Blocked, SysUrl, "URL prefix, upper-case path");
        yield return Case("http://127.0.0.1:8300/v1/kv/../sys/seal", Blocked, SysUrl, "URL prefix, dot segments");
        yield return Case("http://127.0.0.1:8300/v1/kv/%2e%2e/sys/seal", Blocked, SysUrl, "URL prefix, encoded dot segments");
        yield return Case("http://127.0.0.1:8300//v1//sys/seal", Blocked, SysUrl, "URL prefix, doubled slashes");
        yield return Case("http://2130706433:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix, decimal host");
        yield return Case("https://gitea.arcodange.lab:443/api/v1/", Blocked, "hosts:gitea.arcodange.lab", "host rule before URL rule");

        // Schemes and garbage.
        yield return Case("ftp://127.0.0.1/", Blocked, GuardRules.UnsupportedScheme, "ftp");
        yield return Case("gopher://127.0.0.1/", Blocked, GuardRules.UnsupportedScheme, "gopher");
        yield return Case("http://vault.arcodange.lab\\@127.0.0.1/", Blocked, GuardRules.InvalidTarget, "backslash confusion");
        yield return Case("http://1.2.3.4.5/", Blocked, GuardRules.InvalidTarget, "five-part number");
        yield return Case("http://vault.arcodange.lab%00.allowed.test/", Blocked, GuardRules.InvalidTarget, "NUL byte");
        yield return Case("not a host at all", Blocked, GuardRules.InvalidTarget, "spaces");
        yield return Case("", Blocked, GuardRules.InvalidTarget, "empty");

        // Kube contexts and files.
        yield return Case("context:arcodange", Blocked, "kubeContexts:arcodange*", "prod context");
        yield return Case("context:arcodange-admin@arcodange", Blocked, "kubeContexts:arcodange*", "prod context variant");
        yield return Case("context:ARCODANGE", Blocked, "kubeContexts:arcodange*", "prod context upper case");
        yield return Case("context:prod", Blocked, "kubeContexts:prod", "exact context");
        yield return Case("file:~/.arcodange/cluster-keys.json", Blocked, KeyFile, "key file");
        yield return Case("file:~/.arcodange/../.arcodange/cluster-keys.json", Blocked, KeyFile, "key file with ..");
        yield return Case("file:~//.arcodange///cluster-keys.json", Blocked, KeyFile, "key file with doubled slashes");
        yield return Case("file:~/.ARCODANGE/Cluster-Keys.json", Blocked, KeyFile, "key file in other case");
        yield return Case("file:~/.arcodange/cluster-keys.json/", Blocked, KeyFile, "key file with trailing slash");
        yield return Case("file:///etc/vault.d/vault.hcl", Blocked, "files:/etc/vault.d/", "file URL into a denied folder");
        yield return Case("file:/etc/vault.d/../vault.d/x", Blocked, "files:/etc/vault.d/", "denied folder with ..");

        // URL prefixes compare addresses: localhost, [::1] and 127.0.0.1 are one loopback.
        yield return Case("http://localhost:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix, localhost for 127.0.0.1");
        yield return Case("http://[::1]:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix, [::1] for 127.0.0.1");
        yield return Case("http://LocalHost.:8300/v1/sys/unseal", Blocked, SysUrl, "URL prefix, odd localhost spelling");
        yield return Case("http://vault.localhost:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix, *.localhost for 127.0.0.1");
        yield return Case("http://[0:0:0:0:0:0:0:1]:8300/v1/sys/seal", Blocked, SysUrl, "URL prefix, long ::1");
        yield return Case("http://localhost:8300/v1/./sys/seal", Blocked, SysUrl, "URL prefix, localhost and a dot segment");

        // UTS #46: what a resolver or a child maps to the production name is the production name.
        yield return Case("http://vault.\u24D0rcodange.lab/", Blocked, VaultHost, "circled letter");
        yield return Case("http://\u24E5\u24D0\u24E4\u24DB\u24E3.arcodange.lab/", Blocked, VaultHost, "circled letters");
        yield return Case("http://\U0001D42F\U0001D41A\U0001D42E\U0001D425\U0001D42D.arcodange.lab/", Blocked, VaultHost, "mathematical bold letters");
        yield return Case("vault.arcodange.\u2112ab", Blocked, VaultHost, "script capital L");
        yield return Case("vault.arcodange\uFF61lab", Blocked, VaultHost, "halfwidth ideographic full stop");
        yield return Case("vault.\u1D2Crcodange.lab", Blocked, VaultHost, "modifier capital A");
        yield return Case("http://vault.arcodange.lab\u3002/", Blocked, VaultHost, "ideographic full stop as the trailing dot");
        yield return Case("gitea.arcodange.l\u24D0b", Blocked, "hosts:gitea.arcodange.lab", "circled a in the TLD");
        yield return Case("\u2474.arcodange.lab", Blocked, GuardRules.InvalidTarget, "parenthesised digit maps to '(1)', no host");

        // Kube contexts: the production context anywhere in a name, as whole segments.
        yield return Case("context:admin@arcodange", Blocked, "kubeContexts:arcodange*", "user@context");
        yield return Case("context:k3s-arcodange-admin", Blocked, "kubeContexts:arcodange*", "context between segments");
        yield return Case("context:cluster/arcodange", Blocked, "kubeContexts:arcodange*", "path-like context");
        yield return Case("context:admin@prod", Blocked, "kubeContexts:prod", "user@prod");
        yield return Case("context:prod-admin", Blocked, "kubeContexts:prod", "prod as the first segment");
        yield return Case("context:a.prod.b", Blocked, "kubeContexts:prod", "prod between dots");
        yield return Case("context:PROD", Blocked, "kubeContexts:prod", "upper case");
        yield return Case("context:myprod", Allowed, GuardRules.NotDenylisted, "prod inside a word is not the production context");
        yield return Case("context:k3d-sbx-product", Allowed, GuardRules.NotDenylisted, "a segment that only starts like prod");

        // Honest targets that must keep working.
        yield return Case("http://127.0.0.1:8200/v1/sys/health", Allowed, GuardRules.Loopback, "loopback");
        yield return Case("http://localhost:8200/", Allowed, GuardRules.Loopback, "localhost");
        yield return Case("http://LOCALHOST./", Allowed, GuardRules.Loopback, "localhost, odd spelling");
        yield return Case("http://[::1]:8200/", Allowed, GuardRules.Loopback, "IPv6 loopback");
        yield return Case("http://127.0.0.1#@vault.arcodange.lab/", Allowed, GuardRules.Loopback, "real host is loopback");
        yield return Case("http://127.0.0.1:8300/v1/kv/data", Allowed, GuardRules.Loopback, "outside the URL prefix");
        yield return Case("unix:///var/run/docker.sock", Allowed, GuardRules.UnixSocket, "unix socket");
        yield return Case("http://build-cache.internal/", Allowed, "allow:build-cache.internal", "allowed name");
        yield return Case("http://BUILD-CACHE.internal./", Allowed, "allow:build-cache.internal", "allowed name, odd spelling");
        yield return Case("http://203.0.113.9/", Allowed, "allow:203.0.113.0/24", "allowed range");
        yield return Case("http://x.allowed.test/", Allowed, "allow:*.allowed.test", "allowed wildcard");
        yield return Case("context:k3d-sandbox-1", Allowed, GuardRules.NotDenylisted, "sandbox context");
        yield return Case("file:/tmp/sandbox-run/cluster-keys.json", Allowed, GuardRules.NotDenylisted, "sandbox key file");
    }

    [TestCaseSource(nameof(Corpus))]
    [CancelAfter(5000)]
    public void CheckTarget_DecidesWithTheExpectedRule(string target, bool allowed, string rule, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var decision = guard.CheckTarget(target, "attack-corpus");

        Assert.Multiple(() =>
        {
            Assert.That(decision.Rule, Is.EqualTo(rule), decision.Detail);
            Assert.That(decision.Allowed, Is.EqualTo(allowed), decision.Detail);
            Assert.That(guard.Audit.Entries, Has.Count.EqualTo(1));
            Assert.That(guard.Audit.Entries[0].Rule, Is.EqualTo(rule));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Corpus_HasAtLeastSixtyHostileInputs(CancellationToken cancellationToken)
    {
        Assert.That(Corpus().Count(c => !(bool)c.Arguments[1]!), Is.GreaterThanOrEqualTo(60));
    }

    [Test]
    [CancelAfter(5000)]
    public void WholeCorpus_TargetsAndCommandLines_HasAtLeastThreeHundredHostileInputs(CancellationToken cancellationToken)
    {
        var targets = Corpus().Count(c => !(bool)c.Arguments[1]!);
        var commandLines = ChildArgumentCorpusTests.Hostile().Count();

        Assert.That(targets + commandLines, Is.GreaterThanOrEqualTo(300), $"{targets} targets + {commandLines} command lines");
    }

    private static TestCaseData Case(string target, bool allowed, string rule, string name) =>
        new TestCaseData(target, allowed, rule).SetName($"{(allowed ? "Allowed" : "Blocked")}: {name}");
}
