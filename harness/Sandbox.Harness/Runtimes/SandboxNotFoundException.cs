namespace Sandbox.Harness.Runtimes;

/// <summary>No sandbox of that name exists under the sandbox home.</summary>
internal sealed class SandboxNotFoundException : SandboxException
{
    private SandboxNotFoundException(string name, string message)
        : base(message)
    {
        Name = name;
    }

    /// <summary>The name asked for.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.SandboxNotFound;

    /// <summary>No state file for <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="stateFile">The state file that does not exist.</param>
    /// <param name="existing">The sandboxes that do exist.</param>
    public static SandboxNotFoundException Missing(string name, string stateFile, IReadOnlyCollection<string> existing) => new(
        name,
        $"No sandbox named '{name}' exists ({stateFile} is missing). " +
        (existing.Count == 0
            ? "There are no sandboxes here; create one with 'sandbox up', or set SANDBOX_HOME to the folder you ran it from."
            : $"Sandboxes here: {string.Join(", ", existing)}."));

    /// <summary>No name was given and there is not exactly one sandbox.</summary>
    /// <param name="home">The sandbox home.</param>
    /// <param name="existing">The sandboxes that exist.</param>
    public static SandboxNotFoundException Ambiguous(string home, IReadOnlyCollection<string> existing) => new(
        string.Empty,
        existing.Count == 0
            ? $"There is no sandbox in {home}; create one with 'sandbox up'."
            : $"There are {existing.Count} sandboxes in {home} ({string.Join(", ", existing)}); say which with --name.");
}
