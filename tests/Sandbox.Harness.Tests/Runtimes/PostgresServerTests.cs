using Npgsql;
using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

[TestFixture]
[NonParallelizable]
public sealed class PostgresServerTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        Requires.That(PostgresServer.FindBinaries().Found, "the PostgreSQL server binaries (initdb, pg_ctl, postgres)", "apt-get install -y postgresql");
        _root = Path.Combine(Path.GetTempPath(), "sandbox-pg-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    [CancelAfter(10000)]
    public void FindBinaries_OnThisMachine_FindsAFolderWithInitdbPgCtlAndPostgres(CancellationToken cancellationToken)
    {
        var found = PostgresServer.FindBinaries();

        Assert.Multiple(() =>
        {
            Assert.That(found.Problem, Is.Null);
            Assert.That(File.Exists(Path.Combine(found.BinDirectory!, "initdb")), Is.True);
            Assert.That(File.Exists(Path.Combine(found.BinDirectory!, "pg_ctl")), Is.True);
            Assert.That(File.Exists(Path.Combine(found.BinDirectory!, "postgres")), Is.True);
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task CreateAsync_StartsACluster_ThatAcceptsTheSuperuserPasswordOverTcp(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.CreateAsync(Path.Combine(_root, "pg"), cancellationToken: cancellationToken);

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_user, inet_server_addr()::text, current_setting('server_version_num')::int", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        Assert.That(await reader.ReadAsync(cancellationToken), Is.True);
        Assert.Multiple(async () =>
        {
            Assert.That(reader.GetString(0), Is.EqualTo(server.SuperuserName));
            Assert.That(reader.GetString(1), Does.StartWith("127.0.0.1"));
            Assert.That(reader.GetInt32(2), Is.GreaterThanOrEqualTo(150000));
            Assert.That(server.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(server.Port, Is.GreaterThan(0));
            Assert.That(await server.IsRunningAsync(cancellationToken), Is.True);
            Assert.That(File.Exists(Path.Combine(server.Folder, "pwfile")), Is.False, "the password file is removed after initdb");
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task Login_WithAWrongPassword_IsRefusedBecauseTcpNeedsScram(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.CreateAsync(Path.Combine(_root, "pg"), cancellationToken: cancellationToken);
        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "not-the-password", Pooling = false }.ConnectionString;

        await using var connection = new NpgsqlConnection(wrong);
        var ex = Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(cancellationToken));

        Assert.That(ex!.SqlState, Is.EqualTo("28P01"), "invalid_password");
    }

    [Test]
    [CancelAfter(180000)]
    public async Task StopThenStart_KeepsTheData(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.CreateAsync(Path.Combine(_root, "pg"), cancellationToken: cancellationToken);
        await ExecuteAsync(server.ConnectionString, "CREATE TABLE kept(v text); INSERT INTO kept VALUES ('still here')", cancellationToken);

        await server.StopAsync(cancellationToken);
        var runningWhileStopped = await server.IsRunningAsync(cancellationToken);
        await using (var refused = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString))
        {
            Assert.That(async () => await refused.OpenAsync(cancellationToken), Throws.InstanceOf<NpgsqlException>());
        }

        await server.StartAsync(cancellationToken);

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT v FROM kept", connection);
        Assert.Multiple(async () =>
        {
            Assert.That(runningWhileStopped, Is.False);
            Assert.That(await command.ExecuteScalarAsync(cancellationToken), Is.EqualTo("still here"));
            Assert.That(await server.IsRunningAsync(cancellationToken), Is.True);
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task DisposeAsync_LeavesNoServerProcessAndNoFolder(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "pg");
        var server = await PostgresServer.CreateAsync(folder, cancellationToken: cancellationToken);
        var pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(server.DataDirectory, "postmaster.pid"), cancellationToken))[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(IsAlive(pid), Is.True, "the postmaster runs before dispose");

        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(IsAlive(pid), Is.False, "the postmaster is gone (or a zombie waiting for PID 1 to reap it)");
            Assert.That(Directory.Exists(folder), Is.False, "the folder it created is removed");
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task ServerLogAndErrors_NeverHoldTheSuperuserPassword(CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.CreateAsync(Path.Combine(_root, "pg"), cancellationToken: cancellationToken);
        // A failing statement that carries a password must not reach the server log.
        Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(server.ConnectionString, $"CREATE ROLE \"x\" PASSWORD '{server.SuperuserPassword}' NOSUCHOPTION", cancellationToken));
        await server.StopAsync(cancellationToken);

        var log = await File.ReadAllTextAsync(server.LogFile, cancellationToken);

        Assert.That(log, Does.Not.Contain(server.SuperuserPassword));
    }

    [Test]
    [CancelAfter(10000)]
    public void CreateAsync_IntoANonEmptyFolder_IsRefusedByName(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "busy");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "something"), "x");

        var ex = Assert.ThrowsAsync<PostgresServerException>(() => PostgresServer.CreateAsync(folder, cancellationToken: cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain(folder));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.RuntimeFailed));
            Assert.That(File.Exists(Path.Combine(folder, "something")), Is.True, "nothing was removed");
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Preflight_NamesWhatIsMissingAndHowToInstallIt(CancellationToken cancellationToken)
    {
        var ex = PostgresServerException.Preflight("no pg_ctl on PATH");

        Assert.Multiple(() =>
        {
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(ex.Message, Does.Contain("no pg_ctl on PATH").And.Contain("apt-get install -y postgresql"));
            Assert.That(new PostgresBinaries(null, "gone").Found, Is.False);
            Assert.That(() => new PostgresBinaries(null, "gone").Require(), Throws.InstanceOf<PostgresServerException>().With.Message.Contains("gone"));
        });
    }

    // This machine's PID 1 does not reap orphans, so an exited postmaster can linger as a zombie ('Z'): that is not a running server.
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        var text = File.ReadAllText(stat);
        var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
        return state is not 'Z' and not 'X';
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
