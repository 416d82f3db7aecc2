namespace Sandbox.Harness.Runtimes;

/// <summary>A runtime failed to start, stop or change the state of a sandbox.</summary>
public sealed class SandboxRuntimeException : SandboxException
{
    private SandboxRuntimeException(string message, ExitCode code, Exception? inner)
        : base(message, inner)
    {
        ExitCode = code;
    }

    /// <inheritdoc />
    public override ExitCode ExitCode { get; }

    /// <summary>A step of <c>up</c> failed; what was started has been torn down.</summary>
    /// <param name="name">The sandbox.</param>
    /// <param name="step">The step that failed.</param>
    /// <param name="inner">The failure.</param>
    /// <param name="teardown">What the teardown did or what it could not do.</param>
    internal static SandboxRuntimeException UpFailed(string name, UpStep step, Exception inner, string teardown) => new(
        $"sandbox up '{name}' failed at step {step}: {inner.Message}\n{teardown}",
        inner is SandboxException s ? s.ExitCode : ExitCode.RuntimeFailed,
        inner);

    /// <summary>The Vault process ended before it answered.</summary>
    /// <param name="what">Which Vault.</param>
    /// <param name="logFile">Its log.</param>
    /// <param name="logTail">The last lines of its log.</param>
    internal static SandboxRuntimeException VaultExited(string what, string logFile, string logTail) => new(
        $"{what} exited before it answered on its address. Last lines of {logFile}:\n{logTail}",
        ExitCode.RuntimeFailed,
        null);

    /// <summary>Vault did not answer in time.</summary>
    /// <param name="what">Which Vault.</param>
    /// <param name="address">Its address.</param>
    /// <param name="timeout">The time allowed.</param>
    /// <param name="logFile">Its log.</param>
    /// <param name="inner">The last failure.</param>
    internal static SandboxRuntimeException VaultNotReady(string what, Uri address, TimeSpan timeout, string logFile, Exception? inner) => new(
        $"{what} did not answer GET {address}v1/sys/health within {timeout.TotalSeconds:0.#} s. See {logFile}.",
        ExitCode.Timeout,
        inner);

    /// <summary>A container runs, but nothing answers on its loopback address.</summary>
    /// <param name="container">The container.</param>
    /// <param name="address">The address it should serve.</param>
    /// <param name="what">What runs in it.</param>
    /// <param name="inner">The wait that ran out.</param>
    internal static SandboxRuntimeException ContainerRefuses(string container, string address, string what, Exception inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new(
            $"The container {container} is running, but {what} does not answer on {address}: with --network host the container's 127.0.0.1 must be this machine's (it is not on Docker Desktop without host networking, nor with rootless Docker), and {what} must listen there. {inner.Message} See 'docker logs {container}'.",
            ExitCode.Timeout,
            inner);
    }

    /// <summary>A process could not be launched.</summary>
    /// <param name="what">What was launched.</param>
    /// <param name="detail">Why.</param>
    internal static SandboxRuntimeException LaunchFailed(string what, string detail) => new(
        $"Could not start {what}: {detail}",
        ExitCode.RuntimeFailed,
        null);

    /// <summary>Vault stayed sealed after the unseal keys were submitted.</summary>
    /// <param name="name">The sandbox.</param>
    /// <param name="progress">The unseal progress.</param>
    /// <param name="threshold">The threshold.</param>
    internal static SandboxRuntimeException StillSealed(string name, int progress, int threshold) => new(
        $"Vault of sandbox '{name}' is still sealed after the key file's shares were submitted (progress {progress}/{threshold}).",
        ExitCode.VaultSealed,
        null);

    /// <summary>The state file is unreadable.</summary>
    /// <param name="file">The file.</param>
    /// <param name="problem">The problem.</param>
    internal static SandboxRuntimeException BadState(string file, string problem) => new(
        $"The sandbox state file {file} is unreadable: {problem}. Fix: 'sandbox sweep' or remove the folder {Path.GetDirectoryName(file)} by hand after stopping what it names.",
        ExitCode.InvalidInput,
        null);

    /// <summary>A sandbox of that name exists already.</summary>
    /// <param name="name">The name.</param>
    /// <param name="folder">Its run folder.</param>
    internal static SandboxRuntimeException AlreadyExists(string name, string folder) => new(
        $"A sandbox named '{name}' exists already ({folder}). Fix: choose another --name, or 'sandbox down --name {name}' first.",
        ExitCode.SandboxExists,
        null);

    /// <summary>The chosen runtime is not implemented in this build.</summary>
    /// <param name="kind">The runtime.</param>
    /// <param name="alternative">What works instead.</param>
    internal static SandboxRuntimeException NotImplemented(RuntimeKind kind, string alternative) => new(
        $"The {kind.ToString().ToLowerInvariant()} runtime is not implemented in this build of Sandbox. {alternative}",
        ExitCode.PreflightFailed,
        null);
}
