using System.Globalization;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Asks a vault/bao binary what it is (<c>BINARY version</c>) before the process runtime writes a
/// config for it, and refuses what that config does not suit: something that is not a Vault,
/// HashiCorp Vault outside 1.14–2.x, and OpenBao from 2.7.0, which removed the file storage
/// backend the config uses (deprecated in 2.6.0, removed in 2.7.0: openbao.org's deprecation
/// notices, openbao/openbao#2846).
/// </summary>
internal static class VaultVersionCheck
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

    /// <summary>Asks the binary what it is (<see cref="VaultVersionProbe.AskAsync"/>) and judges the answer.</summary>
    /// <param name="guard">The guard every child process goes through.</param>
    /// <param name="binary">The binary.</param>
    /// <param name="from">Where the binary came from (<c>SANDBOX_VAULT_BINARY</c>, <c>--vault-binary</c>, <c>PATH</c>).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>What it reported and the problem, or null when it suits the process runtime.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<(VaultVersionReport? Report, PreflightProblem? Problem)> CheckAsync(SandboxGuard guard, string binary, string from, CancellationToken cancellationToken = default)
    {
        var answer = await VaultVersionProbe.AskAsync(new VaultLaunch(VaultKind.Unknown, binary, [], binary), guard, cancellationToken).ConfigureAwait(false);
        return Judge(binary, from, answer.ExitCode, answer.Output);
    }

    /// <summary>Judges what <c>BINARY version</c> printed, as <see cref="VaultVersionProbe.Read"/> reads it.</summary>
    /// <param name="binary">The binary.</param>
    /// <param name="from">Where it came from.</param>
    /// <param name="exitCode">Its exit code.</param>
    /// <param name="output">Its stdout and stderr.</param>
    public static (VaultVersionReport? Report, PreflightProblem? Problem) Judge(string binary, string from, int exitCode, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = VaultVersionProbe.Lines(output);
        var said = lines.Length == 0 ? "nothing" : $"'{VaultVersionProbe.Cut(lines[0])}'";
        var read = VaultVersionProbe.Read(output);
        const string what = "the Vault binary";

        // The double is no Vault the process runtime writes a config for; a version without major.minor.patch cannot be judged.
        if (exitCode != 0 || read is not { Kind: VaultKind.Vault or VaultKind.OpenBao, Number: not null } report)
        {
            return (null, new PreflightProblem(what,
                $"{binary} (from {from}) is not a Vault: '{Path.GetFileName(binary)} version' exited {exitCode.ToString(CultureInfo.InvariantCulture)} and printed {said}",
                $"point {from} at a {Supported} binary, or unset it to use vault/bao on PATH or the Vault double"));
        }

        string? detail = report switch
        {
            { Kind: VaultKind.Vault, Number: var n } when n < MinVault => $"it reported '{report.Line}': older than {MinVault}, the oldest Vault the process runtime's config and the suites' API were checked against",
            { Kind: VaultKind.Vault, Number: var n } when n >= VaultMajorTooNew => $"it reported '{report.Line}': a newer major than the 1.x/2.x lines the process runtime's config (file storage, cluster_address, cluster_addr) was checked against",
            { Kind: VaultKind.OpenBao, Number: var n } when n >= OpenBaoWithoutFileStorage => $"it reported '{report.Line}': OpenBao {OpenBaoWithoutFileStorage} removed the file storage backend (deprecated in 2.6.0) that the process runtime's config uses (storage \"file\")",
            { Kind: VaultKind.OpenBao, Number: var n } when n < MinOpenBao => $"it reported '{report.Line}': older than OpenBao's first release {MinOpenBao}",
            _ => null,
        };
        return detail is null
            ? (report, null)
            : (report, new PreflightProblem(what, $"{binary} (from {from}) does not suit the process runtime: {detail}", $"point {from} at a {Supported} binary"));
    }
}
