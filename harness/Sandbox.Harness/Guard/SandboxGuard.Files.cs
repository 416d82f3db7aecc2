using Microsoft.Win32.SafeHandles;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    private const int MaxLinkHops = 40;

    private static readonly Lazy<SandboxGuard> BuiltInFilesLazy = new(() => new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()));

    private static SandboxGuard? s_forFiles;

    /// <summary>The file guard of the built-in denylist (used to read a denylist file, before any other exists).</summary>
    public static SandboxGuard BuiltInFiles => BuiltInFilesLazy.Value;

    /// <summary>
    /// The file guard every loader of Sandbox reads through (topology and its policy templates, NO-GO
    /// rules, change files): a guard of <see cref="Denylist.InForce"/>, the denylist of this process's command.
    /// </summary>
    public static SandboxGuard ForFiles
    {
        get
        {
            var inForce = Denylist.InForce;
            var current = s_forFiles;
            if (current is null || !ReferenceEquals(current.Denylist, inForce))
            {
                current = ReferenceEquals(inForce, Denylist.BuiltIn) ? BuiltInFiles : new SandboxGuard(inForce, GuardAuditLog.InMemory());
                s_forFiles = current;
            }

            return current;
        }
    }

    /// <summary>
    /// Reads a text file through the file guard: checked before any file-system call names it, opened,
    /// and checked again by the opened file's real path and identity (a hard link is caught here).
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who reads, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The path is, leads to, or is a hard link of a denylisted file.</exception>
    public string ReadAllText(string path, string caller)
    {
        using var stream = OpenFile(path, FileMode.Open, FileAccess.Read, caller);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Reads a text file through the file guard, as <see cref="ReadAllText"/> does, without blocking a thread.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who reads, for the audit log.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The file's text.</returns>
    /// <exception cref="GuardBlockedException">The path is, leads to, or is a hard link of a denylisted file.</exception>
    public async Task<string> ReadAllTextAsync(string path, string caller, CancellationToken cancellationToken = default)
    {
        var stream = OpenFile(path, FileMode.Open, FileAccess.Read, caller);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a file's bytes through the file guard, as <see cref="ReadAllTextAsync"/> reads its text.</summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who reads, for the audit log.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="GuardBlockedException">The path is, leads to, or is a hard link of a denylisted file.</exception>
    public async Task<byte[]> ReadAllBytesAsync(string path, string caller, CancellationToken cancellationToken = default)
    {
        var stream = OpenFile(path, FileMode.Open, FileAccess.Read, caller);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    /// <summary>
    /// The first line of a text file read through the file guard (a pid file's pid), or null when the file is empty.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who reads, for the audit log.</param>
    /// <returns>The first line, without its line break.</returns>
    /// <exception cref="GuardBlockedException">The path is, leads to, or is a hard link of a denylisted file.</exception>
    public string? ReadFirstLine(string path, string caller)
    {
        using var stream = OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, caller);
        using var reader = new StreamReader(stream);
        return reader.ReadLine();
    }

    /// <summary>True when <paramref name="path"/> is allowed and exists (the check comes before the file-system call).</summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The path is denylisted.</exception>
    public bool FileExists(string path, string caller)
    {
        EnsureFileAllowed(path, caller);
        return File.Exists(GuardPaths.Normalize(path));
    }

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
    public FileStream OpenFile(string path, FileMode mode, FileAccess access, string caller) =>
        OpenFile(path, mode, access, access == FileAccess.Read ? FileShare.Read : FileShare.None, caller);

    /// <summary>
    /// Opens a file as <see cref="OpenFile(string, FileMode, FileAccess, string)"/> does, sharing it as
    /// <paramref name="share"/> says (a log another process is still writing is read with <see cref="FileShare.ReadWrite"/>).
    /// </summary>
    /// <param name="path">The path (<c>~</c> allowed).</param>
    /// <param name="mode">How to open it.</param>
    /// <param name="access">Read, write or both.</param>
    /// <param name="share">What others may do with the file while it is open.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The path is denylisted.</exception>
    public FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, string caller)
    {
        EnsureFileAllowed(path, caller);
        var stream = new FileStream(GuardPaths.Normalize(path), mode, access, share);
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

            // The opened file's identity (stat of the descriptor): a hard link made between the check and the open.
            if (OperatingSystem.IsLinux() && Posix.StatIdentity($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}") is { } opened && DeniedIdentity(opened, out var linkRule))
            {
                throw GuardBlockedException.Blocked(Record(caller, GuardDecision.Block(path, linkRule, $"'{path}' is a hard link of the denylisted production file; it was closed unread.")), caller);
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

        // 2. As the kernel walks it: component by component from the root, a symlink replaced by its
        //    target before any later '..' is applied (so 'link/../x' is judged where it really leads),
        //    every intermediate path checked before the next lstat/readlink names it.
        var raw = path.Trim();
        if (raw == "~" || raw.StartsWith("~/", StringComparison.Ordinal))
        {
            raw = GuardPaths.Home + raw[1..];
        }
        else if (!Path.IsPathRooted(raw))
        {
            raw = Path.Join(Directory.GetCurrentDirectory(), raw);
        }

        // .NET's own file APIs collapse '..' on the text before the kernel sees the path; children do
        // not. Both readings are walked, and both must pass.
        var final = string.Empty;
        foreach (var start in raw == lexical ? new[] { raw } : new[] { raw, lexical })
        {
            var walked = WalkPath(path, start, lexical, out final);
            if (walked is not null)
            {
                return walked;
            }

            // 3. The file's identity (lstat: the directory entry only, the file is not opened): a hard link to
            //    a denied file has another name but the same device and inode.
            if (_deniedIdentities.Count > 0 && Posix.Identity(final) is { } identity && DeniedIdentity(identity, out rule))
            {
                return GuardDecision.Block(path, rule, $"'{final}' is a hard link of a denylisted production file (same device and inode); it was not opened.");
            }
        }

        return GuardDecision.Allow(path, GuardRules.NotDenylisted, $"'{final}' matches no denylisted file.");
    }

    /// <summary>Walks <paramref name="start"/> as the kernel does; a refusing decision, or null with the resolved path.</summary>
    private GuardDecision? WalkPath(string path, string start, string lexical, out string final)
    {
        final = start;
        var pending = new LinkedList<string>(start.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var hops = 0;
        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var part = node.Value;
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var candidate = "/" + string.Join('/', resolved.Append(part));
            if (MatchFile(candidate, out var rule))
            {
                return GuardDecision.Block(path, rule, candidate == lexical
                    ? $"'{lexical}' is a denylisted production file; it was not opened or touched."
                    : $"'{path}' leads to the denylisted production file '{candidate}' (symlinks followed before '..'); it was not opened.");
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
                resolved.Add(part);
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return GuardDecision.Block(path, GuardRules.InvalidTarget, $"'{path}' goes through more than {MaxLinkHops} symlinks.");
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.AddFirst(t);
            }
        }

        final = "/" + string.Join('/', resolved);
        return null;
    }

    private bool DeniedIdentity((ulong Device, ulong Inode) identity, out string rule)
    {
        foreach (var (denied, r) in _deniedIdentities)
        {
            if (denied == identity)
            {
                rule = r;
                return true;
            }
        }

        rule = string.Empty;
        return false;
    }

    /// <summary>
    /// The device and inode of every denied file that exists, from lstat (the file is never opened),
    /// and of every entry of a denied folder (the folder is listed, its files are not opened): so a
    /// hard link made elsewhere is recognised. Taken once, when the guard is built.
    /// </summary>
    private static List<((ulong, ulong) Identity, string Rule)> DeniedIdentities(List<FileRule> rules)
    {
        var result = new List<((ulong, ulong), string)>();
        foreach (var rule in rules)
        {
            if (rule.Pattern is not null)
            {
                continue;
            }

            if (rule.IsDirectory)
            {
                try
                {
                    foreach (var entry in Directory.EnumerateFiles(rule.Normalized, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4, AttributesToSkip = FileAttributes.ReparsePoint }).Take(1000))
                    {
                        if (Posix.Identity(entry) is { } id)
                        {
                            result.Add((id, rule.Rule));
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A folder that cannot be listed holds nothing this account could link to.
                }
            }
            else if (Posix.Identity(rule.Normalized) is { } id)
            {
                result.Add((id, rule.Rule));
            }
        }

        return result;
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
