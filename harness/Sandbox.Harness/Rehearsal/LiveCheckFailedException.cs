namespace Sandbox.Harness.Rehearsal;

/// <summary>A live check of rehearse saw Vault or PostgreSQL behave against the expectation; it becomes a failed scenario, never a crash.</summary>
internal sealed class LiveCheckFailedException : SandboxException
{
    /// <summary>Creates the failure with a sentence naming what was seen.</summary>
    /// <param name="message">What was expected and what happened.</param>
    public LiveCheckFailedException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.ScenarioFailed;
}
