namespace Sandbox.Harness.Vault.Models;

/// <summary>A dynamic database role (<c>&lt;mount&gt;/roles/:name</c>), written and read back. Null properties are not sent.</summary>
internal sealed record DatabaseRole
{
    /// <summary>The connection (config name) the role uses.</summary>
    public string? DbName { get; init; }

    /// <summary>SQL run to create a user; <c>{{name}}</c>, <c>{{password}}</c>, <c>{{expiration}}</c> are filled in.</summary>
    public IReadOnlyList<string>? CreationStatements { get; init; }

    /// <summary>SQL run to revoke a user; empty uses the plugin's default.</summary>
    public IReadOnlyList<string>? RevocationStatements { get; init; }

    /// <summary>SQL run to roll back a failed creation.</summary>
    public IReadOnlyList<string>? RollbackStatements { get; init; }

    /// <summary>SQL run on renew; empty uses the plugin's default.</summary>
    public IReadOnlyList<string>? RenewStatements { get; init; }

    /// <summary>The default lease TTL of issued credentials.</summary>
    public TimeSpan? DefaultTtl { get; init; }

    /// <summary>The maximum lease TTL of issued credentials.</summary>
    public TimeSpan? MaxTtl { get; init; }

    /// <summary>The credential type, <c>password</c> by default.</summary>
    public string? CredentialType { get; init; }
}
