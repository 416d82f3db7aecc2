namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// The one .NET runtime setting the process runtime adds to the Vault double's environment: its
/// re-compilation of hot methods (tier-up) waits for 5 s without new methods instead of the runtime's
/// 100 ms. A sandbox's start is a burst of a few hundred requests in about a second; tier-up during
/// it re-compiled methods the burst would not call again and, with eight sandboxes starting at once,
/// cost about 0.7 CPU-s per double (bench/README.md, "Fast start"). Afterwards the double tiers up as
/// any .NET server does. The knob is read from the environment only (<c>DOTNET_TC_CallCountingDelayMs</c>);
/// a value already set (by the user, or by <c>./sandbox</c>, which sets the same for the CLI) is kept.
/// </summary>
internal static class VaultDoubleTierUp
{
    /// <summary>The runtime's variable.</summary>
    public const string Variable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>The delay given when none is set, in milliseconds.</summary>
    public const string DelayMilliseconds = "5000";

    /// <summary>The environment the double starts with: <paramref name="environment"/>, plus the delay unless it names one.</summary>
    /// <param name="environment">The environment the guard handed back for the launch.</param>
    public static IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.ContainsKey(Variable))
        {
            return environment;
        }

        var withDelay = new SortedDictionary<string, string>(StringComparer.Ordinal) { [Variable] = DelayMilliseconds };
        foreach (var (name, value) in environment)
        {
            withDelay[name] = value;
        }

        return withDelay;
    }
}
