namespace Sandbox.Harness.Runtimes.Process;

/// <summary>The Vault the process runtime would run, or why there is none.</summary>
/// <param name="Launch">How to start it, or null.</param>
/// <param name="Problem">What is missing, or null.</param>
internal sealed record VaultLocation(VaultLaunch? Launch, PreflightProblem? Problem);
