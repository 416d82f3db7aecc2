using Sandbox.VaultDouble.Engines.Database;

namespace Sandbox.VaultDouble.Tests.Engines;

[TestFixture]
public sealed class DatabaseStatementsTests
{
    [Test]
    [CancelAfter(5_000)]
    public void Split_OnSemicolons_DroppingEmptyPieces(CancellationToken cancellationToken)
        => Assert.That(Statements.Split("CREATE ROLE a; GRANT x TO a;; "), Is.EqualTo(new[] { "CREATE ROLE a", "GRANT x TO a" }));

    [Test]
    [CancelAfter(5_000)]
    public void Split_KeepsAPlPgSqlBlockWhole(CancellationToken cancellationToken)
    {
        const string block = "DO $$ BEGIN CREATE ROLE a; END $$;";
        Assert.That(Statements.Split(block), Is.EqualTo(new[] { block }));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Split_IgnoresEndInsideQuotes(CancellationToken cancellationToken)
        => Assert.That(Statements.Split("COMMENT ON ROLE a IS 'the END'; SELECT 1"), Has.Exactly(2).Items);

    [Test]
    [CancelAfter(5_000)]
    public void FormatExpiration_IsGoLayoutWithoutColonInOffset(CancellationToken cancellationToken)
    {
        var instant = new DateTimeOffset(2025, 3, 1, 12, 34, 56, TimeSpan.Zero);
        Assert.That(Statements.FormatExpiration(instant, TimeZoneInfo.Utc), Is.EqualTo("2025-03-01 12:34:56+0000"));
        var minus = TimeZoneInfo.CreateCustomTimeZone("m", TimeSpan.FromHours(-5.5), "m", "m");
        Assert.That(Statements.FormatExpiration(instant, minus), Is.EqualTo("2025-03-01 07:04:56-0530"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Username_IsTruncatedTo63(CancellationToken cancellationToken)
    {
        var name = CredentialGenerator.Username("display-name", "role", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        Assert.That(name, Does.Match("^v-display--role-[A-Za-z0-9]{20}-1700000000$"));
        Assert.That(name.Length, Is.LessThanOrEqualTo(63));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Password_Has20CharsOfEveryClass(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 50; i++)
        {
            var p = CredentialGenerator.Password();
            Assert.That(p, Does.Match("^[A-Za-z0-9-]{20}$").And.Match("[a-z]").And.Match("[A-Z]").And.Match("[0-9]").And.Contain("-"));
        }
    }

    [TestCase("postgresql://{{username}}:{{password}}@127.0.0.1:5433/app?sslmode=disable", null)]
    [TestCase("postgresql://vault:s3cret@127.0.0.1/app", "s3cret")]
    [TestCase("host=127.0.0.1 user={{username}} password={{password}}", null)]
    [TestCase("host=127.0.0.1 user=v password=lit", "lit")]
    [CancelAfter(5_000)]
    public void LiteralPassword_IsFoundOnlyWhenNotTemplated(string url, string? expected, CancellationToken cancellationToken)
        => Assert.That(ConnectionUrl.LiteralPassword(url), Is.EqualTo(expected));

    [Test]
    [CancelAfter(5_000)]
    public void ToNpgsql_ConvertsUrlAndEscapesCredentials(CancellationToken cancellationToken)
    {
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionUrl.ToNpgsql("postgresql://{{username}}:{{password}}@127.0.0.1:5433/app?sslmode=disable", "u@x", "p:w/d"));
        Assert.That((cs.Host, cs.Port, cs.Database, cs.Username, cs.Password, cs.SslMode), Is.EqualTo(("127.0.0.1", 5433, "app", "u@x", "p:w/d", Npgsql.SslMode.Disable)));
    }
}
