using NUnit.Framework;

namespace Sandbox.Tests.Shared;

/// <summary>
/// Gates a test on something the machine may lack (a tool, a daemon, an image). On a
/// developer machine the test is ignored with the reason; under <c>CI=true</c>, where
/// <c>.ci/run</c> is expected to provide it, the test fails instead, so CI never skips silently.
/// </summary>
internal static class Requires
{
    /// <summary>True when running under CI (<c>CI=true</c>).</summary>
    public static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Ignores (developer) or fails (CI) the current test unless <paramref name="available"/>.</summary>
    /// <param name="available">Whether the requirement is met.</param>
    /// <param name="what">What is needed, e.g. "strace" or "a Docker daemon".</param>
    /// <param name="howToGet">How to provide it, e.g. "apt-get install -y strace".</param>
    public static void That(bool available, string what, string howToGet)
    {
        if (available)
        {
            return;
        }

        var message = $"This test needs {what}, which this machine lacks. To run it: {howToGet}.";
        if (InCi)
        {
            Assert.Fail($"{message} CI was expected to provide it (scripts/setup-machine.sh).");
        }

        Assert.Ignore(message);
    }

    /// <summary>
    /// The folder of upstream contracts (schemas, CRDs) beside the checkout, <c>../shared/upstream/[sub]</c>.
    /// Where it is absent the test is inconclusive (nothing was checked); under <c>CI=true</c> it fails,
    /// since CI must provide it.
    /// </summary>
    /// <param name="checkout">The checkout's root.</param>
    /// <param name="subfolder">A folder inside it, or empty for the whole of it.</param>
    /// <param name="what">What the folder holds, for the message.</param>
    /// <returns>The folder's full path.</returns>
    public static string Upstream(string checkout, string subfolder, string what)
    {
        var folder = Path.GetFullPath(Path.Combine(checkout, "..", "shared", "upstream", subfolder));
        if (!Directory.Exists(folder))
        {
            var message = $"{what} are not beside the checkout ({folder})";
            if (InCi)
            {
                Assert.Fail(message + "; CI must provide them.");
            }

            Assert.Inconclusive(message + ".");
        }

        return folder;
    }

    /// <summary>Gates on an executable found on PATH or at an absolute path.</summary>
    public static void Tool(string name, string howToGet)
    {
        var found = Path.IsPathRooted(name)
            ? File.Exists(name)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, name)));
        That(found, $"'{name}'", howToGet);
    }
}
