using System.Collections.Concurrent;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// What a Vault binary says it is: runs <c>BINARY version</c> and reads the first line. The kind (HashiCorp
/// Vault, OpenBao or the Sandbox double) comes only from that answer, never from the file name or a default.
/// Vault prints <c>Vault v1.15.4 (sha), built ...</c> (hashicorp/vault <c>version/version.go</c>,
/// <c>VersionInfo.FullVersionNumber</c>: "Vault v" + version); OpenBao prints <c>OpenBao v2.0.0 (sha), built ...</c>
/// (openbao/openbao <c>version/version.go</c>); the double prints <c>Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)</c>.
/// </summary>
internal static class VaultVersionProbe
{
    // One answer per binary as it is on disk (path, size, write time): every sandbox of a test run asks
    // once, not once per start; a binary replaced in place is asked again.
    private static readonly ConcurrentDictionary<string, (VaultKind Kind, string? Version)> Answers = new(StringComparer.Ordinal);

    /// <summary>How long a <c>version</c> call may take. The default value is 30 seconds (the double starts the .NET runtime).</summary>
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the output of <c>version</c>.</summary>
    /// <param name="output">What the binary printed.</param>
    /// <returns>The kind and the version (without the leading <c>v</c>), or <see cref="VaultKind.Unknown"/> and null.</returns>
    public static (VaultKind Kind, string? Version) Parse(string? output)
    {
        var line = (output ?? string.Empty).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;
        (string Prefix, VaultKind Kind)[] known =
        [
            ("Sandbox Vault double v", VaultKind.Double),
            ("OpenBao v", VaultKind.OpenBao),
            ("Vault v", VaultKind.Vault),
        ];
        foreach (var (prefix, kind) in known)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var version = line[prefix.Length..].Split(' ', 2)[0];
                return (kind, version.Length == 0 ? null : version);
            }
        }

        return (VaultKind.Unknown, null);
    }

    /// <summary>Runs <c>version</c> on <paramref name="launch"/> and reads the answer.</summary>
    /// <param name="launch">How the Vault is started.</param>
    /// <param name="guard">The guard the child process goes through.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The kind and version; <see cref="VaultKind.Unknown"/> when the binary fails or says something else.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<(VaultKind Kind, string? Version)> ProbeAsync(VaultLaunch launch, SandboxGuard guard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(guard);
        var file = new FileInfo(launch.Source);
        var stamp = file.Exists ? $"{file.Length}:{file.LastWriteTimeUtc.Ticks}" : "?";
        var key = $"{launch.FileName}\n{string.Join("\n", launch.PrefixArguments)}\n{stamp}";
        if (Answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var answer = await AskAsync(launch, guard, cancellationToken).ConfigureAwait(false);
        if (answer.Kind != VaultKind.Unknown)
        {
            Answers[key] = answer;
        }

        return answer;
    }

    private static async Task<(VaultKind Kind, string? Version)> AskAsync(VaultLaunch launch, SandboxGuard guard, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var command = guard.GuardCommand(
                CliWrap.Cli.Wrap(launch.FileName).WithArguments([.. launch.PrefixArguments, "version"]).WithValidation(CommandResultValidation.None),
                "sandbox-vault-version");
            var result = await command.ExecuteBufferedAsync(timeout.Token).ConfigureAwait(false);
            return result.ExitCode == 0 ? Parse(result.StandardOutput) : (VaultKind.Unknown, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (VaultKind.Unknown, null);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (VaultKind.Unknown, null);
        }
    }
}
