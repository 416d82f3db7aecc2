using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>A temporary sandbox home with its own manager; disposing removes every sandbox in it and the folder.</summary>
internal sealed class SandboxTestHome : IAsyncDisposable
{
    /// <summary>A home whose manager's guard has <paramref name="denylist"/> (the built-in one when null), as the CLI's --denylist gives it.</summary>
    public SandboxTestHome(Denylist? denylist = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "sandbox-rt-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        Audit = GuardAuditLog.InMemory();
        Guard = new SandboxGuard(denylist ?? Denylist.BuiltIn, Audit);
        Manager = new SandboxManager(Guard, Folder);
    }

    public string Folder { get; }

    public GuardAuditLog Audit { get; }

    public SandboxGuard Guard { get; }

    public SandboxManager Manager { get; }

    public static void RequireProcessRuntime()
    {
        Requires.That(PostgresServer.FindBinaries().Found, "the PostgreSQL server binaries (initdb, pg_ctl, postgres)", "apt-get install -y postgresql");
        Requires.That(VaultBinaryLocator.Find().Launch is not null, "a Vault: vault/bao on PATH or the built Vault double", VaultBinaryLocator.BuildDoubleHint);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Read as home.Options() next to home.Manager.")]
    public SandboxOptions Options(string? name = null) => new()
    {
        Runtime = RuntimeKind.Process,
        Name = name,
        VaultStartTimeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var name in Manager.List())
            {
                await Manager.DownAsync(name);
            }
        }
        finally
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }

            Audit.Dispose();
        }
    }
}
