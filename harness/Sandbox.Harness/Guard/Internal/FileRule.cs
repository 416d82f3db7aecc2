using YamlDotNet.Core;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>One <c>files</c> entry: an exact path, a directory (trailing <c>/</c>) or a glob.</summary>
internal sealed class FileRule
{
    private FileRule(string entry, string normalized, bool directory, Glob? glob)
    {
        Entry = entry;
        Normalized = normalized;
        IsDirectory = directory;
        Pattern = glob;
    }

    public string Entry { get; }

    /// <summary>The path with <c>~</c> expanded and normalised.</summary>
    public string Normalized { get; }

    public bool IsDirectory { get; }

    public Glob? Pattern { get; }

    public string Rule => "files:" + Entry;

    public static FileRule Parse(string source, string value, Mark mark)
    {
        var v = value.Trim();
        if (!(v.StartsWith('/') || v == "~" || v.StartsWith("~/", StringComparison.Ordinal)))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under 'files' is not an absolute path", "write an absolute path (/etc/vault/keys.json) or one under your home directory (~/.arcodange/cluster-keys.json).");
        }

        var directory = v.EndsWith('/') && v.Length > 1;
        var normalized = GuardPaths.Normalize(v);
        Glob? glob = null;
        if (Glob.HasWildcards(normalized) && !Glob.TryCreate(normalized, out glob, out var why))
        {
            throw DenylistException.At(source, mark.Line, mark.Column, $"'{value}' under 'files' is not a valid glob: {why}", "use *, ? and [abc] classes only, for example ~/.arcodange/*.json.");
        }

        return new FileRule(v, normalized, directory, glob);
    }

    /// <summary>A copy of this rule whose path is <paramref name="resolved"/> (the same entry with its parent directories' symlinks resolved).</summary>
    public FileRule WithPath(string resolved)
    {
        Glob? glob = null;
        if (Pattern is not null)
        {
            Glob.TryCreate(resolved, out glob, out _);
        }

        return new FileRule(Entry, resolved, IsDirectory, glob);
    }

    public bool Matches(string normalizedPath)
    {
        if (Pattern is not null)
        {
            return Pattern.IsMatch(normalizedPath);
        }

        if (string.Equals(normalizedPath, Normalized, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // A directory entry covers everything below it; an exact file entry also covers any path
        // "below" it, because reaching such a path would have to look the file up first.
        return normalizedPath.Length > Normalized.Length
            && normalizedPath.StartsWith(Normalized, StringComparison.OrdinalIgnoreCase)
            && (normalizedPath[Normalized.Length] == '/' || Normalized == "/");
    }
}
