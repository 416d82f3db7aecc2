using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Asks a vault/bao binary what it is (<c>BINARY version</c>) before the process runtime writes a
/// config for it, and refuses what that config does not suit: something that is not a Vault,
/// HashiCorp Vault outside 1.14–2.x, and OpenBao from 2.7.0, which removed the file storage
/// backend the config uses (deprecated in 2.6.0, removed in 2.7.0: openbao.org's deprecation
/// notices, openbao/openbao#2846).
/// </summary>
internal static partial class VaultVersionCheck
{
    /// <summary>The oldest HashiCorp Vault accepted: the suites' assertions were read against 1.14+ (OpenBao forked from 1.14).</summary>
    public static readonly Version MinVault = new(1, 14, 0);

    /// <summary>The first HashiCorp Vault major not accepted (the config was checked against the 1.x and 2.x lines).</summary>
    public static readonly Version VaultMajorTooNew = new(3, 0, 0);

    /// <summary>The oldest OpenBao accepted (its first release).</summary>
    public static readonly Version MinOpenBao = new(2, 0, 0);

    /// <summary>The first OpenBao without file storage.</summary>
    public static readonly Version OpenBaoWithoutFileStorage = new(2, 7, 0);

    private const string Supported = "HashiCorp Vault 1.14–2.x or OpenBao 2.0–2.6";

    /// <summary>What a binary reported: product ("Vault" or "OpenBao"), version, and the line it printed.</summary>
    public sealed record Report(string Product, Version Version, string Line);

    /// <summary>Runs <c>BINARY version</c> (guarded, 15 s) and judges the answer.</summary>
    /// <param name="guard">The guard every child process goes through.</param>
    /// <param name="binary">The binary.</param>
    /// <param name="from">Where the binary came from (<c>SANDBOX_VAULT_BINARY</c>, <c>--vault-binary</c>, <c>PATH</c>).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>What it reported and the problem, or null when it suits the process runtime.</returns>
    public static async Task<(Report? Report, PreflightProblem? Problem)> CheckAsync(SandboxGuard guard, string binary, string from, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guard);
        int code;
        string output;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            var command = guard.GuardCommand(Cli.Wrap(binary).WithArguments(["version"]).WithValidation(CommandResultValidation.None), "sandbox-process-runtime");
            var result = await command.ExecuteBufferedAsync(cts.Token).ConfigureAwait(false);
            (code, output) = (result.ExitCode, result.StandardOutput + "\n" + result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            (code, output) = (-1, "(no answer within 15 s)");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            (code, output) = (-1, $"(could not run it: {e.Message})");
        }

        return Judge(binary, from, code, output);
    }

    /// <summary>Judges what <c>BINARY version</c> printed.</summary>
    /// <param name="binary">The binary.</param>
    /// <param name="from">Where it came from.</param>
    /// <param name="exitCode">Its exit code.</param>
    /// <param name="output">Its stdout and stderr.</param>
    public static (Report? Report, PreflightProblem? Problem) Judge(string binary, string from, int exitCode, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var said = lines.Length == 0 ? "nothing" : $"'{Cut(lines[0])}'";
        var line = lines.FirstOrDefault(l => VersionLine().IsMatch(l));
        var match = line is null ? null : VersionLine().Match(line);
        const string what = "the Vault binary";
        if (exitCode != 0 || match is null)
        {
            return (null, new PreflightProblem(what,
                $"{binary} (from {from}) is not a Vault: '{Path.GetFileName(binary)} version' exited {exitCode.ToString(CultureInfo.InvariantCulture)} and printed {said}",
                $"point {from} at a {Supported} binary, or unset it to use vault/bao on PATH or the Vault double"));
        }

        var report = new Report(match.Groups["product"].Value, Version.Parse(match.Groups["version"].Value), Cut(line!));
        string? detail = report switch
        {
            { Product: "Vault" } r when r.Version < MinVault => $"it reported '{r.Line}': older than {MinVault}, the oldest Vault the process runtime's config and the suites' API were checked against",
            { Product: "Vault" } r when r.Version >= VaultMajorTooNew => $"it reported '{r.Line}': a newer major than the 1.x/2.x lines the process runtime's config (file storage, cluster_address, cluster_addr) was checked against",
            { Product: "OpenBao" } r when r.Version >= OpenBaoWithoutFileStorage => $"it reported '{r.Line}': OpenBao {OpenBaoWithoutFileStorage} removed the file storage backend (deprecated in 2.6.0) that the process runtime's config uses (storage \"file\")",
            { Product: "OpenBao" } r when r.Version < MinOpenBao => $"it reported '{r.Line}': older than OpenBao's first release {MinOpenBao}",
            _ => null,
        };
        return detail is null
            ? (report, null)
            : (report, new PreflightProblem(what, $"{binary} (from {from}) does not suit the process runtime: {detail}", $"point {from} at a {Supported} binary"));
    }

    private static string Cut(string line) => line.Length <= 120 ? line : line[..120] + "…";

    [GeneratedRegex(@"^(?<product>Vault|OpenBao) v(?<version>\d+\.\d+\.\d+)\S*", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex VersionLine();
}
