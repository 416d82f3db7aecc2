namespace Sandbox.Harness.Policies;

/// <summary>
/// A Vault ACL policy (HCL or JSON) that does not parse. The message names the source, the
/// line and column, Vault's own wording of the problem (<see cref="VaultMessage"/>) and the fix.
/// </summary>
internal sealed class PolicyParseException : SandboxException
{
    private PolicyParseException(string sourceName, int line, int column, string vaultMessage, string fix)
        : base(PositionedMessage.Format(sourceName, line, column, vaultMessage, fix))
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        VaultMessage = vaultMessage;
        Fix = fix;
    }

    /// <summary>The file or name the policy came from.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the problem.</summary>
    public int Column { get; }

    /// <summary>
    /// The problem in Vault's wording, starting with <c>failed to parse policy: </c>, e.g.
    /// <c>failed to parse policy: path "x": invalid capability "foo"</c>. The Vault double
    /// answers with this text in its 400 error body.
    /// </summary>
    public string VaultMessage { get; }

    /// <summary>What to change in the policy.</summary>
    public string Fix { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    internal static PolicyParseException Syntax(string source, int line, int column, string problem, string fix) =>
        new(source, line, column, $"failed to parse policy: At {line}:{column}: {problem}", fix);

    internal static PolicyParseException InvalidCapability(string source, int line, int column, string path, string capability) =>
        new(source, line, column, $"failed to parse policy: path \"{path}\": invalid capability \"{capability}\"",
            $"use only {string.Join(", ", CapabilitySet.ValidNames)}.");

    internal static PolicyParseException InvalidLegacyPolicy(string source, int line, int column, string path, string policy) =>
        new(source, line, column, $"failed to parse policy: path \"{path}\": invalid policy \"{policy}\"",
            "use policy = \"deny\", \"read\", \"write\" or \"sudo\", or better a capabilities list.");

    internal static PolicyParseException PlusStar(string source, int line, int column, string path) =>
        new(source, line, column, $"failed to parse policy: path \"{path}\": invalid use of wildcards ('+*' is forbidden)",
            "'+' stands for one whole segment and '*' may only end the path: write \"a/+/*\" or \"a/+\" instead of \"a/+*\".");

    internal static PolicyParseException InvalidKey(string source, int line, int column, string? path, string key, IEnumerable<string> valid) =>
        new(source, line, column,
            path is null
                ? $"failed to parse policy: invalid key \"{key}\" on line {line}"
                : $"failed to parse policy: path \"{path}\": invalid key \"{key}\" on line {line}",
            $"remove \"{key}\" or use one of: {string.Join(", ", valid)}.");

    internal static PolicyParseException WrongType(string source, int line, int column, string? path, string key, string expected) =>
        new(source, line, column,
            path is null
                ? $"failed to parse policy: \"{key}\" must be {expected}"
                : $"failed to parse policy: path \"{path}\": \"{key}\" must be {expected}",
            $"write \"{key}\" as {expected}.");
}
