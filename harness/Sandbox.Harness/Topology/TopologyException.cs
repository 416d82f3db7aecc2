namespace Sandbox.Harness.Topology;

/// <summary>
/// A topology file (or overlay, or policy template) that cannot be used. The message names
/// the file, the line and column, the problem and the fix.
/// </summary>
public sealed class TopologyException : SandboxException
{
    private TopologyException(string file, int line, int column, string problem, string fix, Exception? inner = null)
        : base(PositionedMessage.Format(file, line, column, problem, fix), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
        Fix = fix;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>The 1-based line (0 when the whole file is at fault).</summary>
    public int Line { get; }

    /// <summary>The 1-based column (0 when the whole file is at fault).</summary>
    public int Column { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>What to change.</summary>
    public string Fix { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.InvalidInput;

    internal static TopologyException At(string file, int line, int column, string problem, string fix) =>
        new(file, line, column, problem, fix);

    internal static TopologyException FileMissing(string file) =>
        new(file, 0, 0, "the topology file does not exist", "check the path given to --topology (relative paths start at the current directory).");

    internal static TopologyException Unreadable(string file, string namedIn, int line, int column, Exception inner) =>
        new(namedIn, line, column, $"cannot read \"{file}\": {inner.Message}", "check that the file exists and that this user may read it.", inner);

    internal static TopologyException Empty(string file) =>
        new(file, 0, 0, "the topology file is empty", "start from fixtures/topology.yaml; docs/topology.md describes every key.");

    internal static TopologyException Yaml(string file, int line, int column, string problem, Exception inner) =>
        new(file, line, column, "invalid YAML: " + problem, "fix the YAML syntax at that position (indentation, quotes, a missing ':').", inner);

    internal static TopologyException UnknownKey(string file, int line, int column, string key, string where, IReadOnlyCollection<string> allowed)
    {
        var suggestion = Closest(key, allowed);
        return new(file, line, column, $"unknown key \"{key}\" in {where}",
            (suggestion is null ? "" : $"did you mean \"{suggestion}\"? ") + $"Allowed keys here: {string.Join(", ", allowed)}.");
    }

    internal static TopologyException Missing(string file, int line, int column, string key, string where, string example) =>
        new(file, line, column, $"missing required key \"{key}\" in {where}", $"add it, e.g. {example}.");

    internal static TopologyException WrongType(string file, int line, int column, string key, string expected, string found) =>
        new(file, line, column, $"\"{key}\" must be {expected}, found {found}", $"write \"{key}\" as {expected}.");

    internal static TopologyException DuplicateApp(string file, int line, int column, string slug, string firstFile, int firstLine) =>
        new(file, line, column, $"duplicate app \"{slug}\" (first defined at {firstFile}:{firstLine})",
            "give each app a unique slug, or merge the two entries into one.");

    internal static TopologyException InvalidName(string file, int line, int column, string key, string value, string rule, string? fix = null) =>
        new(file, line, column, $"\"{key}\" value \"{value}\" is not a valid name: {rule}",
            fix ?? "use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. \"my-app\").");

    internal static TopologyException InvalidDuration(string file, int line, int column, string key, string value) =>
        new(file, line, column, $"\"{key}\" value \"{value}\" is not a duration",
            "write whole seconds (3600) or Vault's duration syntax with s, m, h or d units (\"1h\", \"90s\", \"1h30m\", \"7d\").");

    internal static TopologyException MissingPolicy(string file, int line, int column, string role, string policy, IEnumerable<string> known) =>
        new(file, line, column, $"role \"{role}\" names policy \"{policy}\", which the topology does not define",
            $"name one of the defined policies ({string.Join(", ", known)}), or add \"{policy}\" under extraPolicies.");

    internal static TopologyException PolicyTemplate(string templateFile, int line, int column, string problem, string fix, string usedBy, Exception inner) =>
        new(templateFile, line, column, $"policy template does not parse ({usedBy}): {problem}", fix, inner);

    internal static TopologyException TemplateFileMissing(string file, int line, int column, string template) =>
        new(file, line, column, $"policy template \"{template}\" does not exist",
            "give a path relative to the file that names it, e.g. policies/app.hcl.");

    internal static TopologyException UnknownPlaceholder(string templateFile, int line, int column, string placeholder) =>
        new(templateFile, line, column, $"unknown placeholder \"{placeholder}\" in policy template",
            "the only placeholder is {{app}}, the app slug.");

    internal static TopologyException Invalid(string file, int line, int column, string problem, string fix) =>
        new(file, line, column, problem, fix);

    private static string? Closest(string key, IEnumerable<string> allowed)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in allowed)
        {
            var d = Distance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var cur = new int[b.Length + 1];
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            prev = cur;
        }

        return prev[b.Length];
    }
}
