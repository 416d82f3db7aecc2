using NUnit.Framework;
using Npgsql;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The template cluster: each test has a template folder of its own (the cache's place is a
/// parameter), so "first use" is real and nothing is shared with other tests or the user's cache.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[NonParallelizable]
public sealed class PostgresTemplateTests
{
    private string _templates = null!;

    [SetUp]
    public void SetUp() => _templates = Directory.CreateTempSubdirectory("sbx-pg-template-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_templates, recursive: true);

    private static string NewFolder() => Path.Combine(Path.GetTempPath(), "sbx-pg-" + Guid.NewGuid().ToString("N")[..12]);

    private static async Task<int> ScalarAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select 1", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TwoSandboxes_HaveTheirOwnPasswords_AndNeitherOpensTheOther(CancellationToken cancellationToken)
    {
        await using var first = await PostgresServer.StartNewAsync(NewFolder(), templateRoot: _templates, cancellationToken: cancellationToken);
        await using var second = await PostgresServer.StartNewAsync(NewFolder(), templateRoot: _templates, cancellationToken: cancellationToken);

        var crossed = new NpgsqlConnectionStringBuilder(second.ConnectionString) { Password = first.SuperuserPassword }.ConnectionString;
        Assert.Multiple(() =>
        {
            Assert.That(first.BuiltTemplate, Is.True, "the first sandbox builds the template");
            Assert.That(second.BuiltTemplate, Is.False, "the second copies it");
            Assert.That(second.TemplateFolder, Is.EqualTo(first.TemplateFolder));
            Assert.That(second.SuperuserPassword, Is.Not.EqualTo(first.SuperuserPassword));
            Assert.That(first.SuperuserPassword, Has.Length.EqualTo(32));
        });
        Assert.That(await ScalarAsync(first.ConnectionString, cancellationToken), Is.EqualTo(1));
        Assert.That(await ScalarAsync(second.ConnectionString, cancellationToken), Is.EqualTo(1));
        var ex = Assert.ThrowsAsync<PostgresException>(async () => await ScalarAsync(crossed, cancellationToken));
        Assert.That(ex!.SqlState, Is.EqualTo("28P01"), "one sandbox's password does not open another");
        Assert.That(Directory.EnumerateFiles(first.TemplateFolder, "*", SearchOption.AllDirectories).Any(f => File.ReadAllText(f).Contains(first.SuperuserPassword, StringComparison.Ordinal)),
            Is.False, "no sandbox password reaches the shared template");
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ConcurrentFirstUse_BuildsTheTemplateOnce(CancellationToken cancellationToken)
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresServer.StartNewAsync(NewFolder(), templateRoot: _templates, cancellationToken: cancellationToken)));
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(servers.Count(s => s.BuiltTemplate), Is.EqualTo(1), "one sandbox built it; the others waited on the lock and copied it");
                Assert.That(servers.Select(s => s.TemplateFolder).Distinct().Count(), Is.EqualTo(1));
                Assert.That(servers.Select(s => s.SuperuserPassword).Distinct().Count(), Is.EqualTo(4));
                Assert.That(Directory.EnumerateDirectories(_templates), Has.Exactly(1).Items, "no staging folder is left behind");
            });
            foreach (var server in servers)
            {
                Assert.That(await ScalarAsync(server.ConnectionString, cancellationToken), Is.EqualTo(1));
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [TestCase("template.json")]
    [TestCase("data/global/pg_control")]
    [CancelAfter(240_000)]
    public async Task AnIncompleteTemplate_IsRebuilt(string removed, CancellationToken cancellationToken)
    {
        string folder;
        await using (var first = await PostgresServer.StartNewAsync(NewFolder(), templateRoot: _templates, cancellationToken: cancellationToken))
        {
            folder = first.TemplateFolder;
        }

        var before = PostgresTemplate.BuildId(folder);
        File.Delete(Path.Combine(folder, removed));
        // A staging folder left by a build that crashed.
        Directory.CreateDirectory(Path.Combine(_templates, Path.GetFileName(folder) + ".tmp-dead0000", "data"));

        await using var again = await PostgresServer.StartNewAsync(NewFolder(), templateRoot: _templates, cancellationToken: cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(again.BuiltTemplate, Is.True);
            Assert.That(PostgresTemplate.BuildId(folder), Is.Not.Null.And.Not.EqualTo(before));
            Assert.That(File.Exists(Path.Combine(folder, "data", "global", "pg_control")), Is.True);
            Assert.That(Directory.EnumerateDirectories(_templates), Has.Exactly(1).Items, "the crashed build's staging folder was removed");
        });
        Assert.That(await ScalarAsync(again.ConnectionString, cancellationToken), Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public void Key_NamesTheMajorVersion_AndChangesWithTheBinaries(CancellationToken cancellationToken)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_templates, "postgresql", "15", "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "initdb"), "one");
        File.WriteAllText(Path.Combine(bin, "postgres"), "server");
        var key = PostgresTemplate.Key(bin);
        File.WriteAllText(Path.Combine(bin, "initdb"), "an upgraded initdb");

        Assert.Multiple(() =>
        {
            Assert.That(key, Does.Match("^pg15-[0-9a-f]{12}$"));
            Assert.That(PostgresTemplate.Key(bin), Is.Not.EqualTo(key), "a new PostgreSQL build gets a new template");
        });
    }
}
