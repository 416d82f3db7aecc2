namespace Sandbox.Harness.Rehearsal;

/// <summary>The change needs something this build of Sandbox cannot do live; raised before any sandbox is created.</summary>
public sealed class RehearsalUnsupportedException : SandboxException
{
    private RehearsalUnsupportedException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.PreflightFailed;

    internal static RehearsalUnsupportedException VersionChange(string what) =>
        new($"rehearsing a Vault version change ({what}) live is not implemented in this build: the runtimes cannot yet restart a running sandbox's Vault on another binary or image."
            + Environment.NewLine + "Fix: run 'sandbox rehearse --static ...' for the static verdict, or rehearse the topology part of the change without --vault-binary/--vault-image. Nothing was created.");
}
