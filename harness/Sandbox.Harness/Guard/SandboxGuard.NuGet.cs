using System.Xml;
using System.Xml.Linq;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// dotnet verbs that restore packages first unless told not to (dotnet CLI docs, "Implicit restore":
    /// new, restore, build, build-server no; run, test, publish and pack restore, and so do add package and
    /// tool restore/install). <c>msbuild</c> restores only with <c>-restore</c>, which its grammar refuses.
    /// </summary>
    private static readonly string[] RestoringVerbs = ["restore", "build", "run", "test", "publish", "pack", "add", "tool", "workload"];

    /// <summary>
    /// When a <c>dotnet</c> child would restore packages, every NuGet configuration file it would read
    /// (NuGet docs, "Common NuGet configurations": the solution folder and each folder above it up to the
    /// root; the user's <c>~/.nuget/NuGet/NuGet.Config</c> and <c>~/.nuget/config/*.config</c>, with
    /// <c>~/.config/NuGet</c> for other tooling; the computer's <c>$NUGET_COMMON_APPLICATION_DATA/NuGet/Config</c>,
    /// else <c>/etc/opt/NuGet/Config</c>) is read through the file guard, and every package source NuGet
    /// would use — in order from the nearest file, stopping after a file whose <c>packageSources</c> has
    /// <c>&lt;clear /&gt;</c> — is judged like an argument: a denylisted host, address or file refuses
    /// the child before it starts, naming the file, its line and the source. Every other value of those
    /// files (an <c>http_proxy</c>, a packages folder) is judged too.
    /// </summary>
    /// <param name="args">The child's arguments.</param>
    /// <param name="first">The index of the first argument after the program.</param>
    /// <param name="workingDirectory">The child's working folder.</param>
    /// <param name="home">The account's home, as the child gets it in <c>HOME</c>.</param>
    /// <param name="refuse">Refuses the child.</param>
    internal void CheckNuGetConfiguration(List<string> args, int first, string workingDirectory, string home, Action<GuardDecision, string> refuse)
    {
        if (args.Count <= first || Array.IndexOf(RestoringVerbs, args[first]) < 0 || args.Contains("--no-restore") || args.Contains("--no-build"))
        {
            return;
        }

        // The user's and the computer's files come after every folder chain's; each file is read and
        // parsed once, and judged once for each way a chain reaches it (its sources cleared or not).
        var common = Environment.GetEnvironmentVariable("NUGET_COMMON_APPLICATION_DATA");
        List<string> shared =
        [
            .. NuGetFilesIn(Path.Combine(home, ".nuget", "NuGet"), name => name == "NuGet.Config"),
            .. NuGetFilesIn(Path.Combine(home, ".nuget", "config"), name => name.EndsWith(".config", StringComparison.OrdinalIgnoreCase)),
            .. NuGetFilesIn(Path.Combine(home, ".config", "NuGet"), name => name == "NuGet.Config"),
            .. NuGetFilesIn(string.IsNullOrEmpty(common) ? "/etc/opt/NuGet/Config" : Path.Combine(common, "NuGet", "Config"), name => name.EndsWith(".config", StringComparison.OrdinalIgnoreCase)),
        ];
        var documents = new Dictionary<string, XDocument>(StringComparer.Ordinal);
        var judged = new Dictionary<(string File, bool SourcesCleared), bool>();
        foreach (var start in SolutionFolders(args, first, workingDirectory))
        {
            var files = new List<string>();
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                files.AddRange(NuGetFilesIn(folder.FullName, name => string.Equals(name, "nuget.config", StringComparison.OrdinalIgnoreCase)));
            }

            var sourcesCleared = false;
            foreach (var file in files.Concat(shared).Distinct(StringComparer.Ordinal))
            {
                if (!judged.TryGetValue((file, sourcesCleared), out var clears))
                {
                    if (!documents.TryGetValue(file, out var document))
                    {
                        document = LoadNuGetFile(file, refuse);
                        documents[file] = document;
                    }

                    clears = JudgeNuGetFile(file, document, sourcesCleared, refuse);
                    judged[(file, sourcesCleared)] = clears;
                }

                sourcesCleared |= clears;
            }
        }
    }

    /// <summary>Where NuGet starts looking: the working folder, and the folder of a project or solution the verb names.</summary>
    private static IEnumerable<string> SolutionFolders(List<string> args, int first, string workingDirectory)
    {
        var folders = new List<string> { GuardPaths.Normalize(workingDirectory) };
        foreach (var arg in args.Skip(first + 1).Where(a => !a.StartsWith('-')))
        {
            var full = Path.IsPathRooted(arg) ? arg : Path.Combine(workingDirectory, arg);
            if (Directory.Exists(full))
            {
                folders.Add(GuardPaths.Normalize(full));
            }
            else if (arg.EndsWith("proj", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase))
            {
                folders.Add(GuardPaths.Normalize(Path.GetDirectoryName(full) ?? workingDirectory));
            }
        }

        return folders.Distinct(StringComparer.Ordinal);
    }

    private static List<string> NuGetFilesIn(string folder, Func<string, bool> named)
    {
        try
        {
            return Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder).Where(f => named(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList()
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Reads and parses one NuGet configuration file through the file guard; refuses the child when it cannot.</summary>
    private XDocument LoadNuGetFile(string file, Action<GuardDecision, string> refuse)
    {
        try
        {
            using var stream = OpenFile(file, FileMode.Open, FileAccess.Read, "nuget-config");
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (GuardBlockedException e)
        {
            refuse(e.Decision, $"the NuGet configuration {file}");
            throw;
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            refuse(GuardDecision.Block(file, GuardRules.InvalidTarget, $"The NuGet configuration {file} cannot be read ({e.Message}), so the package sources dotnet would use cannot be judged; fix or remove the file."), $"the NuGet configuration {file}");
            throw;
        }
    }

    /// <summary>Judges one parsed NuGet configuration file; true when its <c>packageSources</c> clears the sources of the files after it.</summary>
    private bool JudgeNuGetFile(string file, XDocument document, bool sourcesCleared, Action<GuardDecision, string> refuse)
    {
        var clears = false;
        foreach (var element in document.Descendants())
        {
            var inSources = element.Parent?.Name.LocalName == "packageSources";
            if (inSources && element.Name.LocalName == "clear")
            {
                clears = true;
            }

            if (element.Attribute("value") is not { } attribute || (inSources && sourcesCleared))
            {
                continue;
            }

            var raw = attribute.Value;
            var key = element.Attribute("key")?.Value ?? element.Name.LocalName;
            var line = ((IXmlLineInfo)element).LineNumber;
            foreach (var text in new[] { raw, Environment.ExpandEnvironmentVariables(raw) }.Distinct(StringComparer.Ordinal))
            {
                if (CheckChildValue(text, null, GuardPaths.Normalize("~/.kube/config"), fullPolicyForUrls: false) is { } decision)
                {
                    var fix = inSources
                        ? $"remove the source, or add <clear /> to the packageSources of a nuget.config nearer to the project so that dotnet never reads this one"
                        : "remove the setting";
                    refuse(decision with { Detail = $"{file}:{line}: the NuGet {element.Parent?.Name.LocalName} entry '{key}' names '{decision.Target}', and dotnet would use it: {decision.Detail} Fix: {fix}." }, $"the NuGet configuration {file}:{line}");
                }
            }
        }

        return clears;
    }
}
