using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Replay;

/// <summary>
/// The config guard refused a value that the sandbox Vault would dial itself
/// (<c>connection_url</c>, <c>kubernetes_host</c>, <c>jwks_url</c>, <c>oidc_discovery_url</c>): it
/// names production, or anything but an endpoint the sandbox runs. Replay checks every such value before its first write, so when this
/// is thrown nothing was written.
/// </summary>
internal sealed class ReplayConfigGuardException : SandboxException
{
    private ReplayConfigGuardException(string key, string source, GuardDecision decision, string message)
        : base(message)
    {
        Key = key;
        TopologySource = source;
        Decision = decision;
    }

    /// <summary>The Vault config key, e.g. <c>postgres/config/postgres connection_url</c>.</summary>
    public string Key { get; }

    /// <summary>Where the value belongs in the topology (section, and file:line when known).</summary>
    public string TopologySource { get; }

    /// <summary>The guard's decision (target, rule, detail).</summary>
    public GuardDecision Decision { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.GuardBlocked;

    /// <summary>A refused value.</summary>
    /// <param name="key">The Vault config key.</param>
    /// <param name="shownValue">The value with any userinfo and password removed.</param>
    /// <param name="source">The topology section and file (and line when known).</param>
    /// <param name="decision">The guard's block decision: its target is the host (or parameter) that decided, its detail says why and the fix.</param>
    /// <returns>The exception.</returns>
    public static ReplayConfigGuardException Refused(string key, string shownValue, string source, GuardDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new ReplayConfigGuardException(key, source, decision,
            $"""
            Config guard: {key} = '{shownValue}' would make the sandbox Vault connect to '{decision.Target}'; refused by rule {decision.Rule}.
            {decision.Detail}
            Topology: {source}.
            Nothing was written to the sandbox Vault.
            """);
    }

    /// <summary>A value that is not an absolute URL, so the guard cannot tell where it points.</summary>
    /// <param name="key">The Vault config key.</param>
    /// <param name="source">The topology section and file.</param>
    /// <returns>The exception.</returns>
    public static ReplayConfigGuardException NotAUrl(string key, string source) =>
        new(key, source, GuardDecision.Block(key, "config-guard:not-a-url", "not an absolute URL"),
            $"""
            Config guard: {key} is not an absolute URL (scheme://host[:port]/...), so where the sandbox Vault would connect cannot be checked.
            Topology: {source}.
            Nothing was written to the sandbox Vault. Give a full URL such as http://127.0.0.1:6443.
            """);
}
