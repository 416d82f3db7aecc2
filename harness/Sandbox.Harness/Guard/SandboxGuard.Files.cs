using Microsoft.Win32.SafeHandles;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

public sealed partial class SandboxGuard
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// Throws unless <paramref name="path"/> may be opened. A denylisted path is refused before any
    /// file-system call on it, so the production key file is never opened, not even to test that it exists.
    /// </summary>
    /// <param name="path">The path (<c>~</c> allowed).</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The path is denylisted.</exception>
    public void EnsureFileAllowed(string path, string caller) => Ensure(CheckFile(path, caller), caller);

    /// <summary>
    /// Opens a file after <see cref="EnsureFileAllowed"/>; after opening, the opened file's real
    /// path is checked once more so that a symlink swapped in between is caught and closed unread.
    /// </summary>
    /// <param name="path">The path (<c>~</c> allowed).</param>
    /// <param name="mode">How to open it.</param>
    /// <param name="access">Read, write or both.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The path is denylisted.</exception>
    public FileStream OpenFile(string path, FileMode mode, FileAccess access, string caller)
    {
        EnsureFileAllowed(path, caller);
        var stream = new FileStream(GuardPaths.Normalize(path), mode, access, access == FileAccess.Read ? FileShare.Read : FileShare.None);
        try
        {
            var real = RealPathOf(stream.SafeFileHandle);
            if (real is not null)
            {
                var again = CheckFileCore(real);
                if (!again.Allowed)
                {
                    throw GuardBlockedException.Blocked(Record(caller, again), caller);
                }
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private GuardDecision CheckFileCore(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return GuardDecision.Block(path ?? string.Empty, GuardRules.InvalidTarget, "An empty path cannot be checked.");
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return GuardDecision.Block(path, GuardRules.InvalidTarget, "A path with a NUL character is refused.");
        }

        string lexical;
        try
        {
            lexical = GuardPaths.Normalize(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return GuardDecision.Block(path, GuardRules.InvalidTarget, $"The path cannot be normalised: {ex.Message}");
        }

        // 1. As written: no file-system call at all.
        if (MatchFile(lexical, out var rule))
        {
            return GuardDecision.Block(path, rule, $"'{lexical}' is a denylisted production file; it was not opened or touched.");
        }

        // 2. Through symlinks: resolve the parent directories, then the final component if it is a
        //    link, checking every intermediate path before the next file-system call.
        var current = lexical;
        for (var hop = 0; hop < MaxLinkHops; hop++)
        {
            var parent = Path.GetDirectoryName(current);
            var resolvedParent = parent is null ? "/" : ResolveDirectory(parent, 0, out rule);
            if (resolvedParent is null)
            {
                return GuardDecision.Block(path, rule, "A parent directory of the path is, or leads to, a denylisted production file.");
            }

            var candidate = Path.Join(resolvedParent, Path.GetFileName(current));
            if (MatchFile(candidate, out rule))
            {
                return GuardDecision.Block(path, rule, $"'{path}' leads to the denylisted production file '{candidate}' through a symlinked directory; it was not opened.");
            }

            string? target;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is null)
            {
                return GuardDecision.Allow(path, GuardRules.NotDenylisted, $"'{candidate}' matches no denylisted file.");
            }

            current = GuardPaths.Normalize(Path.IsPathRooted(target) ? target : Path.Join(resolvedParent, target));
            if (MatchFile(current, out rule))
            {
                return GuardDecision.Block(path, rule, $"'{path}' is a symlink to the denylisted production file '{current}'; it was not opened.");
            }
        }

        return GuardDecision.Block(path, GuardRules.InvalidTarget, $"'{path}' goes through more than {MaxLinkHops} symlinks.");
    }

    /// <summary>Resolves symlinks in a directory path, component by component; null when a component is denylisted.</summary>
    private string? ResolveDirectory(string directory, int depth, out string rule)
    {
        rule = string.Empty;
        if (depth > MaxLinkHops)
        {
            return directory;
        }

        var current = "/";
        var parts = directory.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Join(current, parts[i]);
            if (MatchFile(next, out rule))
            {
                return null;
            }

            string? target;
            try
            {
                target = new DirectoryInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            var linked = GuardPaths.Normalize(Path.IsPathRooted(target) ? target : Path.Join(current, target));
            if (MatchFile(linked, out rule))
            {
                return null;
            }

            var resolved = ResolveDirectory(linked, depth + 1, out rule);
            if (resolved is null)
            {
                return null;
            }

            current = resolved;
        }

        return current;
    }

    private bool MatchFile(string normalized, out string rule)
    {
        foreach (var fileRule in _fileRules)
        {
            if (fileRule.Matches(normalized))
            {
                rule = fileRule.Rule;
                return true;
            }
        }

        rule = string.Empty;
        return false;
    }

    private static List<FileRule> ResolveFileRules(IReadOnlyList<FileRule> rules)
    {
        // The denied paths as written, and again with their parent directories' symlinks resolved
        // (only directories are touched, never the denied file itself).
        var all = new List<FileRule>(rules);
        foreach (var rule in rules)
        {
            var dir = rule.Pattern is null ? Path.GetDirectoryName(rule.Normalized) : Path.GetDirectoryName(rule.Normalized);
            if (dir is null || Glob.HasWildcards(dir))
            {
                continue;
            }

            var resolved = ResolveDirectoryForRules(dir);
            if (resolved != dir)
            {
                all.Add(rule.WithPath(Path.Join(resolved, Path.GetFileName(rule.Normalized))));
            }
        }

        return all;
    }

    private static string ResolveDirectoryForRules(string directory)
    {
        try
        {
            var current = "/";
            foreach (var part in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var next = Path.Join(current, part);
                var info = new DirectoryInfo(next);
                current = info.LinkTarget is null ? next : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next;
            }

            return current;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return directory;
        }
    }

    private static string? RealPathOf(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
