using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// What a Vault binary says it is: the one place that runs <c>BINARY version</c> and the one reader of its
/// answer. The kind (HashiCorp Vault, OpenBao or the Sandbox double) comes only from that answer, never from
/// the file name or a default. Vault prints <c>Vault v1.15.4 (sha), built ...</c> (hashicorp/vault
/// <c>version/version.go</c>, <c>VersionInfo.FullVersionNumber</c>: "Vault v" + version); OpenBao prints
/// <c>OpenBao v2.0.0 (sha), built ...</c> (openbao/openbao <c>version/version.go</c>); the double prints
/// <c>Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)</c>. <see cref="VaultVersionCheck"/> judges the report.
/// </summary>
internal static partial class VaultVersionProbe
{
    // Longest prefix first: the double's line contains "Vault v" too, but never starts with it.
    private static readonly (string Prefix, VaultKind Kind)[] Known =
    [
        ("Sandbox Vault double v", VaultKind.Double),
        ("OpenBao v", VaultKind.OpenBao),
        ("Vault v", VaultKind.Vault),
    ];

    // One answer per binary as it is on disk (path, size, write time): every sandbox of a test run and the
    // preflight ask once, not once per start; a binary replaced in place is asked again.
    private static readonly ConcurrentDictionary<string, Answer> Answers = new(StringComparer.Ordinal);

    /// <summary>How long a <c>version</c> call may take. The default value is 30 seconds (the double starts the .NET runtime).</summary>
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the output of <c>version</c>.</summary>
    /// <param name="output">What the binary printed.</param>
    /// <returns>The kind and the version (without the leading <c>v</c>), or <see cref="VaultKind.Unknown"/> and null.</returns>
    public static (VaultKind Kind, string? Version) Parse(string? output) =>
        Read(output) is { } report ? (report.Kind, report.Version) : (VaultKind.Unknown, null);

    /// <summary>Reads the output of <c>version</c>: the first non-empty line that starts with a known product's name and <c>v</c>.</summary>
    /// <param name="output">What the binary printed (stdout, then stderr).</param>
    /// <returns>What it said, or null when no line names a known Vault.</returns>
    public static VaultVersionReport? Read(string? output)
    {
        foreach (var line in Lines(output))
        {
            foreach (var (prefix, kind) in Known)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var version = line[prefix.Length..].Split(' ', 2)[0];
                    var number = LeadingNumber().Match(version);
                    return new VaultVersionReport(
                        kind,
                        version.Length == 0 ? null : version,
                        number.Success ? Version.Parse(number.Value) : null,
                        Cut(line));
                }
            }
        }

        return null;
    }

    /// <summary>Runs <c>version</c> on <paramref name="launch"/> and reads the answer.</summary>
    /// <param name="launch">How the Vault is started.</param>
    /// <param name="guard">The guard the child process goes through.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The kind and version; <see cref="VaultKind.Unknown"/> when the binary fails or says something else.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<(VaultKind Kind, string? Version)> ProbeAsync(VaultLaunch launch, SandboxGuard guard, CancellationToken cancellationToken = default)
    {
        var answer = await AskAsync(launch, guard, cancellationToken).ConfigureAwait(false);
        return answer.ExitCode == 0 ? Parse(answer.Output) : (VaultKind.Unknown, null);
    }

    /// <summary>Runs <c>version</c> on <paramref name="launch"/> (guarded, within <see cref="Timeout"/>), once per binary as it is on disk.</summary>
    /// <param name="launch">How the Vault is started.</param>
    /// <param name="guard">The guard the child process goes through.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its exit code and output; exit code -1 and a note in brackets when it could not be run or did not answer in time.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<Answer> AskAsync(VaultLaunch launch, SandboxGuard guard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(guard);
        var file = new FileInfo(launch.Source);
        var key = file.Exists ? $"{launch.FileName}\n{string.Join("\n", launch.PrefixArguments)}\n{file.Length}:{file.LastWriteTimeUtc.Ticks}" : null;
        if (key is not null && Answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var answer = await RunAsync(launch, guard, cancellationToken).ConfigureAwait(false);
        if (key is not null && answer.ExitCode == 0)
        {
            Answers[key] = answer;
        }

        return answer;
    }

    /// <summary>The non-empty lines of <paramref name="output"/>, trimmed.</summary>
    /// <param name="output">What a binary printed.</param>
    public static string[] Lines(string? output) =>
        (output ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A line cut to 120 characters, for messages.</summary>
    /// <param name="line">The line.</param>
    public static string Cut(string line) => line.Length <= 120 ? line : line[..120] + "…";

    private static async Task<Answer> RunAsync(VaultLaunch launch, SandboxGuard guard, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var command = guard.GuardCommand(
                CliWrap.Cli.Wrap(launch.FileName).WithArguments([.. launch.PrefixArguments, "version"]).WithValidation(CommandResultValidation.None),
                "sandbox-vault-version");
            var result = await command.ExecuteBufferedAsync(timeout.Token).ConfigureAwait(false);
            return new Answer(result.ExitCode, result.StandardOutput + "\n" + result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(-1, $"(no answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new Answer(-1, $"(could not run it: {e.Message})");
        }
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex LeadingNumber();

    /// <summary>What <c>version</c> answered.</summary>
    /// <param name="ExitCode">Its exit code, or -1 when it could not be run or did not answer in time.</param>
    /// <param name="Output">Its stdout then stderr, or a note in brackets saying why there is none.</param>
    internal sealed record Answer(int ExitCode, string Output);
}
