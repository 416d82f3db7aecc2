namespace Sandbox.Harness.Replay;

/// <summary>
/// The sandbox Vault holds something under a topology name that replay will not overwrite
/// because doing so would destroy data (a mount or transit key of another type).
/// </summary>
internal sealed class ReplayException : SandboxException
{
    private ReplayException(string name, string message)
        : base(message)
    {
        Name = name;
    }

    /// <summary>The Vault path at fault.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.Drift;

    /// <summary>A mount (or auth method) exists with another type or kv version.</summary>
    /// <param name="what">"mount" or "auth method".</param>
    /// <param name="path">The path, e.g. <c>kvv2/</c>.</param>
    /// <param name="expected">The topology's type, e.g. <c>kv v2</c>.</param>
    /// <param name="found">The sandbox's, e.g. <c>kv v1</c>.</param>
    /// <param name="source">Where the topology names it.</param>
    /// <returns>The exception.</returns>
    public static ReplayException TypeConflict(string what, string path, string expected, string found, string source) =>
        new(path, $"""
            Replay stopped: the {what} {path} is {found} in the sandbox Vault, but the topology ({source}) says {expected}.
            Replay never disables or remounts (that would delete its data). Fix: disable it yourself
            (vault secrets disable / vault auth disable) if its data is disposable, or rename it in the topology.
            """);

    /// <summary>A transit key exists with another key type.</summary>
    /// <param name="path">The key path.</param>
    /// <param name="expected">The topology's type.</param>
    /// <param name="found">The sandbox's type.</param>
    /// <returns>The exception.</returns>
    public static ReplayException KeyTypeConflict(string path, string expected, string found) =>
        new(path, $"""
            Replay stopped: the transit key {path} is {found} in the sandbox Vault, but the topology says {expected}.
            A key's type cannot change. Fix: delete the key (after allowing deletion) if nothing depends on it, or set transit.keyType.
            """);
}
