using NUnit.Framework;
using Sandbox.Harness;

namespace Sandbox.Harness.Tests;

[TestFixture]
public sealed class ExitCodeTests
{
    [Test]
    [CancelAfter(5_000)]
    public void EveryFailureClass_HasItsOwnNonZeroCode()
    {
        var values = Enum.GetValues<ExitCode>().Select(v => (int)v).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(values, Is.Unique, "two failure classes share an exit code");
            Assert.That(values.Where(v => v == 0), Has.Exactly(1).Items, "only Ok may be 0");
            Assert.That(values, Has.All.InRange(0, 255), "POSIX exit codes are 0..255");
        });
    }
}
