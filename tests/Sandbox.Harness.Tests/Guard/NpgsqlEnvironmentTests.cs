using NUnit.Framework;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>Npgsql in the harness takes nothing from PG* variables or ~/.pgpass: only the checked connection string counts.</summary>
[TestFixture]
[NonParallelizable]
public sealed class NpgsqlEnvironmentTests
{
    private static readonly string[] Variables = ["PGPASSFILE", "PGPASSWORD", "PGSSLROOTCERT", "PGUSER", "PGSERVICEFILE"];

    [Test]
    [CancelAfter(10000)]
    public async Task DataSource_IgnoresPgVariablesAndPgpass(CancellationToken cancellationToken)
    {
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var v in Variables)
        {
            Environment.SetEnvironmentVariable(v, "/tmp/hostile-" + v);
        }

        try
        {
            var guard = TestDenylists.Guard();

            await using var source = guard.CreateNpgsqlDataSource("Host=127.0.0.1;Port=1;Username=app;Database=app", "test");
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(source.ConnectionString);

            Assert.Multiple(() =>
            {
                foreach (var v in Variables)
                {
                    Assert.That(Environment.GetEnvironmentVariable(v), Is.Null, $"{v} is gone from the harness process, so Npgsql cannot fall back on it");
                }

                Assert.That(builder.Passfile, Does.Contain("sandbox-guard-").And.EndWith("pgpass-empty"), "~/.pgpass is never consulted: the passfile is the guard's empty one");
                Assert.That(new FileInfo(builder.Passfile!).Length, Is.Zero);
            });
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
