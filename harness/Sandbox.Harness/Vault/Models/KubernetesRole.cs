namespace Sandbox.Harness.Vault.Models;

/// <summary>A Kubernetes auth role (<c>auth/&lt;mount&gt;/role/:name</c>), written and read back. Null properties are not sent.</summary>
internal sealed record KubernetesRole
{
    /// <summary>Service-account names allowed to log in (globs allowed); required.</summary>
    public IReadOnlyList<string>? BoundServiceAccountNames { get; init; }

    /// <summary>Namespaces allowed to log in; required.</summary>
    public IReadOnlyList<string>? BoundServiceAccountNamespaces { get; init; }

    /// <summary>An audience the service-account JWT must carry.</summary>
    public string? Audience { get; init; }

    /// <summary><c>serviceaccount_uid</c> (default) or <c>serviceaccount_name</c>.</summary>
    public string? AliasNameSource { get; init; }

    /// <summary>Policies of tokens issued by this role.</summary>
    public IReadOnlyList<string>? TokenPolicies { get; init; }

    /// <summary>TTL of issued tokens.</summary>
    public TimeSpan? TokenTtl { get; init; }

    /// <summary>Max TTL of issued tokens.</summary>
    public TimeSpan? TokenMaxTtl { get; init; }
}
