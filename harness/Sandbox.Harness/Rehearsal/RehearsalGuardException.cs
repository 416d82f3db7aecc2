using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A change names an endpoint (or a Vault image registry) that the production guard refuses.
/// Raised while the change is validated, before any sandbox exists or anything is applied.
/// </summary>
internal sealed class RehearsalGuardException : SandboxException
{
    private RehearsalGuardException(string message, RehearsalEndpoint endpoint, GuardDecision decision)
        : base(message)
    {
        Endpoint = endpoint;
        Decision = decision;
    }

    /// <summary>The refused value and where it was written.</summary>
    public RehearsalEndpoint Endpoint { get; }

    /// <summary>The guard's decision (rule and detail).</summary>
    public GuardDecision Decision { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.GuardBlocked;

    internal static RehearsalGuardException Refused(RehearsalEndpoint endpoint, GuardDecision decision)
    {
        var shown = SecretFilter.Redact(endpoint.Value, out _);
        return new RehearsalGuardException(
            $"{endpoint.Location}: {endpoint.Key} ({endpoint.VaultField}) \"{shown}\" is refused by the production guard (rule {decision.Rule}): {decision.Detail}"
            + Environment.NewLine + "Fix: point it at a sandbox endpoint (loopback), or leave it out: rehearse fills it from the running sandbox."
            + Environment.NewLine + "Nothing was applied: no sandbox was created and no Vault was changed.",
            endpoint,
            decision);
    }
}
