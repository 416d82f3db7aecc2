namespace Sandbox.Harness.Runtimes;

/// <summary>The machine lacks what the chosen runtime needs; nothing was started.</summary>
public sealed class SandboxPreflightException : SandboxException
{
    private SandboxPreflightException(RuntimePreflight preflight, string message)
        : base(message)
    {
        Preflight = preflight;
    }

    /// <summary>The failed preflight.</summary>
    internal RuntimePreflight Preflight { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.PreflightFailed;

    /// <summary>The preflight of a runtime failed.</summary>
    /// <param name="preflight">The result, with its problems.</param>
    /// <param name="usableInstead">Runtimes that would work now.</param>
    internal static SandboxPreflightException Failed(RuntimePreflight preflight, IReadOnlyCollection<RuntimeKind> usableInstead)
    {
        ArgumentNullException.ThrowIfNull(preflight);
        ArgumentNullException.ThrowIfNull(usableInstead);
        var lines = string.Join("\n", preflight.Problems.Select(p => $"  - {p.What}: {p.Detail} How to get it: {p.HowToGet}"));
        var instead = usableInstead.Count == 0
            ? "No other runtime is usable on this machine either ('sandbox doctor' lists what each needs)."
            : $"Usable now instead: {string.Join(", ", usableInstead.Select(k => "--runtime " + k.ToString().ToLowerInvariant()))}.";
        return new SandboxPreflightException(preflight, $"The {preflight.Runtime.ToString().ToLowerInvariant()} runtime cannot run on this machine; nothing was started.\n{lines}\n{instead}");
    }
}
