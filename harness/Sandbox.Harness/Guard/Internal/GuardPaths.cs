namespace Sandbox.Harness.Guard.Internal;

/// <summary>Path handling for the file guard: <c>~</c> expansion and lexical normalisation.</summary>
internal static class GuardPaths
{
    /// <summary>
    /// The account's home directory from the password database (getpwuid), never <c>$HOME</c>: a
    /// caller's <c>HOME=/tmp</c> must not move the protected <c>~/...</c> paths somewhere else.
    /// Only where the password database has no entry does <c>$HOME</c> count.
    /// </summary>
    public static string Home
    {
        get
        {
            var home = Posix.AccountHome ?? Environment.GetEnvironmentVariable("HOME");
            return string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home;
        }
    }

    /// <summary>Expands a leading <c>~</c>, makes the path absolute and removes <c>.</c>, <c>..</c> and doubled or trailing separators.</summary>
    public static string Normalize(string path)
    {
        var p = path.Trim();
        if (p == "~")
        {
            p = Home;
        }
        else if (p.StartsWith("~/", StringComparison.Ordinal))
        {
            p = Path.Join(Home, p[2..]);
        }

        p = Path.GetFullPath(p);
        if (p.Length > 1)
        {
            p = p.TrimEnd('/');
        }

        return p.Length == 0 ? "/" : p;
    }
}
