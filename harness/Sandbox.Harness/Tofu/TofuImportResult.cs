using Sandbox.Harness.Guard;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tofu;

/// <summary>
/// A topology read from OpenTofu code: the <c>topology.yaml</c> text, its policy files, and what the
/// import left out and why. <see cref="WriteTo"/> writes it only after <see cref="TopologyLoader"/>
/// accepted it.
/// </summary>
/// <param name="Directory">The root module's folder.</param>
/// <param name="TopologyYaml">The topology file's text; policy paths in it are relative to it.</param>
/// <param name="PolicyFiles">Relative path (from the topology file's folder) to policy text.</param>
/// <param name="Apps">The app slugs found, in order.</param>
/// <param name="Notes">What was left out and why, each with <c>file:line</c>.</param>
/// <param name="SecretsNotRead">Secret attributes that were never read (<c>file:line: address.attribute</c>).</param>
/// <param name="EndpointsNotImported">Production endpoints that were never read; replay sets the sandbox's.</param>
/// <param name="UnknownResourceTypes">Resource types the import does not map, with how many instances.</param>
/// <param name="FileCount">How many .tf files were read.</param>
/// <param name="ResourceCount">How many resource instances were evaluated.</param>
internal sealed record TofuImportResult(
    string Directory,
    string TopologyYaml,
    IReadOnlyDictionary<string, string> PolicyFiles,
    IReadOnlyList<string> Apps,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> SecretsNotRead,
    IReadOnlyList<string> EndpointsNotImported,
    IReadOnlyDictionary<string, int> UnknownResourceTypes,
    int FileCount,
    int ResourceCount)
{
    /// <summary>
    /// Checks the topology with <see cref="TopologyLoader"/> in a private temporary folder, then
    /// writes the topology and its policy files through the guard. Nothing is written when the
    /// check fails.
    /// </summary>
    /// <param name="topologyFile">The topology file to write; policies go to <c>&lt;name&gt;-policies/</c> beside it.</param>
    /// <param name="guard">The guard every write goes through.</param>
    /// <param name="caller">Who writes, for the audit log.</param>
    /// <returns>The files written.</returns>
    /// <exception cref="TofuException">The imported topology does not validate.</exception>
    public IReadOnlyList<string> WriteTo(string topologyFile, SandboxGuard guard, string caller)
    {
        ArgumentNullException.ThrowIfNull(topologyFile);
        ArgumentNullException.ThrowIfNull(guard);
        _ = Validate();
        var full = Path.GetFullPath(topologyFile);
        var dir = Path.GetDirectoryName(full)!;
        var written = new List<string>();
        foreach (var (relative, text) in Files(Path.GetFileNameWithoutExtension(full)))
        {
            var target = relative is null ? full : Path.Combine(dir, relative);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var stream = guard.OpenFile(target, FileMode.Create, FileAccess.Write, caller))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
            }

            written.Add(target);
        }

        return written;
    }

    /// <summary>Loads the imported topology with <see cref="TopologyLoader"/> (from a private temporary folder) and returns it.</summary>
    /// <returns>The validated topology; its source file is the temporary copy, already deleted.</returns>
    /// <exception cref="TofuException">The imported topology does not validate.</exception>
    public TopologySpec Validate()
    {
        var temp = System.IO.Directory.CreateTempSubdirectory("sandbox-tofu-import-");
        try
        {
            var file = Path.Combine(temp.FullName, "topology.yaml");
            foreach (var (relative, text) in Files("topology"))
            {
                var target = relative is null ? file : Path.Combine(temp.FullName, relative);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, text);
            }

            try
            {
                return TopologyLoader.Load(file);
            }
            catch (TopologyException ex)
            {
                throw TofuException.Unrepresentable(Directory,
                    $"the code does not make a topology Sandbox can replay: {ex.Problem} (at {Path.GetFileName(ex.File)}:{ex.Line} of the generated topology)",
                    ex.Fix + " Change the OpenTofu code, or write the topology by hand (docs/topology.md).");
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private IEnumerable<(string? Relative, string Text)> Files(string stem)
    {
        yield return (null, TopologyYaml.Replace(TofuImporter.PolicyFolderToken, stem + "-policies", StringComparison.Ordinal));
        foreach (var (relative, text) in PolicyFiles)
        {
            yield return (Path.Combine(stem + "-policies", relative), text);
        }
    }

    /// <summary>A readable report: what was imported, skipped, not read and not understood.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"tofu import: {Apps.Count} app{(Apps.Count == 1 ? "" : "s")} ({string.Join(", ", Apps.Take(10))}{(Apps.Count > 10 ? ", ..." : "")}) from {ResourceCount} resources in {FileCount} .tf files of {Directory}");
        if (SecretsNotRead.Count > 0)
        {
            sb.AppendLine($"  secrets never read ({SecretsNotRead.Count}):");
            foreach (var s in SecretsNotRead)
            {
                sb.AppendLine("    " + s);
            }
        }

        if (EndpointsNotImported.Count > 0)
        {
            sb.AppendLine($"  production endpoints not imported; replay uses the sandbox's ({EndpointsNotImported.Count}):");
            foreach (var s in EndpointsNotImported)
            {
                sb.AppendLine("    " + s);
            }
        }

        if (UnknownResourceTypes.Count > 0)
        {
            sb.AppendLine("  resource types not imported: " + string.Join(", ", UnknownResourceTypes.Select(p => $"{p.Key} ({p.Value})")));
        }

        if (Notes.Count > 0)
        {
            sb.AppendLine($"  left out ({Notes.Count}):");
            foreach (var n in Notes)
            {
                sb.AppendLine("    " + n);
            }
        }

        return sb.ToString();
    }
}
