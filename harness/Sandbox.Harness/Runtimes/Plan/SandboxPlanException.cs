namespace Sandbox.Harness.Runtimes.Plan;

/// <summary>A plan cannot be written where it was asked to go.</summary>
internal sealed class SandboxPlanException : SandboxException
{
    private SandboxPlanException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    /// <summary>The plan folder holds files that are not a previous plan.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="example">One of the files found.</param>
    public static SandboxPlanException FolderNotEmpty(string folder, string example) => new(
        $"--plan {folder}: the folder holds '{example}' and no plan.json, so it is not a previous plan; nothing was written. Give an empty or new folder.");

    /// <summary>The runtime was left to <c>auto</c>.</summary>
    public static SandboxPlanException RuntimeNotChosen() => new(
        "--plan needs a runtime: --runtime process, docker or k3d (auto depends on the machine the real run happens on).");
}
