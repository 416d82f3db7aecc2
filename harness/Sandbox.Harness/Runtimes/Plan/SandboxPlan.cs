using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sandbox.Harness.Runtimes.Plan;

/// <summary>
/// What <c>up --plan DIR</c> collects while the runtime's own code runs in plan mode: the commands
/// it would run (after the guard allowed each), the files it would write and apply, and the writes
/// it would make into an empty sandbox Vault. Nothing reaches the disk until <see cref="WriteAsync"/>,
/// so a refused command leaves the folder untouched.
/// </summary>
internal sealed class SandboxPlan
{
    /// <summary>What stands in for every secret (passwords, unseal keys, tokens, seed values).</summary>
    public const string Redacted = "<redacted>";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly List<PlannedCommand> _commands = [];
    private readonly List<PlannedVaultWrite> _vaultWrites = [];
    private readonly List<(string Relative, string Content)> _files = [];

    /// <summary>Creates an empty plan for <paramref name="runtime"/> that will be written to <paramref name="folder"/>.</summary>
    /// <param name="runtime">Process, docker or k3d.</param>
    /// <param name="folder">The plan folder (it is the run folder of the planned run).</param>
    public SandboxPlan(RuntimeKind runtime, string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Runtime = runtime;
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>The runtime planned.</summary>
    public RuntimeKind Runtime { get; }

    /// <summary>The plan folder.</summary>
    public string Folder { get; }

    /// <summary>The commands, in order.</summary>
    public IReadOnlyList<PlannedCommand> Commands => _commands;

    /// <summary>The files (relative to <see cref="Folder"/>), in the order they were written.</summary>
    public IReadOnlyList<string> Files => [.. _files.Select(f => f.Relative)];

    /// <summary>The Vault writes, in order.</summary>
    public IReadOnlyList<PlannedVaultWrite> VaultWrites => _vaultWrites;

    /// <summary>The content of a planned file.</summary>
    /// <param name="relative">Its path relative to <see cref="Folder"/>.</param>
    public string? FileContent(string relative) => _files.LastOrDefault(f => f.Relative == relative).Content;

    /// <summary>Records a command the guard allowed; its standard input (already redacted) becomes a plan file.</summary>
    /// <param name="tool">The tool's name (a path is reduced to its file name).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="stdin">Its standard input, or null.</param>
    /// <param name="stdinFile">Where the standard input goes in the plan (relative); <c>stdin/&lt;n&gt;.txt</c> when null.</param>
    public void AddCommand(string tool, IEnumerable<string> arguments, string? stdin = null, string? stdinFile = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(arguments);
        string? file = null;
        if (stdin is not null)
        {
            file = stdinFile ?? $"stdin/{(_commands.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}.txt";
            AddFileRelative(file, stdin);
        }

        _commands.Add(new PlannedCommand([Path.GetFileName(tool), .. arguments], file));
    }

    /// <summary>Records a file that <c>up</c> writes into its run folder (the plan folder).</summary>
    /// <param name="path">The full path, inside <see cref="Folder"/>.</param>
    /// <param name="content">Its content (secrets already redacted).</param>
    /// <exception cref="ArgumentException">The path is outside the plan folder.</exception>
    public void AddFile(string path, string content)
    {
        ArgumentNullException.ThrowIfNull(path);
        var relative = Path.GetRelativePath(Folder, Path.GetFullPath(path));
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new ArgumentException($"'{path}' is outside the plan folder {Folder}.", nameof(path));
        }

        AddFileRelative(relative.Replace('\\', '/'), content);
    }

    /// <summary>Records a Vault write; secret fields are redacted here.</summary>
    /// <param name="path">The API path below <c>/v1/</c>.</param>
    /// <param name="body">The body (copied, then redacted).</param>
    public void AddVaultWrite(string path, JsonObject? body)
    {
        ArgumentNullException.ThrowIfNull(path);
        var copy = body is null ? [] : (JsonObject)body.DeepClone();
        _vaultWrites.Add(new PlannedVaultWrite(path, RedactSecrets(path, copy)));
    }

    /// <summary>The <c>plan.json</c> document.</summary>
    public JsonObject ToJson() => new()
    {
        ["runtime"] = Runtime.ToString().ToLowerInvariant(),
        ["commands"] = new JsonArray([.. _commands.Select(c => (JsonNode)new JsonObject
        {
            ["argv"] = new JsonArray([.. c.Argv.Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["stdin"] = c.Stdin,
        })]),
        ["files"] = new JsonArray([.. Files.Select(f => (JsonNode?)JsonValue.Create(f))]),
        ["vaultWrites"] = new JsonArray([.. _vaultWrites.Select(w => (JsonNode)new JsonObject { ["path"] = w.Path, ["body"] = w.Body.DeepClone() })]),
    };

    /// <summary>Writes every planned file and <c>plan.json</c> into <see cref="Folder"/>.</summary>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <exception cref="SandboxPlanException">The folder holds something that is not a previous plan.</exception>
    public async Task WriteAsync(CancellationToken cancellationToken = default)
    {
        EnsureFolderUsable(Folder);
        Directory.CreateDirectory(Folder);
        foreach (var (relative, content) in _files)
        {
            var full = Path.Combine(Folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(Path.Combine(Folder, "plan.json"), ToJson().ToJsonString(JsonOptions) + "\n", new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a folder that holds files but no <c>plan.json</c> (a plan overwrites only a plan).</summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="SandboxPlanException">It is not empty and not a plan.</exception>
    public static void EnsureFolderUsable(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder) || File.Exists(Path.Combine(folder, "plan.json")))
        {
            return;
        }

        var first = Directory.EnumerateFileSystemEntries(folder).FirstOrDefault();
        if (first is not null)
        {
            throw SandboxPlanException.FolderNotEmpty(folder, Path.GetFileName(first));
        }
    }

    private void AddFileRelative(string relative, string content)
    {
        _files.RemoveAll(f => f.Relative == relative);
        _files.Add((relative, content));
    }

    private static readonly HashSet<string> SecretFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "key", "keys", "token", "secret_id", "private_key", "root_token", "client_secret", "jwt",
    };

    private static JsonObject RedactSecrets(string path, JsonObject body)
    {
        foreach (var name in body.Select(p => p.Key).ToList())
        {
            if (SecretFields.Contains(name))
            {
                body[name] = Redacted;
            }
        }

        // A KV v2 write (<mount>/data/<path>) carries the values themselves: every one is redacted.
        if (path.Contains("/data/", StringComparison.Ordinal) && body["data"] is JsonObject data)
        {
            foreach (var name in data.Select(p => p.Key).ToList())
            {
                data[name] = Redacted;
            }
        }

        return body;
    }
}
