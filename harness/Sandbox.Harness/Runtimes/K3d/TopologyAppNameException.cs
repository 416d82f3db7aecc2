namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>A topology name cannot be a Kubernetes name on the k3d runtime.</summary>
internal sealed class TopologyAppNameException : SandboxException
{
    private TopologyAppNameException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    /// <summary>A namespace or ServiceAccount is not a DNS-1123 label.</summary>
    /// <param name="slug">The app.</param>
    /// <param name="what">namespace or ServiceAccount.</param>
    /// <param name="value">The name.</param>
    /// <param name="location">Where the app is defined (file:line:column).</param>
    public static TopologyAppNameException NotALabel(string slug, string what, string value, string location) => new(
        $"{location}: app '{slug}': the {what} '{value}' is not a valid Kubernetes name (a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). "
        + $"Nothing was started. Fix: rename the app (or its {what}) in the topology, for example '{Suggest(value)}'.");

    private static string Suggest(string value)
    {
        var chars = value.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var s = new string(chars).Trim('-');
        return s.Length == 0 ? "app" : s[..Math.Min(63, s.Length)].Trim('-');
    }
}
