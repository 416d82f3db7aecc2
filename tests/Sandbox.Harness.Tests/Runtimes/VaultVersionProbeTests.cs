using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>The kind of a Vault comes from what the binary says of itself, never from its file name or a default.</summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VaultVersionProbeTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("sandbox-probe-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase("Vault v1.15.4 (9b61934559ba31150860e618cf18e816cbddc630), built 2023-12-04T17:45:28Z\n", VaultKind.Vault, "1.15.4")]
    [TestCase("OpenBao v2.0.0 (abcdef), built 2024-07-01T00:00:00Z", VaultKind.OpenBao, "2.0.0")]
    [TestCase("Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)\n", VaultKind.Double, "0.1.0")]
    [TestCase("\n  Vault v2.0.4\n", VaultKind.Vault, "2.0.4")]
    [TestCase("usage: something else", VaultKind.Unknown, null)]
    [TestCase("", VaultKind.Unknown, null)]
    [TestCase("HashiCorp Vault", VaultKind.Unknown, null)]
    public void Parse_ReadsTheFirstLine(string output, VaultKind kind, string? version)
    {
        Assert.That(VaultVersionProbe.Parse(output), Is.EqualTo((kind, version)));
    }

    [TestCase("vault-next", "Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)", VaultKind.Double)]
    [TestCase("vault", "Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)", VaultKind.Double)]
    [TestCase("bao", "Vault v1.15.4 (sha), built 2023-12-04T17:45:28Z", VaultKind.Vault)]
    [TestCase("vault", "not a vault at all", VaultKind.Unknown)]
    [CancelAfter(60_000)]
    public async Task Probe_TakesTheKindFromTheBinarysAnswer_NotItsName(string fileName, string says, VaultKind expected, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(_dir, fileName);
        await File.WriteAllTextAsync(binary, $"#!/bin/sh\n[ \"$1\" = version ] && echo '{says}' && exit 0\nexit 2\n", cancellationToken);
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var audit = GuardAuditLog.InMemory();

        var (kind, _) = await VaultVersionProbe.ProbeAsync(new VaultLaunch(VaultKind.Unknown, binary, [], binary), new SandboxGuard(Denylist.BuiltIn, audit), cancellationToken);

        Assert.That(kind, Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Probe_OfABinaryThatFails_IsUnknown(CancellationToken cancellationToken)
    {
        var binary = Path.Combine(_dir, "vault");
        await File.WriteAllTextAsync(binary, "#!/bin/sh\necho 'Vault v1.15.4'\nexit 3\n", cancellationToken);
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var audit = GuardAuditLog.InMemory();

        var (kind, version) = await VaultVersionProbe.ProbeAsync(new VaultLaunch(VaultKind.Unknown, binary, [], binary), new SandboxGuard(Denylist.BuiltIn, audit), cancellationToken);

        Assert.That((kind, version), Is.EqualTo((VaultKind.Unknown, (string?)null)));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Ask_RunsTheBinaryOncePerVersionOnDisk_AndAgainWhenItIsReplaced(CancellationToken cancellationToken)
    {
        var binary = Path.Combine(_dir, "vault");
        var calls = Path.Combine(_dir, "calls");
        await File.WriteAllTextAsync(binary, $"#!/bin/sh\necho x >> '{calls}'\necho 'Vault v1.15.4'\n", cancellationToken);
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.BuiltIn, audit);
        var launch = new VaultLaunch(VaultKind.Unknown, binary, [], binary);

        var first = await VaultVersionProbe.ProbeAsync(launch, guard, cancellationToken);
        var (report, problem) = await VaultVersionCheck.CheckAsync(guard, binary, "PATH", cancellationToken);
        var callsBefore = (await File.ReadAllLinesAsync(calls, cancellationToken)).Length;
        await File.WriteAllTextAsync(binary, $"#!/bin/sh\necho x >> '{calls}'\necho 'OpenBao v2.6.2 (sha), built 2026-08-18T00:00:00Z'\n", cancellationToken);
        File.SetLastWriteTimeUtc(binary, File.GetLastWriteTimeUtc(binary).AddSeconds(1));
        var replaced = await VaultVersionProbe.ProbeAsync(launch, guard, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo((VaultKind.Vault, (string?)"1.15.4")));
            Assert.That((report?.Kind, problem), Is.EqualTo(((VaultKind?)VaultKind.Vault, (PreflightProblem?)null)));
            Assert.That(callsBefore, Is.EqualTo(1), "the probe and the preflight check share one run of 'version'");
            Assert.That(replaced, Is.EqualTo((VaultKind.OpenBao, (string?)"2.6.2")), "a binary replaced in place is asked again");
            Assert.That(File.ReadAllLines(calls), Has.Length.EqualTo(2));
        });
    }

    [Test]
    public void State_OfASandboxWhoseVaultNeverStarted_SaysUnknown_NotHashiCorpVault()
    {
        var state = new SandboxState { Name = "early", VaultKind = string.Empty, VaultSource = string.Empty };

        var flavor = state.VaultFlavor();

        Assert.Multiple(() =>
        {
            Assert.That(flavor.Kind, Is.EqualTo(VaultKind.Unknown));
            Assert.That(flavor.KindName, Is.EqualTo("unknown"));
            Assert.That(flavor.Describe(), Does.Not.Contain("HashiCorp Vault").And.Contain("never started"));
        });
    }

    [Test]
    public void ReportDescription_OfAnUnknownVault_NeverClaimsHashiCorpVault()
    {
        var info = new global::Sandbox.Harness.Reporting.VaultInfo(global::Sandbox.Harness.Reporting.VaultKind.Unknown, null);

        Assert.That(info.Describe(), Does.Contain("unknown kind").And.Contain("NOT known to be HashiCorp Vault"));
    }
}
