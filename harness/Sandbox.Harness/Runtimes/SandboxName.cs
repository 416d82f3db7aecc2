using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Sandbox.Harness.Runtimes;

/// <summary>
/// A sandbox name: a DNS-1123 label of at most <see cref="MaxLength"/> characters (lower-case
/// letters, digits and '-', starting with a letter, not ending with '-'), so that it can name a
/// folder, a container, a volume and a k3d cluster.
/// </summary>
internal static partial class SandboxName
{
    /// <summary>
    /// The longest name accepted. The k3d runtime names its cluster after the sandbox, and k3d refuses
    /// cluster names over 32 characters (k3d v5 <c>pkg/types/defaults.go</c> DefaultClusterNameMaxLength,
    /// checked by <c>pkg/client/clusterName.go</c> CheckName); 30 leaves that limit unreached.
    /// </summary>
    public const int MaxLength = 30;

    /// <summary>The prefix of generated names.</summary>
    public const string GeneratedPrefix = "sbx-";

    /// <summary>A new random name <c>sbx-&lt;8 lower-case letters and digits&gt;</c>.</summary>
    public static string Generate() =>
        GeneratedPrefix + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8);

    /// <summary>True when <paramref name="name"/> is a valid sandbox name.</summary>
    /// <param name="name">The name.</param>
    public static bool IsValid(string? name) => name is not null && name.Length <= MaxLength && Pattern().IsMatch(name);

    /// <summary>Returns <paramref name="name"/> when valid, else throws naming the rule broken and the fix.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="SandboxNameException">The name is not valid.</exception>
    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw SandboxNameException.Invalid(name ?? string.Empty, "it is empty");
        }

        if (name.Length > MaxLength)
        {
            throw SandboxNameException.Invalid(name, $"it has {name.Length} characters, more than {MaxLength}");
        }

        if (!Pattern().IsMatch(name))
        {
            throw SandboxNameException.Invalid(name, "it must be lower-case letters, digits and '-', start with a letter and not end with '-' (a DNS-1123 label)");
        }

        return name;
    }

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
