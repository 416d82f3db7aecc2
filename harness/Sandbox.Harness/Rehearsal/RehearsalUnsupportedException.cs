namespace Sandbox.Harness.Rehearsal;

/// <summary>The change needs something this build of Sandbox cannot do live; raised before any sandbox is created.</summary>
internal sealed class RehearsalUnsupportedException : SandboxException
{
    private RehearsalUnsupportedException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.PreflightFailed;

    internal static RehearsalUnsupportedException VersionChange(string what) =>
        new($"rehearsing a Vault version change ({what}) live is not implemented in this build: only --vault-binary on the process runtime is (the docker and k3d runtimes cannot yet restart a running sandbox's Vault on another image)."
            + Environment.NewLine + "Fix: run 'sandbox rehearse --static ...' for the static verdict, rehearse a binary with --runtime process --vault-binary PATH, or rehearse the topology part without the version change. Nothing was created.");
}
