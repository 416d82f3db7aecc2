using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Topology;

/// <summary>How what one role's tokens can do changed between two plans.</summary>
/// <param name="Role">The role path, e.g. <c>auth/kubernetes/role/webapp</c> or <c>auth/jwt/role/gitea_cicd_webapp</c>.</param>
/// <param name="App">The app the role belongs to.</param>
/// <param name="PoliciesBefore">The token policies before (empty when the role is new).</param>
/// <param name="PoliciesAfter">The token policies after (empty when the role is gone).</param>
/// <param name="Diff">The effective capability changes on every probe path.</param>
internal sealed record TokenCapabilityDiff(
    string Role,
    string App,
    IReadOnlyList<string> PoliciesBefore,
    IReadOnlyList<string> PoliciesAfter,
    EffectiveCapabilityDiff Diff);
