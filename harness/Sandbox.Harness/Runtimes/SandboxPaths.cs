namespace Sandbox.Harness.Runtimes;

/// <summary>The files of one sandbox's run folder <c>&lt;home&gt;/.sandbox/&lt;name&gt;/</c>.</summary>
internal sealed record SandboxPaths
{
    /// <summary>The folder under the home that holds every run folder.</summary>
    public const string RunsFolderName = ".sandbox";

    /// <summary>The state file's name: a folder under <see cref="RunsFolderName"/> is a sandbox only when it holds one.</summary>
    public const string StateFileName = "sandbox.json";

    /// <summary>The folder under the checkout that holds the reports of drill, chaos and rehearse (never under <see cref="RunsFolderName"/>).</summary>
    public const string ReportsFolderName = ".sandbox-reports";

    /// <summary>Creates the paths of <paramref name="name"/> under <paramref name="home"/>.</summary>
    /// <param name="home">The sandbox home (the folder holding <c>.sandbox/</c>).</param>
    /// <param name="name">The sandbox name.</param>
    public SandboxPaths(string home, string name)
    {
        Home = Path.GetFullPath(home);
        Name = name;
        RunFolder = Path.Combine(Home, RunsFolderName, name);
    }

    /// <summary>The paths of a planned run whose run folder is the plan folder <paramref name="folder"/>.</summary>
    /// <param name="home">The sandbox home (for the <c>sandbox.home</c> label).</param>
    /// <param name="name">The sandbox name.</param>
    /// <param name="folder">The plan folder.</param>
    public static SandboxPaths ForPlan(string home, string name, string folder) => new(home, name) { RunFolder = Path.GetFullPath(folder) };

    /// <summary>The sandbox home.</summary>
    public string Home { get; }

    /// <summary>The sandbox name.</summary>
    public string Name { get; }

    /// <summary>A short id of the home (SHA-256 of its full path, 12 hex digits): label <c>sandbox.home</c>, so that sweep finds this home's containers and clusters whose run folder is gone.</summary>
    public string HomeId => IdOfHome(Home);

    /// <summary>The id of a home folder.</summary>
    /// <param name="home">The home.</param>
    public static string IdOfHome(string home) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(home))))[..12];

    /// <summary>The run folder.</summary>
    public string RunFolder { get; private init; }

    /// <summary><c>sandbox.json</c>: the state (no secrets).</summary>
    public string StateFile => Path.Combine(RunFolder, StateFileName);

    /// <summary><c>cluster-keys.json</c>: the unseal keys, mode 0600, written by the key store.</summary>
    public string KeyFile => Path.Combine(RunFolder, "cluster-keys.json");

    /// <summary><c>root-token</c>: the root token, mode 0600.</summary>
    public string RootTokenFile => Path.Combine(RunFolder, "root-token");

    /// <summary><c>jwt-issuer.pem</c>: the sandbox JWT issuer's private key (PKCS#8 PEM), mode 0600; JWT auth trusts its public key.</summary>
    public string JwtIssuerKeyFile => Path.Combine(RunFolder, "jwt-issuer.pem");

    /// <summary><c>postgres-password</c>: the PostgreSQL superuser's password, mode 0600.</summary>
    public string PostgresPasswordFile => Path.Combine(RunFolder, "postgres-password");

    /// <summary><c>logs/</c>.</summary>
    public string LogsFolder => Path.Combine(RunFolder, "logs");

    /// <summary><c>logs/vault.log</c>: Vault's output.</summary>
    public string VaultLog => Path.Combine(LogsFolder, "vault.log");

    /// <summary><c>vault.hcl</c>: the Vault server config.</summary>
    public string VaultConfig => Path.Combine(RunFolder, "vault.hcl");

    /// <summary><c>vault-data/</c>: Vault's file storage (process runtime).</summary>
    public string VaultData => Path.Combine(RunFolder, "vault-data");

    /// <summary><c>postgres/</c>: the PostgreSQL cluster folder (process runtime).</summary>
    public string PostgresFolder => Path.Combine(RunFolder, "postgres");

    /// <summary><c>kubeconfig</c>: the private kubeconfig (k3d).</summary>
    public string Kubeconfig => Path.Combine(RunFolder, "kubeconfig");

    /// <summary>The default home: <c>SANDBOX_HOME</c>, else the current directory.</summary>
    public static string DefaultHome()
    {
        var env = Environment.GetEnvironmentVariable("SANDBOX_HOME");
        return string.IsNullOrWhiteSpace(env) ? Directory.GetCurrentDirectory() : Path.GetFullPath(env);
    }
}
