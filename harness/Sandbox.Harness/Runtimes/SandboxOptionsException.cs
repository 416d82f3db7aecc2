namespace Sandbox.Harness.Runtimes;

/// <summary>A sandbox option has a value out of range.</summary>
public sealed class SandboxOptionsException : SandboxException
{
    private SandboxOptionsException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    /// <summary>An option's value is invalid.</summary>
    /// <param name="option">The option.</param>
    /// <param name="value">The value given.</param>
    /// <param name="rule">The rule and the fix.</param>
    internal static SandboxOptionsException Invalid(string option, string value, string rule) =>
        new($"{option} {value} is invalid: {rule}.");
}
