using System.Collections.Frozen;

namespace Sandbox.Harness.Faults;

/// <summary>
/// Names, parameter ranges and the destructive flag of every <see cref="FaultKind"/>, in one place.
/// </summary>
internal static class FaultCatalog
{
    private static readonly FrozenDictionary<FaultKind, string> Names = new Dictionary<FaultKind, string>
    {
        [FaultKind.RestartVaultGraceful] = "restart-vault-graceful",
        [FaultKind.RestartVaultKill] = "restart-vault-kill",
        [FaultKind.Seal] = "seal",
        [FaultKind.StopPostgres] = "stop-postgres",
        [FaultKind.ShortLeaseTtl] = "short-lease-ttl",
        [FaultKind.CorruptKeyFile] = "corrupt-key-file",
        [FaultKind.DeleteKeyFile] = "delete-key-file",
        [FaultKind.WipeStorage] = "wipe-storage",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, FaultKind> ByName = Names.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    private static readonly FrozenDictionary<KeyCorruption, string> CorruptionNames = new Dictionary<KeyCorruption, string>
    {
        [KeyCorruption.Truncate] = "truncate",
        [KeyCorruption.Garbage] = "garbage",
        [KeyCorruption.FlipBit] = "flip-bit",
    }.ToFrozenDictionary();

    /// <summary>Every fault, in enum order.</summary>
    public static IReadOnlyList<FaultKind> All { get; } = Enum.GetValues<FaultKind>();

    /// <summary>
    /// The faults a chaos run uses when none are named: every fault that is not destructive.
    /// Deleting or corrupting the key file and wiping storage lose data by design, so a run
    /// must ask for them explicitly.
    /// </summary>
    public static IReadOnlyList<FaultKind> Default { get; } = [.. All.Where(f => !IsDestructive(f))];

    /// <summary>Whether <paramref name="fault"/> destroys the key or the data (delete/corrupt key file, wipe storage).</summary>
    /// <param name="fault">The fault.</param>
    /// <returns><see langword="true"/> for destructive faults.</returns>
    public static bool IsDestructive(FaultKind fault) =>
        fault is FaultKind.DeleteKeyFile or FaultKind.CorruptKeyFile or FaultKind.WipeStorage;

    /// <summary>The printed name, e.g. <c>restart-vault-kill</c>.</summary>
    /// <param name="fault">The fault.</param>
    /// <returns>The name.</returns>
    public static string NameOf(FaultKind fault) => Names[fault];

    /// <summary>The printed name of a key corruption, e.g. <c>flip-bit</c>.</summary>
    /// <param name="corruption">The corruption.</param>
    /// <returns>The name.</returns>
    public static string NameOf(KeyCorruption corruption) => CorruptionNames[corruption];

    /// <summary>Looks up a fault by its printed name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="fault">The fault when found.</param>
    /// <returns><see langword="true"/> when the name is known.</returns>
    public static bool TryParse(string name, out FaultKind fault) => ByName.TryGetValue(name, out fault);

    /// <summary>Looks up a key corruption by its printed name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="corruption">The corruption when found.</param>
    /// <returns><see langword="true"/> when the name is known.</returns>
    public static bool TryParse(string name, out KeyCorruption corruption)
    {
        foreach (var (value, printed) in CorruptionNames)
        {
            if (printed == name)
            {
                corruption = value;
                return true;
            }
        }

        corruption = default;
        return false;
    }

    /// <summary>
    /// The inclusive range of a round's hold seconds for <paramref name="fault"/>: how long Vault
    /// stays down or sealed, PostgreSQL stays stopped, or the short lease TTL lasts.
    /// </summary>
    /// <param name="fault">The fault.</param>
    /// <returns>The range in seconds.</returns>
    public static (int Min, int Max) HoldSecondsRange(FaultKind fault) => fault switch
    {
        FaultKind.RestartVaultGraceful or FaultKind.RestartVaultKill => (0, 5),
        FaultKind.Seal or FaultKind.StopPostgres => (1, 10),
        FaultKind.ShortLeaseTtl => (2, 10),
        _ => (0, 3),
    };

    /// <summary>The inclusive range of the steady-state wait before each round's fault, in seconds: 0 to 5.</summary>
    public static (int Min, int Max) WaitSecondsRange { get; } = (0, 5);

    /// <summary>The printed names of every fault, comma-separated, for error messages and help text.</summary>
    public static string Known => string.Join(", ", All.Select(NameOf));
}
