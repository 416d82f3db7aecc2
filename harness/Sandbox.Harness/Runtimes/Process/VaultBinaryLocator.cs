namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Finds the Vault the process runtime runs: an explicit binary (<c>--vault-binary</c>), then
/// <c>SANDBOX_VAULT_BINARY</c>, then <c>vault</c> or <c>bao</c> on PATH, else the Vault double
/// (<c>SANDBOX_VAULT_DOUBLE</c> = path of Sandbox.VaultDouble.dll, else the newest output in the
/// checkout, found by walking up from the application folder to <c>Sandbox.sln</c>: the ReadyToRun
/// composite of <c>scripts/publish-vault-double.sh</c> in <c>bin/composite</c>, or the plain build in
/// <c>bin/Release</c> or <c>bin/Debug</c>).
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
    /// <summary>
    /// The folders of the double's outputs under <c>fixtures/Sandbox.VaultDouble/bin</c>: the ReadyToRun
    /// composite (<c>scripts/publish-vault-double.sh</c>) and the plain builds.
    /// </summary>
    internal static readonly string[] OutputFolders = ["composite", Path.Combine("Release", "net10.0"), Path.Combine("Debug", "net10.0")];

    /// <summary>The assemblies whose write time dates an output folder: the double's own, and the library it is built on.</summary>
    private static readonly string[] DatingAssemblies = ["Sandbox.VaultDouble.dll", "Sandbox.Harness.dll"];

    /// <summary>How to build the double.</summary>
    public const string BuildDoubleHint = "build it with 'scripts/publish-vault-double.sh' (or 'dotnet build fixtures/Sandbox.VaultDouble -c Release') in the checkout, or set SANDBOX_VAULT_DOUBLE to its Sandbox.VaultDouble.dll";

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

        var newest = NewestDoubleOutput(root);
        return newest is not null
            ? new VaultLocation(new VaultLaunch(VaultKind.Double, dotnet, [newest], newest), null)
            : new VaultLocation(null, new PreflightProblem(
                "a Vault: vault or bao on PATH, SANDBOX_VAULT_BINARY, or the Vault double",
                $"no vault/bao on PATH and the double is not built (looked in {Path.Combine(root, "fixtures", "Sandbox.VaultDouble", "bin")}/{{{string.Join(',', OutputFolders)}}})",
                BuildDoubleHint));
    }

    /// <summary>
    /// The double's assembly in the newest of the checkout's outputs (<see cref="OutputFolders"/>), or null.
    /// An output is as new as the newer of its <c>Sandbox.VaultDouble.dll</c> and <c>Sandbox.Harness.dll</c>:
    /// a build after a change to the library alone copies a new <c>Sandbox.Harness.dll</c> and may keep the
    /// double's own assembly, and must still win over an older composite. A tie goes to the composite.
    /// </summary>
    /// <param name="root">The checkout root.</param>
    internal static string? NewestDoubleOutput(string root) =>
        OutputFolders
            .Select(folder => Path.Combine(root, "fixtures", "Sandbox.VaultDouble", "bin", folder))
            .Where(folder => File.Exists(Path.Combine(folder, DatingAssemblies[0])))
            .Select((folder, order) => (Folder: folder, Order: order, Written: DatingAssemblies
                .Select(name => Path.Combine(folder, name))
                .Where(File.Exists)
                .Max(File.GetLastWriteTimeUtc)))
            .OrderByDescending(c => c.Written)
            .ThenBy(c => c.Order)
            .Select(c => Path.Combine(c.Folder, DatingAssemblies[0]))
            .FirstOrDefault();

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
