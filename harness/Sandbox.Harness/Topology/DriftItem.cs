namespace Sandbox.Harness.Topology;

/// <summary>One difference between the topology and the sandbox Vault.</summary>
/// <param name="Kind">Missing, unexpected or different.</param>
/// <param name="Category">What it is: <c>mount</c>, <c>auth</c>, <c>policy</c>, <c>kubernetes role</c>, <c>jwt role</c>, <c>database role</c>, <c>transit key</c>, <c>jwt config</c>.</param>
/// <param name="Name">The Vault path or name, e.g. <c>auth/jwt/role/gitea_cicd_webapp</c>.</param>
/// <param name="Details">For <see cref="DriftKind.Different"/>: one line per differing field (<c>token_ttl: expected 3600, found 7200</c>) or per policy path.</param>
internal sealed record DriftItem(DriftKind Kind, string Category, string Name, IReadOnlyList<string> Details)
{
    /// <summary>The item as readable lines.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var head = $"{Kind.ToString().ToLowerInvariant(),-10} {Category} {Name}";
        return Details.Count == 0 ? head : head + Environment.NewLine + string.Join(Environment.NewLine, Details.Select(d => "             " + d));
    }
}
