using System.Diagnostics;
using Microsoft.IdentityModel.JsonWebTokens;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;

namespace Sandbox.Harness.Tests.Identity;

/// <summary>Saving and loading the sandbox issuer's private key (the run folder's <c>jwt-issuer.pem</c>) through the real guard.</summary>
[TestFixture]
public sealed class SandboxJwtIssuerKeyFileTests
{
    private const string Issuer = "https://gitea.arcodange.lab/api/actions";
    private static readonly GiteaActionsClaims AppClaims = new("arcodange/webapp") { Audience = "vault.sandbox" };

    private string _dir = null!;
    private GuardAuditLog _audit = null!;
    private SandboxGuard _guard = null!;
    private string _production = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-issuerkey-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _production = Path.Combine(_dir, "prod", "jwt-issuer.pem");
        _audit = GuardAuditLog.InMemory();
        _guard = new SandboxGuard(Denylist.Parse($"files: [\"{_production}\"]\n", Path.Combine(_dir, "denylist.yaml")), _audit);
    }

    [TearDown]
    public void TearDown()
    {
        _audit.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SavedThenLoaded_MintsTokensThatTheSavedIssuersPublicKeyValidates(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "jwt-issuer.pem");
        using var saved = new SandboxJwtIssuer(Issuer);
        await saved.SaveAsync(path, _guard, cancellationToken);

        using var loaded = await SandboxJwtIssuer.LoadAsync(path, Issuer, _guard, cancellationToken: cancellationToken);
        var token = loaded.MintGiteaToken(AppClaims);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, saved.CreateValidationParameters("vault.sandbox"));

        Assert.Multiple(() =>
        {
            Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
            Assert.That(loaded.PublicKeyPem, Is.EqualTo(saved.PublicKeyPem));
            Assert.That(loaded.KeyId, Is.EqualTo(saved.KeyId));
            Assert.That(loaded.Issuer, Is.EqualTo(Issuer));
        });

        // A fresh issuer's key is a different key: the round trip is what made the token valid.
        using var other = new SandboxJwtIssuer(Issuer);
        var otherResult = await new JsonWebTokenHandler().ValidateTokenAsync(token, other.CreateValidationParameters("vault.sandbox"));
        Assert.That(otherResult.IsValid, Is.False);
    }

    [Test]
    [CancelAfter(20_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task SavedKeyFile_IsMode0600_APkcs8PemBlock_AndReplacedAtomically(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "jwt-issuer.pem");
        using var first = new SandboxJwtIssuer(Issuer);
        using var second = new SandboxJwtIssuer(Issuer);
        await first.SaveAsync(path, _guard, cancellationToken);
        await second.SaveAsync(path, _guard, cancellationToken);

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        using var loaded = await SandboxJwtIssuer.LoadAsync(path, Issuer, _guard, cancellationToken: cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(text, Does.StartWith("-----BEGIN PRIVATE KEY-----"));
            Assert.That(loaded.PublicKeyPem, Is.EqualTo(second.PublicKeyPem));
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file is left behind");
            Assert.That(_audit.Entries.Where(e => e.Target == path).Select(e => e.Allowed), Is.Not.Empty.And.All.True);
        });
    }

    [TestCase("")]
    [TestCase("not a pem file\n")]
    [TestCase("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [TestCase("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n")]
    [CancelAfter(20_000)]
    public async Task CorruptKeyFile_IsAClearErrorNamingTheFile(string content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "jwt-issuer.pem");
        await File.WriteAllTextAsync(path, content, cancellationToken);

        var ex = Assert.ThrowsAsync<IssuerKeyFileException>(() => SandboxJwtIssuer.LoadAsync(path, Issuer, _guard, cancellationToken: cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.FilePath, Is.EqualTo(path));
            Assert.That(ex.Message, Does.Contain(path).And.Contain("not a usable RSA private key").And.Contain("sandbox up"));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.KeyFileError));
        });
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task TruncatedKeyFile_IsRefused_WithoutShowingKeyMaterial(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "jwt-issuer.pem");
        using var issuer = new SandboxJwtIssuer(Issuer);
        await issuer.SaveAsync(path, _guard, cancellationToken);
        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        var cut = lines.Take(lines.Length / 2).Append(lines[^1]).ToArray();
        await File.WriteAllLinesAsync(path, cut, cancellationToken);

        var ex = Assert.ThrowsAsync<IssuerKeyFileException>(() => SandboxJwtIssuer.LoadAsync(path, Issuer, _guard, cancellationToken: cancellationToken));

        Assert.That(ex!.Message, Does.Contain(path));
        foreach (var line in cut.Skip(1).SkipLast(1))
        {
            Assert.That(ex.Message, Does.Not.Contain(line));
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public void MissingKeyFile_SaysSoAndHowToGetOne(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, "jwt-issuer.pem");

        var ex = Assert.ThrowsAsync<IssuerKeyFileException>(() => SandboxJwtIssuer.LoadAsync(path, Issuer, _guard, cancellationToken: cancellationToken));

        Assert.That(ex!.Message, Does.Contain(path).And.Contain("does not exist").And.Contain("--jwt-pubkey"));
    }

    [Test]
    [CancelAfter(20_000)]
    public void DenylistedPath_IsRefusedBeforeItIsOpened(CancellationToken cancellationToken)
    {
        // A FIFO blocks any open() for reading until a writer comes: the test would hang if the guard opened it.
        Directory.CreateDirectory(Path.GetDirectoryName(_production)!);
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [_production]) { UseShellExecute = false })!)
        {
            mkfifo.WaitForExit();
        }

        var load = Assert.ThrowsAsync<GuardBlockedException>(() => SandboxJwtIssuer.LoadAsync(_production, Issuer, _guard, cancellationToken: cancellationToken));
        using var issuer = new SandboxJwtIssuer(Issuer);
        var save = Assert.ThrowsAsync<GuardBlockedException>(() => issuer.SaveAsync(_production, _guard, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(load!.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
            Assert.That(save!.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
            Assert.That(_audit.Entries.Where(e => e.Target == _production).Select(e => e.Allowed), Is.Not.Empty.And.All.False);
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(_production)!), Is.EqualTo(new[] { _production }), "nothing was written next to it");
        });
    }
}
