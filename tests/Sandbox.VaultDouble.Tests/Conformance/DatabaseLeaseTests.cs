using System.Text.Json.Nodes;
using NUnit.Framework.Constraints;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// §9/§10 through the expiration manager: database credentials are leases; renewals are capped
/// at max_ttl with Vault's warning; expiry and revocation drop the PostgreSQL role. Needs the
/// PostgreSQL server binaries (present on this machine); against a real Vault the server must
/// reach 127.0.0.1.
/// </summary>
[TestFixture, Category("Postgres"), CancelAfter(90_000)]
public sealed class DatabaseLeaseTests : PostgresConformanceFixture
{
    protected override string AllowedRoles => "*";

    protected override IResolveConstraint ConfigAnswer => Is.EqualTo(204).Or.EqualTo(200);

    [Test]
    public async Task Creds_AreALease_AndExpiryDropsTheRole(CancellationToken ct)
    {
        var role = await NewRoleAsync("3s", "1m", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        Assert.That(creds.Code, Is.EqualTo(200), creds.ToString());
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        var user = creds.Data!["username"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(leaseId, Does.StartWith($"{DatabaseMount}/creds/{role}/"));
            Assert.That(creds.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(3));
            Assert.That(creds.Json!["renewable"]!.GetValue<bool>(), Is.True);
            Assert.That(user, Does.StartWith("v-"));
        });
        Assert.That(await RoleExistsAsync(user, ct), Is.True, "the role exists while the lease lives");
        var lookup = await LookupLeaseAsync(leaseId, ct);
        Assert.That(lookup.Data!["ttl"]!.GetValue<long>(), Is.InRange(0, 3));

        while (await RoleExistsAsync(user, ct))
        {
            await Task.Delay(200, ct);
        }

        // Vault's expiration manager drops the role first (the backend's revoke) and deletes the lease
        // entry after it (vault/expiration.go, revokeCommon), so the lease may outlive the role briefly.
        var after = await LookupLeaseAsync(leaseId, ct);
        for (var waited = 0; after.Errors.Count == 0 && waited < 5_000; waited += 100)
        {
            await Task.Delay(100, ct);
            after = await LookupLeaseAsync(leaseId, ct);
        }

        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
        Assert.That(after.Errors, Is.EqualTo(new[] { "invalid lease" }));
        Assert.That(renew.Errors, Is.EqualTo(new[] { "lease not found" }));
    }

    [Test]
    public async Task Renew_IsCappedAtMaxTtl_WithVaultsWarning(CancellationToken ct)
    {
        var role = await NewRoleAsync("30s", "40s", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId, ["increment"] = 3600 }, Root, ct);
        Assert.That(renew.Code, Is.EqualTo(200), renew.ToString());
        Assert.That(renew.Json!["lease_id"]!.GetValue<string>(), Is.EqualTo(leaseId));
        Assert.That(renew.Json!["lease_duration"]!.GetValue<long>(), Is.InRange(20, 40));
        Assert.That(renew.Warnings.Single(), Does.Match("^TTL of \"1h\" exceeded the effective max_ttl of \"[234]\\ds\"; TTL value is capped accordingly$"));
        await Http.PutAsync("sys/leases/revoke", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
    }

    [Test]
    public async Task Renew_AnswersTheGrantedTtl_NotTheTimeLeftAfterAlterRole(CancellationToken ct)
    {
        var role = await NewRoleAsync("1h", "24h", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId, ["increment"] = 7200 }, Root, ct);
        var lookup = await LookupLeaseAsync(leaseId, ct);
        Assert.That(renew.Code, Is.EqualTo(200), renew.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(renew.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(7200));
            Assert.That(renew.Warnings, Is.Empty);
            Assert.That(lookup.Data!["ttl"]!.GetValue<long>(), Is.InRange(7190, 7200));
        });
        await Http.PutAsync("sys/leases/revoke", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
    }

    [Test]
    public async Task Revoke_DropsTheRoleAtOnce(CancellationToken ct)
    {
        var role = await NewRoleAsync("1h", "2h", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        var user = creds.Data!["username"]!.GetValue<string>();
        var revoke = await Http.PutAsync("sys/leases/revoke", new JsonObject { ["lease_id"] = creds.Json!["lease_id"]!.GetValue<string>() }, Root, ct);
        Assert.That(revoke.Code, Is.EqualTo(204));
        Assert.That(await RoleExistsAsync(user, ct), Is.False);
    }

    [Test]
    public async Task RevokingTheToken_RevokesItsLeases(CancellationToken ct)
    {
        var role = await NewRoleAsync("1h", "2h", ct);
        var policy = await PolicyAsync($$"""
            path "{{DatabaseMount}}/creds/*" { capabilities = ["read"] }
            """, ct);
        var token = await TokenAsync(ct, policy);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", token, ct);
        Assert.That(creds.Code, Is.EqualTo(200), creds.ToString());
        var user = creds.Data!["username"]!.GetValue<string>();
        Assert.That(await RoleExistsAsync(user, ct), Is.True);
        await Http.PostAsync("auth/token/revoke-self", null, token, ct);
        Assert.That(await RoleExistsAsync(user, ct), Is.False);
    }

    [Test, CancelAfter(120_000)]
    public async Task FailedRevocations_Retry_ThenIrrevocable_ThenRecoverWhenPostgresReturns(CancellationToken ct)
    {
        DoubleOnly($"relies on the double's shortened retry base (SANDBOX_DOUBLE_REVOKE_RETRY_BASE_MS={DoubleProcess.RevokeRetryBaseMs})");
        var role = await NewRoleAsync("2s", "1m", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        var user = creds.Data!["username"]!.GetValue<string>();
        await Postgres.StopAsync(ct);
        try
        {
            // 2 s TTL, then 6 failed attempts with backoff 2^n × base (±50 %)
            VaultResponse lookup;
            do
            {
                await Task.Delay(250, ct);
                lookup = await LookupLeaseAsync(leaseId, ct);
                Assert.That(lookup.Code, Is.EqualTo(200), "the lease is kept while revocation fails: " + lookup);
            }
            while (lookup.Data!["revoke_error"] is null);

            var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId }, Root, ct);
            Assert.That(lookup.Data!["revoke_error"]!.GetValue<string>(), Does.StartWith("out of retries"));
            Assert.That(renew.Errors, Is.EqualTo(new[] { "lease is expired and has failed previous revocation attempts" }));
            Assert.That(Target.Server!.Output, Does.Contain("failed to revoke lease: lease_id=" + leaseId));
        }
        finally
        {
            await Postgres.StartAsync(ct);
        }

        // the background retry (128 × base) revokes it once PostgreSQL is back
        VaultResponse gone;
        do
        {
            await Task.Delay(500, ct);
            gone = await LookupLeaseAsync(leaseId, ct);
        }
        while (gone.Code == 200);

        Assert.That(gone.Errors, Is.EqualTo(new[] { "invalid lease" }));
        Assert.That(await RoleExistsAsync(user, ct), Is.False);
    }
}
