using System.Globalization;

namespace Sandbox.Harness.Identity;

/// <summary>
/// The workflow facts a Gitea Actions OIDC token carries. The claim names follow the GitHub Actions
/// token that Gitea's OIDC work mirrors (<c>repository</c>, <c>repository_owner</c>, <c>ref</c>,
/// <c>ref_type</c>, <c>sha</c>, <c>actor</c>, <c>workflow</c>, <c>event_name</c>, <c>run_id</c>, ...).
/// </summary>
/// <param name="Repository">The repository, <c>owner/name</c>, for example <c>arcodange/app</c>.</param>
internal sealed record GiteaActionsClaims(string Repository)
{
    /// <summary>The git ref the workflow runs for. The default value is <c>refs/heads/main</c>.</summary>
    public string Ref { get; init; } = "refs/heads/main";

    /// <summary>The audience. The default value is <c>vault</c>; set it to the role's <c>bound_audiences</c>.</summary>
    public string Audience { get; init; } = "vault";

    /// <summary>The user that triggered the run. The default value is <c>sandbox-ci</c>.</summary>
    public string Actor { get; init; } = "sandbox-ci";

    /// <summary>The workflow name. The default value is <c>deploy</c>.</summary>
    public string Workflow { get; init; } = "deploy";

    /// <summary>The event that triggered the run. The default value is <c>push</c>.</summary>
    public string EventName { get; init; } = "push";

    /// <summary>The commit. The default value is a fixed 40-hex sha.</summary>
    public string Sha { get; init; } = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>The run id. The default value is <c>1</c>.</summary>
    public string RunId { get; init; } = "1";

    /// <summary>The run number. The default value is <c>1</c>.</summary>
    public string RunNumber { get; init; } = "1";

    /// <summary>The run attempt. The default value is <c>1</c>.</summary>
    public string RunAttempt { get; init; } = "1";

    /// <summary>The subject; null builds <c>repo:&lt;owner/name&gt;:ref:&lt;ref&gt;</c>.</summary>
    public string? Subject { get; init; }

    /// <summary>Extra claims, added last (they replace standard ones of the same name).</summary>
    public IReadOnlyDictionary<string, object>? Extra { get; init; }

    /// <summary>The owner part of <see cref="Repository"/>.</summary>
    public string RepositoryOwner => Repository.Split('/', 2)[0];

    /// <summary><c>branch</c> or <c>tag</c>, from <see cref="Ref"/>.</summary>
    public string RefType => Ref.StartsWith("refs/tags/", StringComparison.Ordinal) ? "tag" : "branch";

    /// <summary>The subject actually sent.</summary>
    public string EffectiveSubject => Subject ?? string.Create(CultureInfo.InvariantCulture, $"repo:{Repository}:ref:{Ref}");

    /// <summary>The claim set (without the time claims, <c>iss</c> and <c>jti</c>, which the issuer adds).</summary>
    internal Dictionary<string, object> ToClaims()
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = EffectiveSubject,
            ["aud"] = Audience,
            ["repository"] = Repository,
            ["repository_owner"] = RepositoryOwner,
            ["ref"] = Ref,
            ["ref_type"] = RefType,
            ["sha"] = Sha,
            ["actor"] = Actor,
            ["workflow"] = Workflow,
            ["workflow_ref"] = $"{Repository}/.gitea/workflows/{Workflow}.yml@{Ref}",
            ["job_workflow_ref"] = $"{Repository}/.gitea/workflows/{Workflow}.yml@{Ref}",
            ["repository_visibility"] = "private",
            ["runner_environment"] = "self-hosted",
            ["event_name"] = EventName,
            ["run_id"] = RunId,
            ["run_number"] = RunNumber,
            ["run_attempt"] = RunAttempt,
            ["head_ref"] = string.Empty,
            ["base_ref"] = string.Empty,
        };
        if (Extra is not null)
        {
            foreach (var (name, value) in Extra)
            {
                claims[name] = value;
            }
        }

        return claims;
    }
}
