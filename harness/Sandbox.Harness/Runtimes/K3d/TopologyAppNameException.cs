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

    /// <summary>A namespace is not a DNS-1123 label (the rule for a Namespace object's name).</summary>
    /// <param name="slug">The app.</param>
    /// <param name="field">The topology field (<c>namespace</c>).</param>
    /// <param name="value">The name.</param>
    /// <param name="location">Where the app is defined (file:line:column).</param>
    public static TopologyAppNameException NotALabel(string slug, string field, string value, string location) => new(
        $"{location}: app '{slug}': {field} '{value}' is not a valid Kubernetes name (a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit, no dots). "
        + $"Nothing was started. Fix: rename the app's {field} in the topology, for example '{Suggest(value, dots: false, 63)}'.");

    /// <summary>A ServiceAccount is not a DNS-1123 subdomain (the rule for a ServiceAccount object's name).</summary>
    /// <param name="slug">The app.</param>
    /// <param name="field">The topology field (<c>serviceAccount</c>).</param>
    /// <param name="value">The name.</param>
    /// <param name="location">Where the app is defined (file:line:column).</param>
    public static TopologyAppNameException NotASubdomain(string slug, string field, string value, string location) => new(
        $"{location}: app '{slug}': {field} '{value}' is not a valid Kubernetes name (a DNS-1123 subdomain: at most 253 characters, dot-separated parts of lower-case letters, digits and '-', each starting and ending with a letter or digit). "
        + $"Nothing was started. Fix: rename the app's {field} in the topology, for example '{Suggest(value, dots: true, 253)}'.");

    private static string Suggest(string value, bool dots, int max)
    {
        var chars = value.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || (dots && c == '.') ? c : '-').ToArray();
        var s = new string(chars);
        if (dots)
        {
            s = string.Join('.', s.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim('-')).Where(p => p.Length > 0));
        }

        s = s.Trim('-', '.');
        return s.Length == 0 ? "app" : s[..Math.Min(max, s.Length)].Trim('-', '.');
    }
}
