using System.Security.Cryptography;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Tests.Support;

namespace Sandbox.Harness.Tests.Keys;

/// <summary>Every bad key file gets its own problem, names the file and the field, and never shows a key.</summary>
[TestFixture]
public sealed class KeyFileValidationTests
{
    private static readonly byte[] Key32 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Key33 = RandomNumberGenerator.GetBytes(33);
    private static readonly string Hex32 = Convert.ToHexStringLower(Key32);
    private static readonly string B6432 = Convert.ToBase64String(Key32);
    private static readonly string Good = KeyFileSamples.VaultCliOutput(Hex32, B6432);

    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-keyval-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Doc(string b64, string hex, int shares = 1, int threshold = 1, string extra = "") =>
        $$"""{"unseal_keys_b64":[{{b64}}],"unseal_keys_hex":[{{hex}}],"unseal_shares":{{shares}},"unseal_threshold":{{threshold}},"recovery_keys_b64":[],"recovery_keys_hex":[],"recovery_keys_shares":0,"recovery_keys_threshold":0,"root_token":"hvs.x"{{extra}}}""";

    private static string Q(string s) => $"\"{s}\"";

    private static IEnumerable<TestCaseData> BadFiles()
    {
        TestCaseData Case(string name, string content, KeyFileProblem problem, string fragment) =>
            new TestCaseData(content, problem, fragment).SetArgDisplayNames(name);

        yield return Case("empty", string.Empty, KeyFileProblem.Empty, "is empty");
        yield return Case("whitespace only", "  \n\t\n", KeyFileProblem.Empty, "is empty");
        yield return Case("truncated in the middle", Good[..(Good.Length / 2)], KeyFileProblem.Truncated, "truncated");
        yield return Case("truncated before the last brace", Good.TrimEnd()[..^1], KeyFileProblem.Truncated, "truncated");
        yield return Case("not JSON (text)", "Unseal Key 1: abc\nInitial Root Token: hvs.x\n", KeyFileProblem.NotJson, "not JSON (line 1");
        yield return Case("not JSON (yaml)", "unseal_keys_b64:\n  - abc\n", KeyFileProblem.NotJson, "not JSON");
        yield return Case("not JSON (broken after a valid start)", "{\"unseal_shares\": 1,, }", KeyFileProblem.NotJson, "not JSON");
        yield return Case("top level is an array", "[1,2]", KeyFileProblem.WrongShape, "top level is a JSON array");
        yield return Case("missing unseal_shares", Doc(Q(B6432), Q(Hex32)).Replace("\"unseal_shares\":1,", string.Empty, StringComparison.Ordinal), KeyFileProblem.WrongShape, "'unseal_shares' is missing");
        yield return Case("unseal_shares is a string", Doc(Q(B6432), Q(Hex32)).Replace("\"unseal_shares\":1", "\"unseal_shares\":\"1\"", StringComparison.Ordinal), KeyFileProblem.WrongShape, "'unseal_shares' is a JSON string");
        yield return Case("unseal_keys_b64 is a string", Doc(Q(B6432), Q(Hex32)).Replace($"[{Q(B6432)}]", Q(B6432), StringComparison.Ordinal), KeyFileProblem.WrongShape, "'unseal_keys_b64' is a JSON string");
        yield return Case("a key is a number", Doc("42", Q(Hex32)), KeyFileProblem.WrongShape, "'unseal_keys_b64'[0] is a JSON number");
        yield return Case("root_token missing", Doc(Q(B6432), Q(Hex32)).Replace(",\"root_token\":\"hvs.x\"", string.Empty, StringComparison.Ordinal), KeyFileProblem.WrongShape, "'root_token' is missing");
        yield return Case("no keys at all", """{"unseal_shares":1,"unseal_threshold":1,"root_token":"x"}""", KeyFileProblem.WrongShape, "neither 'unseal_keys_b64' nor 'unseal_keys_hex'");
        yield return Case("more keys than shares", Doc($"{Q(B6432)},{Q(B6432)}", $"{Q(Hex32)},{Q(Hex32)}"), KeyFileProblem.WrongShape, "holds 2 key(s) but 'unseal_shares' is 1");
        yield return Case("threshold above shares", Doc(Q(B6432), Q(Hex32), 1, 2), KeyFileProblem.WrongShape, "'unseal_threshold' is 2");
        yield return Case("zero shares", Doc(string.Empty, string.Empty, 0, 0), KeyFileProblem.WrongShape, "'unseal_shares' is 0");
        yield return Case("31-byte key with one share", Doc(Q(Convert.ToBase64String(Key32[..31])), Q(Convert.ToHexStringLower(Key32[..31]))), KeyFileProblem.WrongLength, "unseal_keys_b64[0] decodes to 31 bytes");
        yield return Case("33-byte share with one share", Doc(Q(Convert.ToBase64String(Key33)), Q(Convert.ToHexStringLower(Key33))), KeyFileProblem.WrongLength, "decodes to 33 bytes, but a key share is 32 bytes");
        yield return Case("32-byte key among three shares", Doc($"{Q(Convert.ToBase64String(Key33))},{Q(B6432)},{Q(Convert.ToBase64String(Key33))}", $"{Q(Convert.ToHexStringLower(Key33))},{Q(Hex32)},{Q(Convert.ToHexStringLower(Key33))}", 3, 2), KeyFileProblem.WrongLength, "unseal_keys_b64[1] decodes to 32 bytes, but a key share is 33 bytes");
        yield return Case("base64 with bad characters", Doc(Q("!!" + B6432[2..]), Q(Hex32)), KeyFileProblem.WrongEncoding, "unseal_keys_b64[0] is not valid base64");
        yield return Case("base64 without padding", Doc(Q(B6432.TrimEnd('=')), Q(Hex32)), KeyFileProblem.WrongEncoding, "not valid base64");
        yield return Case("hex with a non-hex digit", Doc(Q(B6432), Q("zz" + Hex32[2..])), KeyFileProblem.WrongEncoding, "unseal_keys_hex[0] is not valid hex");
        yield return Case("hex of odd length", Doc(Q(B6432), Q(Hex32[..^1])), KeyFileProblem.WrongEncoding, "not valid hex");
        yield return Case("hex and base64 disagree", Doc(Q(B6432), Q(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)))), KeyFileProblem.Mismatch, "unseal_keys_hex[0] and unseal_keys_b64[0] are different keys");
    }

    [TestCaseSource(nameof(BadFiles))]
    [CancelAfter(10_000)]
    public async Task Read_BadFile_RaisesItsOwnProblem_NamingFileAndField(string content, KeyFileProblem problem, string fragment, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "cluster-keys.json");
        await File.WriteAllTextAsync(path, content, cancellationToken);
        var store = new SandboxKeyStore(new FakeFileGuard());

        var ex = Assert.ThrowsAsync<KeyFileException>(() => store.ReadAsync(path, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Problem, Is.EqualTo(problem));
            Assert.That(ex.FilePath, Is.EqualTo(path));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.KeyFileError));
            Assert.That(ex.Message, Does.Contain(path));
            Assert.That(ex.Message, Does.Contain(fragment));
            Assert.That(ex.Message, Does.Contain("backup").Or.Contain("Fix the field"), "the message says what to do");
            Assert.That(ex.Message, Does.Not.Contain(B6432).And.Not.Contain(Hex32).And.Not.Contain(Hex32[..16]), "no key material in messages");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void Read_MissingFile_IsMissing_WithTheRecoveryHint(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "no-such", "cluster-keys.json");
        var store = new SandboxKeyStore(new FakeFileGuard());

        var ex = Assert.ThrowsAsync<KeyFileException>(() => store.ReadAsync(path, cancellationToken));

        Assert.That(ex!.Problem, Is.EqualTo(KeyFileProblem.Missing));
        Assert.That(ex.Message, Does.Contain(path).And.Contain("does not exist").And.Contain("sandbox up"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_HugeFile_IsRefusedWithoutParsing(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "cluster-keys.json");
        await File.WriteAllBytesAsync(path, new byte[SandboxKeyStore.MaxFileBytes + 1], cancellationToken);
        var store = new SandboxKeyStore(new FakeFileGuard());

        var ex = Assert.ThrowsAsync<KeyFileException>(() => store.ReadAsync(path, cancellationToken));

        Assert.That(ex!.Problem, Is.EqualTo(KeyFileProblem.WrongShape));
        Assert.That(ex.Message, Does.Contain("far more than a key file"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_HexOnlyFile_FillsInBase64(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "cluster-keys.json");
        await File.WriteAllTextAsync(path, $$$"""{"unseal_keys_hex":["{{{Hex32}}}"],"unseal_shares":1,"unseal_threshold":1,"root_token":"t","future_field":{"x":1}}""", cancellationToken);
        var store = new SandboxKeyStore(new FakeFileGuard());

        var keys = await store.ReadAsync(path, cancellationToken);

        Assert.That(keys.UnsealKeysB64.Single(), Is.EqualTo(B6432));
    }
}
