using System.Text;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

/// <summary>
/// Secret-looking values are made up here from fixed patterns inside each test, so that no
/// test name or committed literal is shaped like a token or a key.
/// </summary>
[TestFixture]
public sealed class SecretFilterTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static string Pattern(int length, string alphabet, int step = 7)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(alphabet[(i * step) % alphabet.Length]);
        }

        return text.ToString();
    }

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)((i * 73) + 19))];

    private static string Sample(string kind) => kind switch
    {
        "current-token" => "hv" + "s." + Pattern(90, Alphabet),
        "batch-token" => "hv" + "b." + Pattern(40, Alphabet),
        "legacy-token" => "s" + "." + Pattern(24, Alphabet),
        "hex-key-32" => Convert.ToHexStringLower(Bytes(32)),
        "hex-key-33" => Convert.ToHexString(Bytes(33)),
        "base64-key-32" => Convert.ToBase64String(Bytes(32)),
        "base64-key-33" => Convert.ToBase64String(Bytes(33)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [TestCase("current-token", SecretFilter.TokenMarker)]
    [TestCase("batch-token", SecretFilter.TokenMarker)]
    [TestCase("legacy-token", SecretFilter.TokenMarker)]
    [TestCase("hex-key-32", SecretFilter.KeyMarker)]
    [TestCase("hex-key-33", SecretFilter.KeyMarker)]
    [TestCase("base64-key-32", SecretFilter.KeyMarker)]
    [TestCase("base64-key-33", SecretFilter.KeyMarker)]
    [CancelAfter(5_000)]
    public void Redact_SecretShapedValue_IsReplacedAndCounted(string kind, string marker, CancellationToken cancellationToken)
    {
        var secret = Sample(kind);

        var safe = SecretFilter.Redact($"unsealed with {secret} at last", out var count);

        Assert.Multiple(() =>
        {
            Assert.That(safe, Does.Not.Contain(secret));
            Assert.That(safe, Is.EqualTo($"unsealed with {marker} at last"));
            Assert.That(count, Is.EqualTo(1));
        });
    }

    [TestCase("password=hunter2-and-more", "password=[redacted:password]")]
    [TestCase("PGPASSWORD=abc123 psql -h 127.0.0.1", "PGPASSWORD=[redacted:password] psql -h 127.0.0.1")]
    [TestCase("{\"username\":\"v-app\",\"password\":\"two words\"}", "{\"username\":\"v-app\",\"password\":\"[redacted:password]\"}")]
    [TestCase("db_pwd: s3cr3t", "db_pwd: [redacted:password]")]
    [TestCase("postgres://v-app-x1:Zq9-Lm2@127.0.0.1:5432/app", "postgres://v-app-x1:[redacted:password]@127.0.0.1:5432/app")]
    [CancelAfter(5_000)]
    public void Redact_PasswordPair_KeepsTheNameAndDropsTheValue(string input, string expected, CancellationToken cancellationToken)
    {
        var safe = SecretFilter.Redact(input, out var count);

        Assert.Multiple(() =>
        {
            Assert.That(safe, Is.EqualTo(expected));
            Assert.That(count, Is.EqualTo(1));
        });
    }

    [TestCase("sealed-restart/kill: health answered 503 \"Vault is sealed\"")]
    [TestCase("connection_url=postgresql://{{username}}:{{password}}@127.0.0.1:5432/app")]
    [TestCase("image digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [TestCase("commit 556b106f2d1c4a0e9b1f4e3c2a1b0c9d8e7f6a5b and lease 0e4c1a52-7d0e-4f7e-9a51-5a4c1f0d2b3e")]
    [TestCase("node sandbox-lost-key-a1b2c3d4-control-plane-and-some-more-text-here")]
    [TestCase("settings.ThisIsALongPropertyNameThatGoesOnAndOn")]
    [TestCase("lease postgres/creds/app/Xb3kR9 renewed; password_authentication=scram")]
    [CancelAfter(5_000)]
    public void Redact_OrdinaryText_IsLeftAlone(string text, CancellationToken cancellationToken)
    {
        var safe = SecretFilter.Redact(text, out var count);

        Assert.Multiple(() =>
        {
            Assert.That(safe, Is.EqualTo(text));
            Assert.That(count, Is.Zero);
            Assert.That(SecretFilter.ContainsSecret(text), Is.False);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Redact_IsIdempotent(CancellationToken cancellationToken)
    {
        var once = SecretFilter.Redact($"token {Sample("current-token")} password=x1", out var first);
        var twice = SecretFilter.Redact(once, out var second);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(2));
            Assert.That(twice, Is.EqualTo(once));
            Assert.That(second, Is.Zero);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Timeline_StoresOnlyRedactedTextAndCountsEveryRedaction(CancellationToken cancellationToken)
    {
        var timeline = new ScenarioTimeline(new FakeTimeProvider());
        var token = Sample("current-token");
        var key = Sample("base64-key-32");

        timeline.Step($"logged in, got {token}");
        timeline.Observe("unseal", new Dictionary<string, string> { ["key"] = key, ["progress"] = "1/1" });
        timeline.Mark($"seen {token}");
        var result = timeline.ToResult("lost-key/backup", ScenarioVerdict.Failed, $"unseal with {key} failed");

        var everything = string.Join('\n', result.Events.Select(e => e.Text + string.Join(',', e.Data?.Values ?? []))) + result.FailureMessage;
        Assert.Multiple(() =>
        {
            Assert.That(everything, Does.Not.Contain(token).And.Not.Contain(key));
            Assert.That(result.Events[1].Data!["progress"], Is.EqualTo("1/1"));
            Assert.That(timeline.Redactions, Is.EqualTo(4));
            Assert.That(result.Redactions, Is.EqualTo(4));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task EvidenceWriter_FiltersAHandBuiltResultAgain(CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("sandbox-secret-test-");
        try
        {
            var token = Sample("legacy-token");
            var result = new ScenarioResult(
                "denylist",
                ScenarioVerdict.Failed,
                $"saw {token}",
                DateTimeOffset.UnixEpoch,
                DateTimeOffset.UnixEpoch.AddSeconds(1),
                new Dictionary<string, double>(),
                [new TimelineEvent(DateTimeOffset.UnixEpoch, 0, TimelineEventKind.Note, ScenarioPhase.Setup, $"token {token}")]);

            var path = await new EvidenceWriter(dir.FullName).WriteScenarioAsync(result, cancellationToken);
            var text = await File.ReadAllTextAsync(path, cancellationToken);
            var back = (await EvidencePack.ReadScenariosAsync(dir.FullName, cancellationToken)).Single();

            Assert.Multiple(() =>
            {
                Assert.That(text, Does.Not.Contain(token));
                Assert.That(back.Redactions, Is.EqualTo(2));
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
