namespace Sandbox.Harness.Guard;

/// <summary>
/// The production guard refused a target. Nothing was sent to it and nothing was opened.
/// </summary>
public sealed class GuardBlockedException : SandboxException
{
    private GuardBlockedException(GuardDecision decision, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Decision = decision;
    }

    /// <summary>The decision that refused the target.</summary>
    public GuardDecision Decision { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.GuardBlocked;

    /// <summary>Builds the exception for a refusing decision.</summary>
    /// <param name="decision">A decision whose <see cref="GuardDecision.Allowed"/> is false.</param>
    /// <param name="caller">Who asked (for example <c>vault-client</c> or <c>k3d-runtime</c>).</param>
    internal static GuardBlockedException Blocked(GuardDecision decision, string caller)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new GuardBlockedException(
            decision,
            $"""
            The production guard blocked '{decision.Target}' (asked by {caller}); rule {decision.Rule}.
            {decision.Detail}
            Nothing was sent to or opened at that target. If it is not production, add it to the 'allow' list of
            your denylist (--denylist FILE or SANDBOX_DENYLIST); denylist entries always win over 'allow'.
            """);
    }

    /// <summary>Builds the exception for a child-process argument or variable the guard refused.</summary>
    /// <param name="decision">The refusing decision for the offending value.</param>
    /// <param name="caller">Who asked to run the process.</param>
    /// <param name="executable">The program that was not started.</param>
    /// <param name="where">Which argument or variable carried the value.</param>
    internal static GuardBlockedException ChildRefused(GuardDecision decision, string caller, string executable, string where)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new GuardBlockedException(
            decision,
            $"""
            The production guard refused to start '{executable}' (asked by {caller}): {where} names '{decision.Target}'; rule {decision.Rule}.
            {decision.Detail}
            The process was not started. Point the command at the sandbox's own endpoints, context and kubeconfig.
            """);
    }
}
