namespace Sandbox.Harness.Tofu.Hcl;

/// <summary>A position in an HCL file: 0-based character offset, 1-based line and column.</summary>
internal readonly record struct HclPos(int Offset, int Line, int Column);

/// <summary>A parsed <c>.tf</c> file: its text (for source ranges) and its top-level body.</summary>
internal sealed record HclFile(string Path, string Text, HclBody Body);

/// <summary>A body: attributes and blocks, in file order.</summary>
internal sealed record HclBody(IReadOnlyList<HclAttribute> Attributes, IReadOnlyList<HclBlock> Blocks)
{
    public HclAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    public IEnumerable<HclBlock> BlocksOf(string type) => Blocks.Where(b => b.Type == type);
}

/// <summary><c>name = expression</c>.</summary>
internal sealed record HclAttribute(string Name, HclExpr Expr, HclPos Pos);

/// <summary><c>type "label" ... { body }</c>.</summary>
internal sealed record HclBlock(string Type, IReadOnlyList<string> Labels, HclBody Body, HclPos Pos);

/// <summary>An expression with its source range (<see cref="Start"/> inclusive, <see cref="End"/> exclusive offset).</summary>
internal abstract record HclExpr(HclPos Start, int End);

/// <summary>A number (double), string, bool or null written literally.</summary>
internal sealed record HclLiteral(HclPos Start, int End, object? Value) : HclExpr(Start, End);

/// <summary>A quoted string or heredoc: literal parts (<see cref="HclLiteral"/> strings) and interpolations.</summary>
internal sealed record HclTemplate(HclPos Start, int End, IReadOnlyList<HclExpr> Parts, bool IsHeredoc) : HclExpr(Start, End)
{
    public bool IsLiteral => Parts.All(p => p is HclLiteral { Value: string });
}

/// <summary><c>[a, b]</c>.</summary>
internal sealed record HclTuple(HclPos Start, int End, IReadOnlyList<HclExpr> Items) : HclExpr(Start, End);

/// <summary>One <c>key = value</c> of an object constructor; <see cref="BareKey"/> when the key is a plain identifier.</summary>
internal sealed record HclObjectItem(HclExpr Key, HclExpr Value, string? BareKey);

/// <summary><c>{ k = v, ... }</c>.</summary>
internal sealed record HclObject(HclPos Start, int End, IReadOnlyList<HclObjectItem> Items) : HclExpr(Start, End);

/// <summary>A root name: <c>var</c>, <c>local</c>, <c>each</c>, <c>vault_mount</c>, ...</summary>
internal sealed record HclVariable(HclPos Start, int End, string Name) : HclExpr(Start, End);

/// <summary><c>source.name</c>.</summary>
internal sealed record HclGetAttr(HclPos Start, int End, HclExpr Source, string Name) : HclExpr(Start, End);

/// <summary><c>source[key]</c> (and the legacy <c>source.0</c>).</summary>
internal sealed record HclIndex(HclPos Start, int End, HclExpr Source, HclExpr Key) : HclExpr(Start, End);

/// <summary><c>source[*].a.b</c> or <c>source.*.a</c>: <see cref="Each"/> is applied to every element, read through <see cref="HclSplatItem"/>.</summary>
internal sealed record HclSplat(HclPos Start, int End, HclExpr Source, HclExpr Each) : HclExpr(Start, End);

/// <summary>The current element inside a <see cref="HclSplat"/>.</summary>
internal sealed record HclSplatItem(HclPos Start, int End) : HclExpr(Start, End);

/// <summary><c>name(args...)</c>; <see cref="ExpandLast"/> for <c>f(xs...)</c>.</summary>
internal sealed record HclCall(HclPos Start, int End, string Name, IReadOnlyList<HclExpr> Args, bool ExpandLast) : HclExpr(Start, End);

/// <summary><c>cond ? a : b</c>.</summary>
internal sealed record HclConditional(HclPos Start, int End, HclExpr Condition, HclExpr True, HclExpr False) : HclExpr(Start, End);

/// <summary><c>a op b</c>.</summary>
internal sealed record HclBinary(HclPos Start, int End, string Op, HclExpr Left, HclExpr Right) : HclExpr(Start, End);

/// <summary><c>!a</c> or <c>-a</c>.</summary>
internal sealed record HclUnary(HclPos Start, int End, string Op, HclExpr Operand) : HclExpr(Start, End);

/// <summary><c>( expr )</c>.</summary>
internal sealed record HclParens(HclPos Start, int End, HclExpr Inner) : HclExpr(Start, End);

/// <summary><c>[for k, v in coll : value if cond]</c> or <c>{for k, v in coll : key => value... if cond}</c>.</summary>
internal sealed record HclFor(
    HclPos Start,
    int End,
    string? KeyVar,
    string ValueVar,
    HclExpr Collection,
    HclExpr? KeyExpr,
    HclExpr ValueExpr,
    HclExpr? Condition,
    bool Grouping) : HclExpr(Start, End);
