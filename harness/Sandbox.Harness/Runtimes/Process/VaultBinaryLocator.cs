namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Finds the Vault the process runtime runs: an explicit binary (<c>--vault-binary</c>), then
/// <c>SANDBOX_VAULT_BINARY</c>, then <c>vault</c> or <c>bao</c> on PATH, else the Vault double
/// (<c>SANDBOX_VAULT_DOUBLE</c> = path of Sandbox.VaultDouble.dll, else the newest built output in
/// the checkout, found by walking up from the application folder to <c>Sandbox.sln</c>).
/// </summary>
internal static class VaultBinaryLocator
{
    /// <summary>The variable naming a vault or bao binary.</summary>
    public const string BinaryVariable = "SANDBOX_VAULT_BINARY";

    /// <summary>The variable naming the double's assembly.</summary>
    public const string DoubleVariable = "SANDBOX_VAULT_DOUBLE";

    /// <summary>The folder next to the application where a package puts the double: <c>vault-double</c>.</summary>
    public const string ShippedDoubleFolder = "vault-double";

    private static readonly string[] BinaryNames = ["vault", "bao"];
    private static readonly string[] Configurations = ["Release", "Debug"];

    /// <summary>How to build the double.</summary>
    public const string BuildDoubleHint = "build it with 'dotnet build fixtures/Sandbox.VaultDouble -c Release' in the checkout, or set SANDBOX_VAULT_DOUBLE to its Sandbox.VaultDouble.dll";

    /// <summary>Finds the Vault to run.</summary>
    /// <param name="explicitBinary">A binary the user chose, or null.</param>
    /// <param name="searchPath">The PATH to search; the process's PATH when null.</param>
    public static VaultLocation Find(string? explicitBinary = null, string? searchPath = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitBinary))
        {
            return FromBinary(explicitBinary, "--vault-binary");
        }

        var fromEnv = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return FromBinary(fromEnv, BinaryVariable);
        }

        foreach (var name in BinaryNames)
        {
            var found = FindOnPath(name, searchPath);
            if (found is not null)
            {
                return new VaultLocation(new VaultLaunch(VaultKind.Unknown, found, [], found), null);
            }
        }

        return FindDouble(searchPath);
    }

    /// <summary>Finds the double only.</summary>
    /// <param name="searchPath">The PATH to search for dotnet; the process's PATH when null.</param>
    public static VaultLocation FindDouble(string? searchPath = null)
    {
        var dotnet = FindDotnet(searchPath);
        if (dotnet is null)
        {
            return new VaultLocation(null, new PreflightProblem("dotnet (to run the Vault double)", "no dotnet host on PATH or in DOTNET_HOST_PATH", "install the .NET 10 SDK"));
        }

        var fromEnv = Environment.GetEnvironmentVariable(DoubleVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            var full = Path.GetFullPath(fromEnv);
            return File.Exists(full)
                ? new VaultLocation(new VaultLaunch(VaultKind.Double, dotnet, [full], full), null)
                : new VaultLocation(null, new PreflightProblem("the Vault double", $"{DoubleVariable}={fromEnv} does not exist", BuildDoubleHint));
        }

        // Installed from a package (the CLI tool, or a test project referencing the library): the
        // double travels in vault-double/ next to the application.
        var shipped = Path.Combine(AppContext.BaseDirectory, ShippedDoubleFolder, "Sandbox.VaultDouble.dll");
        var root = FindCheckoutRoot(AppContext.BaseDirectory);
        if (root is null && File.Exists(shipped))
        {
            return new VaultLocation(new VaultLaunch(VaultKind.Double, dotnet, [shipped], shipped), null);
        }

        if (root is null)
        {
            return new VaultLocation(null, new PreflightProblem(
                "a Vault: vault or bao on PATH, SANDBOX_VAULT_BINARY, or the Vault double",
                $"no vault/bao on PATH, and no checkout (Sandbox.sln) above {AppContext.BaseDirectory} to find the double in",
                $"install Vault (https://developer.hashicorp.com/vault/install) or OpenBao, or set {DoubleVariable} to Sandbox.VaultDouble.dll"));
        }

        var candidates = Configurations
            .Select(c => Path.Combine(root, "fixtures", "Sandbox.VaultDouble", "bin", c, "net10.0", "Sandbox.VaultDouble.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        return candidates.Count > 0
            ? new VaultLocation(new VaultLaunch(VaultKind.Double, dotnet, [candidates[0]], candidates[0]), null)
            : new VaultLocation(null, new PreflightProblem(
                "a Vault: vault or bao on PATH, SANDBOX_VAULT_BINARY, or the Vault double",
                $"no vault/bao on PATH and the double is not built (looked in {Path.Combine(root, "fixtures", "Sandbox.VaultDouble", "bin", "{Release,Debug}", "net10.0")})",
                BuildDoubleHint));
    }

    /// <summary>An executable on the search path, or null.</summary>
    /// <param name="name">The file name.</param>
    /// <param name="searchPath">The PATH to search; the process's PATH when null.</param>
    public static string? FindOnPath(string name, string? searchPath = null)
    {
        foreach (var dir in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static VaultLocation FromBinary(string path, string from)
    {
        var full = Path.IsPathRooted(path) ? path : FindOnPath(path) ?? Path.GetFullPath(path);
        return File.Exists(full) && IsExecutable(full)
            ? new VaultLocation(new VaultLaunch(VaultKind.Unknown, full, [], full), null)
            : new VaultLocation(null, new PreflightProblem("the Vault binary", $"{from} names '{path}', which is not an executable file", "give the full path of a vault or bao binary"));
    }

    private static string? FindDotnet(string? searchPath)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrWhiteSpace(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return FindOnPath("dotnet", searchPath);
    }

    private static string? FindCheckoutRoot(string start) => SandboxCheckout.FindRoot(start);

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
