using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// Which of the checkout's outputs of the Vault double the process runtime runs: the ReadyToRun
/// composite (<c>scripts/publish-vault-double.sh</c>, <c>bin/composite</c>) or a plain build
/// (<c>bin/Release/net10.0</c>, <c>bin/Debug/net10.0</c>), whichever is newest.
/// </summary>
[TestFixture]
public sealed class VaultBinaryLocatorTests
{
    private static readonly DateTime Then = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("sandbox-locator-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public void NothingBuilt_FindsNothing() =>
        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.Null);

    [Test]
    public void TheCompositePublishedAfterTheBuild_IsTheOneThatRuns()
    {
        Output("Release/net10.0", double_: Then, library: Then);
        var composite = Output("composite", double_: Then.AddMinutes(3), library: Then.AddMinutes(3));

        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.EqualTo(composite));
    }

    [Test]
    public void ABuildAfterTheComposite_WinsOverIt_SoAnEditIsNeverRunStale()
    {
        Output("composite", double_: Then, library: Then);
        var release = Output("Release/net10.0", double_: Then.AddMinutes(1), library: Then.AddMinutes(1));

        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.EqualTo(release));
    }

    [Test]
    public void ABuildThatChangedTheLibraryOnly_WinsOverTheComposite()
    {
        // A change to Sandbox.Harness alone: the build copies a new Sandbox.Harness.dll next to the
        // double and may keep the double's own assembly as it was.
        Output("composite", double_: Then.AddMinutes(2), library: Then.AddMinutes(2));
        var release = Output("Release/net10.0", double_: Then, library: Then.AddMinutes(5));

        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.EqualTo(release));
    }

    [Test]
    public void OutputsOfTheSameAge_TheCompositeRuns()
    {
        Output("Debug/net10.0", double_: Then, library: Then);
        Output("Release/net10.0", double_: Then, library: Then);
        var composite = Output("composite", double_: Then, library: Then);

        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.EqualTo(composite));
    }

    [Test]
    public void AFolderWithoutTheDoublesAssembly_IsNotAnOutput()
    {
        var release = Output("Release/net10.0", double_: Then, library: Then);
        var half = Path.Combine(_root, "fixtures", "Sandbox.VaultDouble", "bin", "composite");
        Directory.CreateDirectory(half);
        File.WriteAllText(Path.Combine(half, "Sandbox.Harness.dll"), "library only");

        Assert.That(VaultBinaryLocator.NewestDoubleOutput(_root), Is.EqualTo(release));
    }

    private string Output(string folder, DateTime double_, DateTime library)
    {
        var dir = Path.Combine([_root, "fixtures", "Sandbox.VaultDouble", "bin", .. folder.Split('/')]);
        Directory.CreateDirectory(dir);
        var dll = Path.Combine(dir, "Sandbox.VaultDouble.dll");
        File.WriteAllText(dll, "double");
        File.SetLastWriteTimeUtc(dll, double_);
        var harness = Path.Combine(dir, "Sandbox.Harness.dll");
        File.WriteAllText(harness, "library");
        File.SetLastWriteTimeUtc(harness, library);
        return dll;
    }
}
