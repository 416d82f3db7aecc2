namespace Sandbox.Harness;

/// <summary>
/// The root of every error Sandbox raises on purpose. Messages say what failed, the
/// evidence (file, line, address, command) and what to do next; they never carry a
/// token, an unseal key or a password.
/// </summary>
public abstract class SandboxException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    private protected SandboxException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The exit code the CLI uses for this failure class.</summary>
    public abstract ExitCode ExitCode { get; }
}
