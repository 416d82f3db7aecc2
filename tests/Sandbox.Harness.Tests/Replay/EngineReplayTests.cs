using Npgsql;
using NUnit.Framework;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// Replay with every engine: a real PostgreSQL (throw-away cluster), Kubernetes auth pointed at the
/// loopback TokenReview stand-in, JWT auth trusting the sandbox issuer. Needs a double with the
/// database, JWT and Kubernetes engines; on a build without them each test is ignored, saying so.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class EngineReplayTests
{
    private const string Issuer = "https://gitea.arcodange.lab/api/actions";

    private static async Task<PostgresServer> StartPostgresAsync(string parent, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            // When the tests run as root PostgreSQL runs as the postgres user: it must traverse the parent.
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return await PostgresServer.StartNewAsync(Path.Combine(parent, "pg"), cancellationToken: cancellationToken);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task FullReplay_CreatesEngineNamesAndGroupRoles_ThenZeroChanges_ThenNoDrift_AndNamesBehave(CancellationToken cancellationToken)
    {
        PostgresBinariesGate();
        var folder = Directory.CreateTempSubdirectory("sandbox-replay-engines-").FullName;
        try
        {
            await using var postgres = await StartPostgresAsync(folder, cancellationToken);
            await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
            using var issuer = new SandboxJwtIssuer(Issuer);
            await using var reviewer = TokenReviewServer.Start(issuer);
            var options = new ReplayOptions
            {
                Postgres = new PostgresEndpoint(postgres.Host, postgres.Port, postgres.SuperuserName, postgres.SuperuserPassword),
                KubernetesHost = reviewer.Address.ToString().TrimEnd('/'),
                SandboxEndpoints = [reviewer.Address],
                KubernetesCaCert = reviewer.CaCertificatePem,
                JwtValidationPubkeys = [issuer.PublicKeyPem],
            };
            Assert.That(options.Parts, Is.EqualTo(ReplayParts.All));

            var first = await sandbox.Replayer().ReplayAsync(sandbox.Topology, options, cancellationToken);

            string[] created = [.. first.Changes.Where(c => c.Kind == ReplayChangeKind.Created).Select(c => $"{c.Category} {c.Name}")];
            Assert.That(created, Is.SupersetOf(new[]
            {
                "postgres role webapp_role", "postgres role erp_role", "postgres role url-shortener_role",
                "database connection postgres/config/postgres", "database role postgres/roles/webapp",
                "kubernetes config auth/kubernetes/config", "kubernetes role auth/kubernetes/role/erp",
                "jwt config auth/jwt/config", "jwt role auth/jwt/role/gitea_cicd_url-shortener",
            }), first.ToString());
            Assert.That(first.Count(ReplayChangeKind.Skipped), Is.Zero);
            await using (var source = NpgsqlDataSource.Create(postgres.ConnectionString))
            await using (var count = source.CreateCommand("SELECT count(*) FROM pg_roles WHERE rolname IN ('webapp_role', 'erp_role', 'url-shortener_role') AND NOT rolcanlogin"))
            {
                Assert.That(await count.ExecuteScalarAsync(cancellationToken), Is.EqualTo(3L));
            }

            var second = await sandbox.Replayer().ReplayAsync(sandbox.Topology, options, cancellationToken);
            Assert.That(second.ChangeCount, Is.Zero, second.ToString());

            var drift = await sandbox.Reader().CompareAsync(TopologyPlan.From(sandbox.Topology), ReplayParts.All, cancellationToken);
            Assert.That(drift.HasDrift, Is.False, drift.ToString());

            var parity = await new NameParityCheck(sandbox.Root, sandbox.Guard).RunAsync(sandbox.Topology, new NameParityOptions { Parts = options.Parts, Issuer = issuer }, cancellationToken);
            Assert.That(parity.Passed, Is.True, parity.Describe(all: true));
            Assert.That(parity.Probes, Has.Some.Matches<ParityProbe>(p => p.Who == "kubernetes role webapp" && p.Operation == "read" && p.Path == "postgres/creds/webapp" && p.Actual == ProbeAccess.Granted));
            Assert.That(parity.Probes, Has.Some.Matches<ParityProbe>(p => p.Who == "jwt role gitea_cicd_erp (expired token)" && p.Actual == ProbeAccess.Denied));
            Assert.That(parity.Probes, Has.Some.Matches<ParityProbe>(p => p.Who == "jwt role gitea_cicd_erp (wrong-audience token)" && p.Actual == ProbeAccess.Denied));
            Assert.That(parity.Probes, Has.Some.Matches<ParityProbe>(p => p.Who == "jwt role gitea_cicd_erp (wrong-claim token)" && p.Actual == ProbeAccess.Denied));
            Assert.That(reviewer.Reviews, Is.Zero, "the check used its own TokenReview stand-in, not the replayed one");

            var after = await sandbox.Root.KubernetesReadConfigAsync("kubernetes", cancellationToken);
            Assert.That(after!.KubernetesHost, Is.EqualTo(options.KubernetesHost), "the check restored kubernetes_host");
            var third = await sandbox.Replayer().ReplayAsync(sandbox.Topology, options, cancellationToken);
            Assert.That(third.ChangeCount, Is.Zero, "the parity check left nothing for replay to fix: " + third);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Drift_AfterAJwtRoleAndADatabaseRoleAreChangedByHand_NamesTheFields(CancellationToken cancellationToken)
    {
        PostgresBinariesGate();
        var folder = Directory.CreateTempSubdirectory("sandbox-replay-engines-").FullName;
        try
        {
            await using var postgres = await StartPostgresAsync(folder, cancellationToken);
            await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
            using var issuer = new SandboxJwtIssuer(Issuer);
            var options = new ReplayOptions
            {
                Postgres = new PostgresEndpoint(postgres.Host, postgres.Port, postgres.SuperuserName, postgres.SuperuserPassword),
                KubernetesHost = "http://127.0.0.1:1",

                // A placeholder nobody listens on (no login is tried here), declared so the config guard accepts it.
                SandboxEndpoints = [new Uri("http://127.0.0.1:1")],
                JwtValidationPubkeys = [issuer.PublicKeyPem],
            };
            await sandbox.Replayer().ReplayAsync(sandbox.Topology, options, cancellationToken);
            var jwtRole = await sandbox.Root.JwtReadRoleAsync("jwt", "gitea_cicd_webapp", cancellationToken);
            await sandbox.Root.JwtWriteRoleAsync("jwt", "gitea_cicd_webapp", jwtRole! with { BoundAudiences = ["https://elsewhere.example"] }, cancellationToken);
            var dbRole = await sandbox.Root.DatabaseReadRoleAsync("postgres", "erp", cancellationToken);
            await sandbox.Root.DatabaseWriteRoleAsync("postgres", "erp", dbRole! with { MaxTtl = TimeSpan.FromHours(48) }, cancellationToken);

            var drift = await sandbox.Reader().CompareAsync(TopologyPlan.From(sandbox.Topology), ReplayParts.All, cancellationToken);

            Assert.That(drift.Items.Select(i => $"{i.Kind} {i.Name}"), Is.EquivalentTo(new[] { "Different auth/jwt/role/gitea_cicd_webapp", "Different postgres/roles/erp" }), drift.ToString());
            Assert.That(drift.ToString(), Does.Contain("bound_audiences").And.Contain("max_ttl: expected 28800s, found 172800s"));
            var repaired = await sandbox.Replayer().ReplayAsync(sandbox.Topology, options, cancellationToken);
            Assert.That(repaired.Changes.Where(c => c.IsWrite).Select(c => c.Name), Is.EquivalentTo(new[] { "auth/jwt/role/gitea_cicd_webapp", "postgres/roles/erp" }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void PostgresBinariesGate()
    {
        var found = PostgresServer.FindBinaries();
        Sandbox.Tests.Shared.Requires.That(found.Found, "PostgreSQL server binaries", found.Problem ?? "install postgresql (Debian: apt-get install postgresql)");
    }
}
