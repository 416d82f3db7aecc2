using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// Preflight asks a vault/bao binary what it is and refuses what the process runtime's config does
/// not suit, quoting what the binary said. Fake binaries are small scripts that print a version line.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VaultVersionCheckTests
{
    private string _folder = "";

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("sandbox-vault-version-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private string Fake(string name, string output, int exitCode = 0)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' '{output}'\nexit {exitCode}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static async Task<RuntimePreflight> PreflightAsync(string binary, CancellationToken cancellationToken) =>
        await new ProcessRuntime { PreflightGuard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()) }
            .PreflightAsync(new SandboxOptions { Runtime = RuntimeKind.Process, VaultBinary = binary }, cancellationToken);

    [Test]
    [CancelAfter(30_000)]
    public async Task NotAVault_IsRefused_WithWhatItPrinted(CancellationToken cancellationToken)
    {
        var preflight = await PreflightAsync(Fake("vault", "GNU coreutils 9.1"), cancellationToken);

        var problem = preflight.Problems.Single(p => p.What == "the Vault binary");
        Assert.That(problem.Detail, Does.Contain("is not a Vault").And.Contain("'GNU coreutils 9.1'").And.Contain("from --vault-binary"));
        Assert.That(problem.HowToGet, Does.Contain("HashiCorp Vault 1.14–2.x or OpenBao 2.0–2.6"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task AFailingBinary_IsRefused_WithItsExitCode(CancellationToken cancellationToken)
    {
        var preflight = await PreflightAsync(Fake("vault", "Vault v1.15.0", exitCode: 3), cancellationToken);

        Assert.That(preflight.Problems.Single(p => p.What == "the Vault binary").Detail, Does.Contain("exited 3"));
    }

    [TestCase("vault", "Vault v1.9.4 (sha), built 2022-01-01T00:00:00Z", "older than 1.14.0")]
    [TestCase("vault", "Vault v3.0.1 (sha), built 2027-01-01T00:00:00Z", "a newer major")]
    [TestCase("bao", "OpenBao v2.7.0 (sha), built 2026-10-01T00:00:00Z", "removed the file storage backend")]
    [TestCase("bao", "OpenBao v2.8.1 (sha), built 2027-01-01T00:00:00Z", "removed the file storage backend")]
    [CancelAfter(30_000)]
    public async Task AVaultTheConfigDoesNotSuit_IsRefused_WithTheReason(string name, string line, string reason, CancellationToken cancellationToken)
    {
        var preflight = await PreflightAsync(Fake(name, line), cancellationToken);

        var problem = preflight.Problems.Single(p => p.What == "the Vault binary");
        Assert.That(problem.Detail, Does.Contain(reason).And.Contain($"it reported '{line}'"));
    }

    [TestCase("vault", "Vault v1.21.1 (sha), built 2026-06-01T00:00:00Z")]
    [TestCase("vault", "Vault v1.14.0+ent (sha), built 2023-06-01T00:00:00Z")]
    [TestCase("vault", "Vault v2.0.4 (sha), built 2026-09-01T00:00:00Z")]
    [TestCase("bao", "OpenBao v2.6.2 (sha), built 2026-08-18T00:00:00Z")]
    [CancelAfter(30_000)]
    public async Task ASuitableVault_IsFound_WithWhatItReported(string name, string line, CancellationToken cancellationToken)
    {
        var preflight = await PreflightAsync(Fake(name, line), cancellationToken);

        Assert.That(preflight.Problems.Where(p => p.What == "the Vault binary"), Is.Empty);
        Assert.That(preflight.Found, Has.Some.Contains(line));
    }

    [Test]
    public void Judge_ReadsTheProductFromTheOutput_NotTheFileName()
    {
        var (report, problem) = VaultVersionCheck.Judge("/opt/vault", "PATH", 0, "OpenBao v2.7.1 (abc), built 2026-11-01\n");

        Assert.That(report!.Kind, Is.EqualTo(VaultKind.OpenBao));
        Assert.That(problem!.Detail, Does.Contain("removed the file storage backend"));
    }
}
