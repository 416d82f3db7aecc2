namespace Sandbox.Harness.Topology;

/// <summary>An app's dynamic PostgreSQL role <c>&lt;database mount&gt;/roles/&lt;app&gt;</c> (defaults applied).</summary>
/// <param name="Grants">PostgreSQL roles granted to every issued login, <c>&lt;app&gt;_role</c> by default.</param>
/// <param name="DefaultTtl">The credentials' default TTL.</param>
/// <param name="MaxTtl">The credentials' max TTL.</param>
internal sealed record AppDatabaseSpec(IReadOnlyList<string> Grants, VaultDuration DefaultTtl, VaultDuration MaxTtl);
