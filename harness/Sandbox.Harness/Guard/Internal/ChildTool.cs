namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// What the guard knows about one program the harness starts: which inherited environment
/// variables it may see (everything else is removed), and which of its own configuration sources
/// the guard pins to sandbox-owned values.
/// </summary>
/// <param name="Name">The tool's name as the guard reports it (<c>docker</c>, <c>vault-double</c>, ...).</param>
/// <param name="Allowed">Inherited variables this tool may see besides <see cref="ChildTools.Base"/>: exact names or <c>PREFIX*</c>.</param>
/// <param name="PinsKubeconfig">The tool reads a kubeconfig: <c>KUBECONFIG</c> is always set (the private one, or an empty sandbox-owned file).</param>
/// <param name="PinsDockerConfig">The tool reads docker's CLI config and current context: <c>DOCKER_CONFIG</c> names an empty sandbox-owned folder.</param>
/// <param name="GetsDenylist">The tool runs a guard of its own (the Vault double, a test run): <c>SANDBOX_DENYLIST</c> names this guard's denylist.</param>
internal sealed record ChildTool(string Name, string[] Allowed, bool PinsKubeconfig = false, bool PinsDockerConfig = false, bool GetsDenylist = false)
{
    /// <summary>True when <paramref name="variable"/> may be inherited by this tool.</summary>
    public bool Allows(string variable) => ChildTools.Matches(ChildTools.Base, variable) || ChildTools.Matches(Allowed, variable);
}

/// <summary>The per-tool environment allow-lists (see <see cref="ChildTool"/>).</summary>
internal static class ChildTools
{
    /// <summary>
    /// What every child may inherit: the search path, locale and time zone, the terminal, the
    /// temporary folder and the account's names. <c>HOME</c> is not inherited: it is set to the
    /// account's home from the password database.
    /// </summary>
    public static readonly string[] Base = ["PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "NO_COLOR", "TMPDIR", "USER", "LOGNAME"];

    /// <summary>Variables no allow-list entry can let through (they load code into a .NET child).</summary>
    public static readonly string[] Never = ["DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE", "CORECLR_*", "COMPlus_*", "LD_*"];

    private static readonly string[] DotnetRuntime = ["DOTNET_*"];

    private static readonly string[] VaultLicence = ["VAULT_LICENSE", "VAULT_LICENSE_PATH"];

    /// <summary>PostgreSQL's programs: nothing beyond the base (no <c>PG*</c> variable: the harness passes -D, -h, -p, -U itself).</summary>
    private static readonly string[] PostgresPrograms =
    [
        "initdb", "pg_ctl", "postgres", "postmaster", "psql", "pg_isready", "createdb", "dropdb", "createuser", "dropuser",
        "pg_dump", "pg_dumpall", "pg_restore", "pg_basebackup", "pg_controldata", "pg_resetwal", "pg_upgrade",
    ];

    /// <summary>A program the guard has no entry for: the base environment only.</summary>
    public static readonly ChildTool Other = new("other", []);

    public static readonly ChildTool Docker = new("docker", ["DOCKER_HOST"], PinsDockerConfig: true);

    public static readonly ChildTool K3d = new("k3d", ["DOCKER_HOST"], PinsKubeconfig: true, PinsDockerConfig: true);

    public static readonly ChildTool Kubectl = new("kubectl", [], PinsKubeconfig: true);

    public static readonly ChildTool Helm = new("helm", [], PinsKubeconfig: true);

    public static readonly ChildTool Postgres = new("postgresql", []);

    /// <summary>The Vault (or OpenBao) binary: its Enterprise licence, nothing else of the VAULT_* family.</summary>
    public static readonly ChildTool Vault = new("vault", VaultLicence);

    /// <summary>The Vault double (a .NET program): the .NET runtime's variables, its own tuning and the guard's denylist.</summary>
    public static readonly ChildTool VaultDouble = new("vault-double", [.. DotnetRuntime, .. VaultLicence, "ASPNETCORE_ENVIRONMENT", "SANDBOX_DOUBLE_*"], GetsDenylist: true);

    /// <summary><c>dotnet</c> itself (a test run): the SDK's and NuGet's variables, the sandbox's own, and <c>CI</c> (tests gate on it).</summary>
    public static readonly ChildTool Dotnet = new("dotnet", [.. DotnetRuntime, "NUGET_*", "MSBUILD*", "VSTEST_*", "SANDBOX_*", "CI"], GetsDenylist: true);

    /// <summary>The tool for a program file name (no wrapper handling: see <c>SandboxGuard.ClassifyChild</c>).</summary>
    public static ChildTool For(string exe, IReadOnlyList<string> args)
    {
        switch (exe)
        {
            case "docker":
                return Docker;
            case "k3d":
                return K3d;
            case "kubectl":
                return Kubectl;
            case "helm":
                return Helm;
            case "vault" or "bao":
                return Vault;
            case "dotnet":
                return args.Count > 0 && args[0].EndsWith("Sandbox.VaultDouble.dll", StringComparison.Ordinal) ? VaultDouble : Dotnet;
        }

        return Array.IndexOf(PostgresPrograms, exe) >= 0 ? Postgres : Other;
    }

    public static bool Matches(string[] patterns, string variable)
    {
        foreach (var p in patterns)
        {
            if (p.EndsWith('*') ? variable.StartsWith(p.AsSpan(0, p.Length - 1), StringComparison.Ordinal) : string.Equals(p, variable, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
