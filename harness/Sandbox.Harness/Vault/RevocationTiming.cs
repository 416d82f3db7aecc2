using System.Globalization;
using System.Text.RegularExpressions;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Vault;

/// <summary>
/// How long a suite may wait for Vault to revoke an expired lease, following Vault's arithmetic:
/// the first attempt runs at expiry; if it fails, the next comes after 2 × base ±50 %
/// (vault/expiration.go <c>revokeExponentialBackoff</c>, <c>revokeRetryBase = 10 s</c>), so a bound
/// that covers one retry is 3 × base plus slack. The base that ran is read from the Vault double's
/// start-up log (its knob shortens it); HashiCorp Vault and OpenBao always use 10 s.
/// </summary>
internal sealed partial record RevocationTiming(TimeSpan RetryBase, string Source)
{
    /// <summary>Vault's <c>revokeRetryBase</c>.</summary>
    public static readonly TimeSpan VaultRetryBase = TimeSpan.FromSeconds(10);

    /// <summary>Time for the attempt itself and the poll that notices it.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    /// <summary>The longest a revocation can take when the first attempt fails and the first retry succeeds.</summary>
    public TimeSpan Bound => RetryBase * 3 + Slack;

    /// <summary>One line for the evidence: which base ran and what the bound covers.</summary>
    public string Describe() =>
        $"revocation retry base {Format(RetryBase)} ({Source}): the {Format(Bound)} bound covers the first attempt and one retry (2 × base +50 %, plus {Format(Slack)})";

    /// <summary>The timing of <paramref name="sandbox"/>'s Vault.</summary>
    public static RevocationTiming Of(SandboxHandle sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        if (sandbox.Vault.Kind == VaultKind.Double && LastMatch(sandbox.VaultLog, QuirkLine()) is { } m && TryParse(m.Groups["base"].Value, out var value))
        {
            return new RevocationTiming(value, $"the Vault double's log: {m.Groups["source"].Value}");
        }

        return sandbox.Vault.Kind == VaultKind.Double
            ? new RevocationTiming(VaultRetryBase, "the Vault double did not log its base; assuming Vault's")
            : new RevocationTiming(VaultRetryBase, "Vault's revokeRetryBase, vault/expiration.go");
    }

    /// <summary>
    /// Vault's <c>failed to revoke lease</c> log lines (the newest three), those naming
    /// <paramref name="leaseId"/> first; empty when Vault logged none or its log is not on this machine.
    /// </summary>
    public static IReadOnlyList<string> FailedRevocations(SandboxHandle sandbox, string? leaseId)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var lines = ReadLines(sandbox.VaultLog).Where(l => l.Contains("failed to revoke lease", StringComparison.Ordinal)).ToList();
        var mine = leaseId is null ? [] : lines.Where(l => l.Contains(leaseId, StringComparison.Ordinal)).ToList();
        return (mine.Count > 0 ? mine : lines).TakeLast(3).ToList();
    }

    /// <summary>The assertion message for a revocation that did not happen within <see cref="Bound"/>, quoting Vault's log.</summary>
    public string Failure(SandboxHandle sandbox, string what, string? leaseId)
    {
        var failed = FailedRevocations(sandbox, leaseId);
        return failed.Count == 0
            ? $"{what} within {Format(Bound)} ({Describe()}); Vault logged no 'failed to revoke lease' line in {sandbox.VaultLog}"
            : $"{what} within {Format(Bound)} ({Describe()}); Vault's log says:\n  " + string.Join("\n  ", failed);
    }

    internal static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var m = GoDuration().Match(text);
        if (!m.Success)
        {
            return false;
        }

        double Part(string name) => m.Groups[name].Success ? double.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        value = TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
        return value > TimeSpan.Zero;
    }

    private static string Format(TimeSpan t) => t < TimeSpan.FromSeconds(1) ? $"{t.TotalMilliseconds:0} ms" : $"{t.TotalSeconds:0.#} s";

    private static Match? LastMatch(string file, Regex pattern) =>
        ReadLines(file).Select(l => pattern.Match(l)).LastOrDefault(m => m.Success);

    private static List<string> ReadLines(string file)
    {
        try
        {
            using var stream = SandboxGuard.ForFiles.OpenFile(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, "revocation-timing");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"timing quirks: revoke_retry_base=(?<base>\S+) \((?<source>.*?)\) kv_upgrade_window=", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex QuirkLine();

    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+)ms)?$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex GoDuration();
}
