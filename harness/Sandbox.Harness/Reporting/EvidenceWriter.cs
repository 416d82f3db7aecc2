using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sandbox.Harness.Reporting.Internal;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// One run's report folder. The NUnit suites (in a <c>dotnet test</c> process) and the CLI
/// (in another) meet here: each scenario writes <c>scenarios/&lt;name&gt;.json</c>, and
/// <see cref="EvidencePack.ComposeAsync"/> later turns the folder into the evidence pack.
/// </summary>
internal sealed class EvidenceWriter
{
    /// <summary>The environment variable that names the report folder: <c>SANDBOX_REPORT_DIR</c>.</summary>
    public const string ReportDirectoryVariable = "SANDBOX_REPORT_DIR";

    /// <summary>Uses (and creates) <paramref name="reportDirectory"/>.</summary>
    /// <param name="reportDirectory">The report folder; relative paths are taken from the current directory.</param>
    /// <exception cref="EvidenceException">The path exists and is a file.</exception>
    public EvidenceWriter(string reportDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reportDirectory);
        ReportDirectory = Path.GetFullPath(reportDirectory);
        if (File.Exists(ReportDirectory))
        {
            throw EvidenceException.NotADirectory(ReportDirectory);
        }

        Directory.CreateDirectory(ScenariosDirectory);
    }

    /// <summary>The report folder, absolute.</summary>
    public string ReportDirectory { get; }

    /// <summary>Where scenario results go: <c>&lt;report&gt;/scenarios</c>.</summary>
    public string ScenariosDirectory => Path.Combine(ReportDirectory, EvidencePack.ScenariosFolder);

    /// <summary>
    /// The report folder named by <c>SANDBOX_REPORT_DIR</c>, or else a new folder
    /// <c>sandbox-report-&lt;random&gt;</c> under the system temp folder.
    /// </summary>
    /// <returns>The writer.</returns>
    public static EvidenceWriter FromEnvironment()
    {
        var configured = Environment.GetEnvironmentVariable(ReportDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new EvidenceWriter(configured);
        }

        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return new EvidenceWriter(Path.Combine(Path.GetTempPath(), $"sandbox-report-{random}"));
    }

    /// <summary>
    /// The file name a scenario's result gets: the name itself when it only holds
    /// <c>[a-z0-9._-]</c>, else a cleaned name plus a short hash so two names never share a file.
    /// </summary>
    /// <param name="scenarioName">The scenario's name.</param>
    /// <returns>For example <c>sealed-restart_kill-3f2a9c1b.json</c>.</returns>
    public static string FileNameFor(string scenarioName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenarioName);
        var clean = new StringBuilder(scenarioName.Length);
        foreach (var c in scenarioName)
        {
            clean.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        var cleaned = clean.ToString().Trim('.');
        if (cleaned.Length > 80)
        {
            cleaned = cleaned[..80];
        }

        if (cleaned == scenarioName)
        {
            return cleaned + ".json";
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scenarioName)))[..8];
        return $"{cleaned}-{hash}.json";
    }

    /// <summary>
    /// Writes <paramref name="result"/> to <c>scenarios/&lt;name&gt;.json</c>, replacing an earlier
    /// result of the same name. The write is atomic (temp file, then rename), and every text is
    /// passed through <see cref="SecretFilter"/> once more.
    /// </summary>
    /// <param name="result">The scenario's result.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The path written.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<string> WriteScenarioAsync(ScenarioResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var safe = Sanitize(result);
        Directory.CreateDirectory(ScenariosDirectory);
        var path = Path.Combine(ScenariosDirectory, FileNameFor(safe.Name));
        var temp = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + ".tmp";
        try
        {
            var stream = File.Create(temp);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, safe, EvidenceJson.Options, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return path;
    }

    internal static ScenarioResult Sanitize(ScenarioResult result)
    {
        var redactions = 0;
        string Clean(string text)
        {
            var safe = SecretFilter.Redact(text, out var n);
            redactions += n;
            return safe;
        }

        var events = result.Events.Select(e => e with
        {
            Text = Clean(e.Text),
            Data = e.Data?.ToDictionary(kv => Clean(kv.Key), kv => Clean(kv.Value ?? string.Empty), StringComparer.Ordinal),
        }).ToList();
        var timings = result.Timings.ToDictionary(kv => Clean(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        var failure = result.FailureMessage is null ? null : Clean(result.FailureMessage);
        var name = Clean(result.Name);
        return result with
        {
            Name = name,
            FailureMessage = failure,
            Timings = timings,
            TimingSamples = result.TimingSamples?.ToDictionary(kv => Clean(kv.Key), kv => kv.Value, StringComparer.Ordinal),
            Events = events,
            Redactions = result.Redactions + redactions,
        };
    }
}
