using Sandbox.Harness;

namespace Sandbox.Cli.Commands;

/// <summary>Bad input to <c>sandbox replay</c>: an address, a state file or a file it names.</summary>
internal sealed class ReplayCliException : SandboxException
{
    private ReplayCliException(string message)
        : base(message)
    {
    }

    public override ExitCode ExitCode => ExitCode.InvalidInput;

    public static ReplayCliException BadAddress(string address) =>
        new($"--address '{address}' is not an absolute http:// or https:// URL.\nFix: give the Vault address, e.g. --address http://127.0.0.1:8200.");

    public static ReplayCliException NoAddress(string name, string stateFile) =>
        new($"The sandbox '{name}' has no Vault address in {stateFile} (it may still be starting, or its 'up' failed).\nFix: run 'sandbox status --name {name}', or 'sandbox down --name {name}' and 'sandbox up' again.");

    public static ReplayCliException MissingFile(string path) =>
        new($"The file {path} does not exist.\nFix: check the path given to sandbox replay.");
}
