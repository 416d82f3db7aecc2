using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>The Vault double's start environment: a 5 s tier-up delay added, a delay already set kept, nothing else changed.</summary>
[TestFixture]
public sealed class VaultDoubleTierUpTests
{
    [Test]
    public void With_AddsTheDelay_AndKeepsEveryOtherVariable()
    {
        var environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin", ["PWD"] = "/run/here" };

        var started = VaultDoubleTierUp.With(environment);

        Assert.That(started, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin",
            ["PWD"] = "/run/here",
            ["DOTNET_TC_CallCountingDelayMs"] = "5000",
        }));
        Assert.That(environment, Does.Not.ContainKey("DOTNET_TC_CallCountingDelayMs"), "the guard's dictionary is not changed");
    }

    [Test]
    public void With_KeepsADelayAlreadySet()
    {
        var environment = new Dictionary<string, string> { ["DOTNET_TC_CallCountingDelayMs"] = "0" };

        Assert.That(VaultDoubleTierUp.With(environment)["DOTNET_TC_CallCountingDelayMs"], Is.EqualTo("0"));
    }
}
