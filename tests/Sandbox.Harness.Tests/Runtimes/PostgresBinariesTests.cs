using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

[TestFixture]
public sealed class PostgresBinariesTests
{
    private string _root = null!;

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("sbx-pgbin-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private string FakeBin(string folder)
    {
        var bin = Path.Combine(_root, folder);
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "initdb"), string.Empty);
        File.WriteAllText(Path.Combine(bin, "pg_ctl"), string.Empty);
        return bin;
    }

    [Test]
    [CancelAfter(5_000)]
    public void Find_PicksTheNewestMajorVersion(CancellationToken cancellationToken)
    {
        FakeBin("lib/13/bin");
        var newest = FakeBin("lib/16/bin");
        FakeBin("lib/9/bin");
        Assert.That(PostgresServer.FindBinDirectory(null, Path.Combine(_root, "lib")), Is.EqualTo(newest));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Find_PrefersPath(CancellationToken cancellationToken)
    {
        FakeBin("lib/16/bin");
        var onPath = FakeBin("custom");
        Assert.That(PostgresServer.FindBinDirectory("/nonexistent:" + onPath, Path.Combine(_root, "lib")), Is.EqualTo(onPath));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Find_WithNoBinaries_IsAPreflightFailureNamingWhereItLooked(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PostgresServerException>(() => PostgresServer.FindBinDirectory("/nonexistent", Path.Combine(_root, "none")));
        Assert.That(ex!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
        Assert.That(ex.Message, Does.Contain(Path.Combine(_root, "none")).And.Contain("initdb").And.Contain("apt-get install"));
    }
}
