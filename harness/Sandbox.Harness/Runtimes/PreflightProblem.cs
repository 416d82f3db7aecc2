namespace Sandbox.Harness.Runtimes;

/// <summary>One thing a runtime needs and lacks.</summary>
/// <param name="What">What is missing (a tool, a daemon, an image).</param>
/// <param name="Detail">What was looked at.</param>
/// <param name="HowToGet">How to get it.</param>
internal sealed record PreflightProblem(string What, string Detail, string HowToGet);
