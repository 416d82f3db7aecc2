using Sandbox.Harness.Topology;

namespace Sandbox.Cli.Commands;

/// <summary>The issuer string of the sandbox JWT issuer a command makes or loads.</summary>
internal static class JwtIssuerDefaults
{
    /// <summary>Used when the topology names no <c>bound_issuer</c> (or none is replayed): it can never be production's.</summary>
    public const string Fallback = "https://sandbox.invalid";

    /// <summary>Production's <c>bound_issuer</c>, kept as data, so tokens carry the <c>iss</c> Vault is configured to expect.</summary>
    public static string IssuerOf(TopologySpec? topology) => topology?.Jwt.BoundIssuer ?? Fallback;
}
