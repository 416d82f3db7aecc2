namespace Sandbox.Harness.Policies.Internal;

/// <summary>A parsed value of the HCL (or JSON) policy subset, with its 1-based position.</summary>
internal abstract record HclNode(int Line, int Column)
{
    public abstract string Describe { get; }
}

/// <summary>A string, number or bool.</summary>
internal sealed record HclScalar(object Value, int Line, int Column) : HclNode(Line, Column)
{
    public override string Describe => Value switch
    {
        string => "a string",
        bool => "a bool",
        _ => "a number",
    };
}

/// <summary>A list <c>[a, b]</c>.</summary>
internal sealed record HclList(IReadOnlyList<HclNode> Items, int Line, int Column) : HclNode(Line, Column)
{
    public override string Describe => "a list";
}

/// <summary>An object or block body; keys may repeat (HCL blocks), order is kept.</summary>
internal sealed record HclObject(IReadOnlyList<HclItem> Items, int Line, int Column) : HclNode(Line, Column)
{
    public override string Describe => "an object";
}

/// <summary>One <c>key = value</c> or <c>key "label" { ... }</c> entry.</summary>
internal sealed record HclItem(string Key, HclNode Value, int Line, int Column);
