namespace Sandbox.Harness.Tofu.Internal;

/// <summary>One instance of a resource, with the attributes the import may read, evaluated.</summary>
/// <param name="Type">The resource type, e.g. <c>vault_policy</c>.</param>
/// <param name="Address">The full address, e.g. <c>module.app["webapp"].vault_policy.runtime</c>.</param>
/// <param name="At">Where the resource block starts (<c>file:line</c>).</param>
/// <param name="ModuleAddress">The module instance holding it (<c>""</c> for the root module).</param>
/// <param name="Attributes">Evaluated attributes (secrets and production endpoints are never evaluated).</param>
/// <param name="Blocks">Nested blocks by type, each evaluated the same way.</param>
/// <param name="NotRead">Attributes deliberately not read: secrets and production endpoints.</param>
internal sealed record TofuResource(
    string Type,
    string Address,
    string At,
    string ModuleAddress,
    SortedDictionary<string, object?> Attributes,
    IReadOnlyDictionary<string, IReadOnlyList<SortedDictionary<string, object?>>> Blocks,
    IReadOnlyList<string> NotRead)
{
    /// <summary>The attribute's line when known, else the block's.</summary>
    public string AtOf(string attribute) => AttributeLines.TryGetValue(attribute, out var at) ? at : At;

    public IReadOnlyDictionary<string, string> AttributeLines { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the evaluator read from a root module and its local modules.</summary>
internal sealed record TofuModel(
    IReadOnlyList<TofuResource> Resources,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Files);
