using Sandbox.Harness;

namespace Sandbox.Cli.Drills;

/// <summary>The CLI could not find the checkout (Sandbox.sln) or its scenario suites.</summary>
internal sealed class ScenarioProjectNotFoundException : SandboxException
{
    private ScenarioProjectNotFoundException(string message)
        : base(message)
    {
    }

    public override ExitCode ExitCode => ExitCode.PreflightFailed;

    public static ScenarioProjectNotFoundException NoCheckout(IEnumerable<string> searched) => new(
        $"""
        Could not find the Sandbox checkout (a folder holding Sandbox.sln) above: {string.Join(", ", searched)}.
        'sandbox drill' and 'sandbox chaos' run the scenario suites in scenarios/Sandbox.Scenarios with 'dotnet test',
        so they need the source checkout. Run the command from inside the checkout (for example ./sandbox drill all).
        """);

    public static ScenarioProjectNotFoundException NoProject(string root, string expected) => new(
        $"""
        Found the checkout at {root}, but not the scenario suites at {expected}.
        Restore the folder (git checkout -- scenarios/), or run from a complete checkout.
        """);
}
