using NUnit.Framework;
using Npgsql;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[NonParallelizable]
public sealed class PostgresServerTests
{
    private static string NewFolder() => Path.Combine(Path.GetTempPath(), "sbx-pg-" + Guid.NewGuid().ToString("N")[..12]);

    private static async Task<int> ScalarAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StartNew_AcceptsPasswordLoginOnLoopback_AndRejectsWrongPassword(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.StartNewAsync(NewFolder(), cancellationToken: cancellationToken);

        Assert.That(server.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(server.Port, Is.InRange(1024, 65535));
        Assert.That(await ScalarAsync(server.ConnectionString, "select 41 + 1", cancellationToken), Is.EqualTo(42));

        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        var ex = Assert.ThrowsAsync<PostgresException>(async () => await ScalarAsync(wrong, "select 1", cancellationToken));
        Assert.That(ex!.SqlState, Is.EqualTo("28P01"), "scram-sha-256 must really check the password");

        var noPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = null }.ConnectionString;
        Assert.That(async () => await ScalarAsync(noPassword, "select 1", cancellationToken), Throws.InstanceOf<NpgsqlException>());
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StartNew_WithAGuard_RunsItsProcessesAndProbeThroughIt(CancellationToken cancellationToken)
    {
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.Empty, audit);

        await using var server = await PostgresServer.StartNewAsync(NewFolder(), guard: guard, cancellationToken: cancellationToken);

        var mine = audit.Entries.Where(e => e.Caller == "postgres-server").ToList();
        Assert.That(mine, Is.Not.Empty, "the guard must have decided on the server's commands and connections");
        Assert.That(mine.All(e => e.Allowed), Is.True);
        Assert.That(mine.Any(e => e.Target.Contains("127.0.0.1", StringComparison.Ordinal)), Is.True, "the readiness probe's address was checked");
        Assert.That(string.Join("\n", audit.Entries.Select(e => e.Target)), Does.Not.Contain(server.SuperuserPassword));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task PasswordFile_HoldsThePassword_WithMode0600(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.StartNewAsync(NewFolder(), cancellationToken: cancellationToken);

        Assert.That(await File.ReadAllTextAsync(server.PasswordFile, cancellationToken), Is.EqualTo(server.SuperuserPassword));
        Assert.That(File.GetUnixFileMode(server.PasswordFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(server.SuperuserPassword, Has.Length.GreaterThanOrEqualTo(24));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StopThenStart_RefusesConnectionsWhileStopped_AndKeepsDataAndPort(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.StartNewAsync(NewFolder(), cancellationToken: cancellationToken);
        await ScalarAsync(server.ConnectionString, "create table kept(x int); insert into kept values (7); select 1", cancellationToken);
        var port = server.Port;

        await server.StopAsync(cancellationToken);
        Assert.That(server.IsRunning, Is.False);
        Assert.That(async () => await ScalarAsync(server.ConnectionString, "select 1", cancellationToken), Throws.InstanceOf<NpgsqlException>());

        await server.StartAsync(cancellationToken);
        Assert.That(server.Port, Is.EqualTo(port));
        Assert.That(await ScalarAsync(server.ConnectionString, "select x from kept", cancellationToken), Is.EqualTo(7));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Dispose_LeavesNoProcess_AndRemovesTheFolder(CancellationToken cancellationToken)
    {
        var folder = NewFolder();
        var server = await PostgresServer.StartNewAsync(folder, cancellationToken: cancellationToken);
        var pid = server.ReadPostmasterPid();
        Assert.That(pid, Is.Not.Null);
        Assert.That(Directory.Exists($"/proc/{pid}"), Is.True);

        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.That(IsRunningProcess(pid!.Value), Is.False, "the postmaster must be gone");
        Assert.That(Directory.Exists(folder), Is.False);
    }

    private static bool IsRunningProcess(int pid)
    {
        var statFile = $"/proc/{pid}/stat";
        if (!File.Exists(statFile))
        {
            return false;
        }

        var stat = File.ReadAllText(statFile);
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
    }

    [Test]
    [CancelAfter(30_000)]
    public void StartNew_InNonEmptyFolder_FailsWithClearError(CancellationToken cancellationToken)
    {
        var folder = NewFolder();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "something"), "x");
        try
        {
            var ex = Assert.ThrowsAsync<PostgresServerException>(async () => await PostgresServer.StartNewAsync(folder, cancellationToken: cancellationToken));
            Assert.That(ex!.Message, Does.Contain(folder).And.Contain("not empty"));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.RuntimeFailed));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
