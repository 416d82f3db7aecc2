using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Lease expiry: a short-TTL overlay on the <c>&lt;app&gt;</c> database role. Credentials log
/// in, renewals stop at max_ttl, expiry drops the PostgreSQL role, a consumer that refetches at
/// 2/3 of the lease (as the Vault Secrets Operator does) never holds expired credentials, and a
/// lease that expires while Vault is sealed is revoked promptly after unseal
/// (vault-api.md §9, §10, Appendix B.2 and B.3). TTLs are seconds, so the waits stay short.
/// The suite is mostly waiting for leases to run out: each test has its own sandbox and app world
/// (the overlay changes the role, one test seals Vault), so the tests run at once and the suite
/// takes about its longest wait rather than the sum of them.
/// </summary>
[TestFixture]
[Category("LeaseExpiry")]
[Parallelizable(ParallelScope.Children)]
public sealed class LeaseExpiryScenarios : ScenarioSuite
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Vault deletes a lease entry just after it drops the credentials (vault/expiration.go:
    /// revokeEntry, then deleteEntry), so a lookup right after the role is gone can still answer 200.
    /// </summary>
    private static readonly TimeSpan LookupSettles = TimeSpan.FromSeconds(5);

    protected override string SuiteName => "lease-expiry";

    /// <inheritdoc />
    protected override bool SharesSandbox => false;

    [Test]
    [CancelAfter(120_000)]
    public async Task Short_ttl_credentials_log_in_renew_up_to_max_ttl_then_expire_and_the_role_is_dropped(CancellationToken cancellationToken)
    {
        await using var app = await AppWorldAsync(cancellationToken);
        var sandbox = app.Sandbox;
        var root = sandbox.Root;
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);

        Timeline.EnterPhase(ScenarioPhase.Fault);
        await OverlayAsync(app, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), cancellationToken);
        var creds = await app.IssueAsync(null, cancellationToken);
        Timeline.Mark("issued");
        Assert.That(creds.LeaseDuration, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromSeconds(4)), "the lease carries the overlay's default_ttl");
        Assert.That(await app.TryLoginAsync(creds, cancellationToken), Is.Null, "the short-lived credentials log in");
        Assert.That(await app.RoleExistsAsync(creds.Username, cancellationToken), Is.True);
        Timeline.Observe("short-lived credentials log in; the role is in pg_roles");

        var renewal = await root.RenewLeaseAsync(creds.LeaseId, TimeSpan.FromSeconds(60), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(renewal.LeaseDuration, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(8)), "a renewal asking for 60 s is capped by max_ttl");
            Assert.That(renewal.Warnings.Any(w => w.Contains("exceeded the effective max_ttl", StringComparison.Ordinal)), Is.True,
                "the capped renewal carries Vault's warning; got: " + string.Join(" | ", renewal.Warnings));
        });
        Timeline.Observe($"renewal for 60 s capped to {renewal.LeaseDuration.TotalSeconds:0} s with the max_ttl warning");

        var lease = await root.LookupLeaseAsync(creds.LeaseId, cancellationToken);
        Assert.That(lease.ExpireTime, Is.Not.Null);

        // Vault's CalculateTTL truncates issue time and now to whole seconds: a capped renewal can
        // end up to one second after issue + max_ttl, never more (sdk/framework/lease.go).
        Assert.That(lease.ExpireTime!.Value - lease.IssueTime!.Value, Is.LessThan(TimeSpan.FromSeconds(8) + TimeSpan.FromSeconds(1)), "the lease never outlives issue time + max_ttl + 1 s (whole-second TTL arithmetic)");
        Timeline.Observe($"lease ends {(lease.ExpireTime.Value - lease.IssueTime.Value).TotalSeconds:0.0} s after issue (bound: max_ttl 8 s + 1 s)");

        var revocation = RevocationTiming.Of(sandbox);
        Timeline.Step("wait for the lease to run out (max_ttl 8 s); " + revocation.Describe());
        var gone = await WaitOnTimeAsync("ttl", () => EventuallyAsync(async () => !await app.RoleExistsAsync(creds.Username, cancellationToken), TimeSpan.FromSeconds(9) + revocation.Bound, Poll, cancellationToken));
        var goneAt = TimeProvider.System.GetUtcNow();
        Assert.That(gone, Is.True, revocation.Failure(sandbox, "the role is not dropped from pg_roles", creds.LeaseId));
        Timeline.Measure(TimingNames.LeaseRevocationLag, lease.ExpireTime.Value, goneAt < lease.ExpireTime.Value ? lease.ExpireTime.Value : goneAt);
        Timeline.Observe("the lease expired and the role is gone from pg_roles");

        Assert.That(await app.TryLoginAsync(creds, cancellationToken), Is.Not.Null, "the expired credentials no longer log in");
        var lookup = await LookupOnceGoneAsync(sandbox, creds.LeaseId, cancellationToken);
        var renew = Assert.ThrowsAsync<VaultApiException>(() => root.RenewLeaseAsync(creds.LeaseId, null, cancellationToken))!;
        Assert.Multiple(() =>
        {
            Assert.That(lookup.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(lookup.HasError("invalid lease"), Is.True, lookup.Message);
            Assert.That(renew.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(renew.HasError("lease not found"), Is.True, renew.Message);
        });
        Timeline.Observe("login refused; lookup 400 invalid lease; renew 400 lease not found");

        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Consumer_refetching_at_two_thirds_of_the_lease_never_holds_expired_credentials(CancellationToken cancellationToken)
    {
        await using var app = await AppWorldAsync(cancellationToken);
        var sandbox = app.Sandbox;
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        await OverlayAsync(app, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), cancellationToken);
        var client = await app.AppClientAsync(cancellationToken);

        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault("leases of 3 s, no renewal: the consumer must refetch");
        var clock = TimeProvider.System;
        var start = clock.GetUtcNow();
        var first = await app.IssueAsync(client, cancellationToken);
        var held = first;
        var heldUntil = start + held.LeaseDuration;
        var heldSince = start;
        int refetches = 0, logins = 0;
        var failures = new List<string>();
        var loop = TimeProvider.System.GetTimestamp();
        while (clock.GetUtcNow() - start < TimeSpan.FromSeconds(9))
        {
            var now = clock.GetUtcNow();
            if (now - heldSince >= held.LeaseDuration * 2 / 3)
            {
                // What VSO does: rotate at ~2/3 of the lease.
                heldSince = clock.GetUtcNow();
                held = await app.IssueAsync(client, cancellationToken);
                heldUntil = heldSince + held.LeaseDuration;
                refetches++;
            }

            if (clock.GetUtcNow() >= heldUntil)
            {
                failures.Add($"at {(clock.GetUtcNow() - start).TotalSeconds:0.0} s the consumer held credentials whose lease had ended");
            }

            var error = await app.TryLoginAsync(held, cancellationToken);
            logins++;
            if (error is not null)
            {
                failures.Add($"at {(clock.GetUtcNow() - start).TotalSeconds:0.0} s the held credentials did not log in: {error}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        NecessaryWaits.Record("ttl", TimeProvider.System.GetElapsedTime(loop), TestContext.CurrentContext.Test.FullName);
        Timeline.Observe($"{refetches} refetches, {logins} logins, {failures.Count} failures");
        Assert.That(failures, Is.Empty, "a consumer refetching at 2/3 of the lease never holds expired credentials");
        Assert.That(refetches, Is.GreaterThanOrEqualTo(3), "the consumer did rotate");

        // The contrast that shows the check could fail: the very first credentials, never refreshed, are dead.
        var stale = await app.TryLoginAsync(first, cancellationToken);
        Assert.That(stale, Is.Not.Null, "credentials kept past their lease no longer log in");
        Timeline.Observe("the first credentials, kept past their lease, are refused");

        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Lease_that_expires_while_sealed_is_revoked_promptly_after_unseal(CancellationToken cancellationToken)
    {
        await using var app = await AppWorldAsync(cancellationToken);
        var sandbox = app.Sandbox;
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        await OverlayAsync(app, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), cancellationToken);
        var creds = await app.IssueAsync(null, cancellationToken);
        var issued = TimeProvider.System.GetUtcNow();
        Assert.That(await app.TryLoginAsync(creds, cancellationToken), Is.Null);

        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault("seal Vault while a 2 s lease is out");
        Timeline.Mark("sealed");
        await sandbox.SealAsync(cancellationToken);
        Timeline.EnterPhase(ScenarioPhase.Sealed);

        await WaitOnTimeAsync("ttl", async () =>
        {
            await Task.Delay(issued + TimeSpan.FromSeconds(3) - TimeProvider.System.GetUtcNow() is { TotalMilliseconds: > 0 } d ? d : TimeSpan.Zero, cancellationToken);
            return 0;
        });
        Assert.That(await app.RoleExistsAsync(creds.Username, cancellationToken), Is.True, "sealed, Vault cannot revoke: the expired lease's role is still in pg_roles");
        Timeline.Observe("past the lease's end, the role still exists (Vault is sealed)");

        // PostgreSQL's VALID UNTIL (lease end + 5 s) keeps running without Vault.
        var refused = await WaitOnTimeAsync("ttl", () => EventuallyAsync(async () => await app.TryLoginAsync(creds, cancellationToken) is not null, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(250), cancellationToken));
        Assert.That(refused, Is.True, "once VALID UNTIL passes, PostgreSQL refuses the login even though the role exists");
        Assert.That(await app.RoleExistsAsync(creds.Username, cancellationToken), Is.True, "the role is still there while sealed");
        Timeline.Observe("VALID UNTIL passed: login refused, role still present");

        Timeline.EnterPhase(ScenarioPhase.Recovery);
        var status = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
        Assert.That(status.Sealed, Is.False);
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "sealed", "unsealed");
        Timeline.Recover("unsealed with the sandbox key");

        var revocation = RevocationTiming.Of(sandbox);
        Timeline.Observe(revocation.Describe());
        var gone = await WaitOnTimeAsync("ttl", () => EventuallyAsync(async () => !await app.RoleExistsAsync(creds.Username, cancellationToken), revocation.Bound, Poll, cancellationToken));
        Assert.That(gone, Is.True, revocation.Failure(sandbox, "the expired lease's role is not dropped after unseal", creds.LeaseId));
        Timeline.Mark("revoked");
        var lag = Timeline.Measure(TimingNames.LeaseRevocationLag, "unsealed", "revoked");
        Timeline.Observe($"revoked {lag:0} ms after unseal");

        var lookup = await LookupOnceGoneAsync(sandbox, creds.LeaseId, cancellationToken);
        Assert.That(lookup.HasError("invalid lease"), Is.True, lookup.Message);

        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        var fresh = await app.IssueAsync(null, cancellationToken);
        Assert.That(await app.TryLoginAsync(fresh, cancellationToken), Is.Null, "new credentials work after unseal");
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    /// <summary>This test's own sandbox with production's names replayed (torn down after the test).</summary>
    private async Task<AppWorld> AppWorldAsync(CancellationToken cancellationToken) =>
        await AppWorld.PrepareAsync(await FreshSandboxAsync(cancellationToken), cancellationToken);

    /// <summary>Polls the lease lookup until Vault has deleted the entry (it answers 200 for a moment after the role is dropped).</summary>
    private static async Task<VaultApiException> LookupOnceGoneAsync(SandboxHandle sandbox, string leaseId, CancellationToken cancellationToken)
    {
        VaultApiException? refused = null;
        var deleted = await EventuallyAsync(async () =>
        {
            try
            {
                await sandbox.Root.LookupLeaseAsync(leaseId, cancellationToken);
                return false;
            }
            catch (VaultApiException e)
            {
                refused = e;
                return true;
            }
        }, LookupSettles, TimeSpan.FromMilliseconds(50), cancellationToken);
        Assert.That(deleted, Is.True, $"the lease entry is deleted within {LookupSettles.TotalSeconds:0} s of its role");
        return refused!;
    }

    private async Task OverlayAsync(AppWorld app, TimeSpan defaultTtl, TimeSpan maxTtl, CancellationToken cancellationToken)
    {
        await app.OverlayTtlAsync(defaultTtl, maxTtl, cancellationToken);
        var role = await app.Sandbox.Root.DatabaseReadRoleAsync(AppWorld.DbMount, AppWorld.App, cancellationToken);
        Assert.That(role?.DefaultTtl, Is.EqualTo(defaultTtl), "the overlay is in place");
        Timeline.Step($"short-TTL overlay on the {AppWorld.App} role: default_ttl {defaultTtl.TotalSeconds:0} s, max_ttl {maxTtl.TotalSeconds:0} s");
    }
}
