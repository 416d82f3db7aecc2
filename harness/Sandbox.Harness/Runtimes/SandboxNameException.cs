namespace Sandbox.Harness.Runtimes;

/// <summary>A sandbox name is not a valid DNS-1123 label of at most 30 characters.</summary>
public sealed class SandboxNameException : SandboxException
{
    private SandboxNameException(string name, string message)
        : base(message)
    {
        Name = name;
    }

    /// <summary>The refused name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    /// <summary>The name breaks a rule.</summary>
    /// <param name="name">The name.</param>
    /// <param name="problem">The rule broken.</param>
    internal static SandboxNameException Invalid(string name, string problem) => new(
        name,
        $"The sandbox name '{name}' is invalid: {problem}. Fix: use --name with 1-{SandboxName.MaxLength} characters such as 'lab-1', or omit --name for a generated one.");
}
