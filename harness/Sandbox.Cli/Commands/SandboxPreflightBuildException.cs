using Sandbox.Harness;

namespace Sandbox.Cli.Commands;

/// <summary>Building the Vault double failed: the process runtime cannot run (exit 5, PreflightFailed).</summary>
internal sealed class SandboxPreflightBuildException : SandboxException
{
    private SandboxPreflightBuildException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.PreflightFailed;

    internal static SandboxPreflightBuildException Failed(string command, int exitCode, IReadOnlyList<string> tail) => new(
        $"""
        Building the Vault double failed ('{command}' exited {exitCode}). Its last lines:
        {string.Join("\n", tail.Select(l => "  " + l))}
        Fix the build error above, or install Vault/OpenBao (vault or bao on PATH), or set SANDBOX_VAULT_DOUBLE to a built Sandbox.VaultDouble.dll.
        """);
}
