namespace Sandbox.Harness.Runtimes;

/// <summary>How to reach a sandbox's PostgreSQL as its superuser (for the database engine's <c>connection_url</c>).</summary>
/// <param name="Host">The host (loopback).</param>
/// <param name="Port">The port.</param>
/// <param name="SuperuserName">The superuser.</param>
/// <param name="SuperuserPassword">The superuser's password. Never log it.</param>
public sealed record PostgresEndpoint(string Host, int Port, string SuperuserName, string SuperuserPassword)
{
    /// <summary>An Npgsql connection string for <paramref name="database"/> (holds the password).</summary>
    /// <param name="database">The database. The default value is <c>postgres</c>.</param>
    public string ConnectionString(string database = "postgres") =>
        $"Host={Host};Port={Port};Username={SuperuserName};Password={SuperuserPassword};Database={database};Pooling=false;Timeout=10";

    /// <summary>
    /// A database-engine <c>connection_url</c> template with Vault's <c>{{username}}</c> and
    /// <c>{{password}}</c> placeholders (pass the credentials as the config's username/password).
    /// </summary>
    /// <param name="database">The database. The default value is <c>postgres</c>.</param>
    public string ConnectionUrlTemplate(string database = "postgres") =>
        $"postgresql://{{{{username}}}}:{{{{password}}}}@{Host}:{Port}/{database}?sslmode=disable";

    /// <inheritdoc />
    public override string ToString() => $"PostgreSQL {SuperuserName}@{Host}:{Port} (password hidden)";
}
