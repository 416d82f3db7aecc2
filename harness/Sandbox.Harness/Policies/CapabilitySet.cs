using System.Collections.Immutable;

namespace Sandbox.Harness.Policies;

/// <summary>
/// An immutable set of <see cref="Capability"/> values, compared by value. Its text form lists
/// the capability names in alphabetical order, which is also the canonical order of a
/// normalised policy.
/// </summary>
/// <param name="Flags">The capabilities in the set.</param>
internal readonly record struct CapabilitySet(Capability Flags)
{
    private static readonly ImmutableArray<(Capability Flag, string Name)> NamesInOrder =
    [
        (Capability.Create, "create"),
        (Capability.Delete, "delete"),
        (Capability.Deny, "deny"),
        (Capability.List, "list"),
        (Capability.Patch, "patch"),
        (Capability.Read, "read"),
        (Capability.Recover, "recover"),
        (Capability.Scan, "scan"),
        (Capability.Subscribe, "subscribe"),
        (Capability.Sudo, "sudo"),
        (Capability.Update, "update"),
    ];

    /// <summary>The empty set.</summary>
    public static CapabilitySet Empty => default;

    /// <summary>Every capability a root token has: all of them except <c>deny</c>.</summary>
    public static CapabilitySet All => new(
        Capability.Create | Capability.Read | Capability.Update | Capability.Patch |
        Capability.Delete | Capability.List | Capability.Sudo | Capability.Scan |
        Capability.Recover | Capability.Subscribe);

    /// <summary>
    /// The capability names accepted in a policy: the spec's eight, OpenBao's <c>scan</c>, and
    /// recent Vault's <c>recover</c> and <c>subscribe</c>, so that a production policy using them parses.
    /// </summary>
    public static IReadOnlyList<string> ValidNames { get; } =
        ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "scan", "recover", "subscribe"];

    /// <summary>True when the set holds no capability.</summary>
    public bool IsEmpty => Flags == Capability.None;

    /// <summary>True when the set holds <c>deny</c>, which refuses every operation.</summary>
    public bool IsDeny => (Flags & Capability.Deny) != 0;

    /// <summary>The capability names in canonical (alphabetical) order.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var flags = Flags;
            return NamesInOrder.Where(n => (flags & n.Flag) != 0).Select(n => n.Name).ToArray();
        }
    }

    /// <summary>Creates a set from capabilities.</summary>
    /// <param name="capabilities">The capabilities; duplicates are ignored.</param>
    /// <returns>The set.</returns>
    public static CapabilitySet Of(params Capability[] capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var flags = Capability.None;
        foreach (var c in capabilities)
        {
            flags |= c;
        }

        return new CapabilitySet(flags);
    }

    /// <summary>Parses one capability name as written in a policy (lower case).</summary>
    /// <param name="name">The name, e.g. <c>read</c>.</param>
    /// <param name="capability">The capability when the name is valid.</param>
    /// <returns>True when the name is a capability Vault or OpenBao accepts.</returns>
    public static bool TryParseName(string name, out Capability capability)
    {
        foreach (var (flag, n) in NamesInOrder)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                capability = flag;
                return true;
            }
        }

        capability = Capability.None;
        return false;
    }

    /// <summary>Parses capability names; throws <see cref="ArgumentException"/> on an unknown one.</summary>
    /// <param name="names">Names such as <c>read</c>, <c>list</c>.</param>
    /// <returns>The set.</returns>
    public static CapabilitySet Parse(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var flags = Capability.None;
        foreach (var name in names)
        {
            if (!TryParseName(name, out var c))
            {
                throw new ArgumentException($"invalid capability \"{name}\"", nameof(names));
            }

            flags |= c;
        }

        return new CapabilitySet(flags);
    }

    /// <summary>True when every capability in <paramref name="capability"/> is in the set.</summary>
    /// <param name="capability">One or more capabilities.</param>
    /// <returns>Whether the set contains them all.</returns>
    public bool Contains(Capability capability) => (Flags & capability) == capability;

    /// <summary>The union of two sets (no deny rule applied; see <see cref="Merge"/>).</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The union.</returns>
    public CapabilitySet Union(CapabilitySet other) => new(Flags | other.Flags);

    /// <summary>The capabilities of this set that <paramref name="other"/> lacks.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The difference.</returns>
    public CapabilitySet Except(CapabilitySet other) => new(Flags & ~other.Flags);

    /// <summary>
    /// Merges two rules for the same path string the way Vault does: capabilities are united,
    /// and a <c>deny</c> on either side replaces everything with <c>deny</c> alone.
    /// </summary>
    /// <param name="other">The other rule's capabilities.</param>
    /// <returns>The merged set.</returns>
    public CapabilitySet Merge(CapabilitySet other) =>
        IsDeny || other.IsDeny ? new CapabilitySet(Capability.Deny) : Union(other);

    /// <summary>
    /// The list that Vault's <c>sys/capabilities</c> would answer for this set: the names, or
    /// <c>["deny"]</c> when the set is empty or holds <c>deny</c>.
    /// </summary>
    /// <returns>The names as Vault reports them.</returns>
    public IReadOnlyList<string> ToVaultList() => IsEmpty || IsDeny ? ["deny"] : Names;

    /// <summary>The names in canonical order, e.g. <c>[list, read]</c>.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => "[" + string.Join(", ", Names) + "]";
}
