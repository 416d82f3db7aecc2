namespace Sandbox.Harness.Replay;

/// <summary>What replay did to one name.</summary>
/// <param name="Category">What it is: <c>mount</c>, <c>auth</c>, <c>policy</c>, <c>kubernetes config</c>, <c>kubernetes role</c>, <c>jwt config</c>, <c>jwt role</c>, <c>postgres role</c>, <c>database connection</c>, <c>database role</c>, <c>transit key</c>, <c>seed</c>.</param>
/// <param name="Name">The Vault path or name, e.g. <c>auth/jwt/role/gitea_cicd_webapp</c>.</param>
/// <param name="Kind">Created, updated, unchanged, kept or skipped.</param>
/// <param name="Detail">Why (for updated: which fields differed; for kept and skipped: the reason), or empty. Never a secret.</param>
internal sealed record ReplayChange(string Category, string Name, ReplayChangeKind Kind, string Detail = "")
{
    /// <summary>True when replay wrote something.</summary>
    public bool IsWrite => Kind is ReplayChangeKind.Created or ReplayChangeKind.Updated;

    /// <summary>One readable line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"{Kind.ToString().ToLowerInvariant(),-9} {Category} {Name}{(Detail.Length == 0 ? "" : " (" + Detail + ")")}";
}
