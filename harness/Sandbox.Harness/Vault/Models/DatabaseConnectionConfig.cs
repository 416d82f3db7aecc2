namespace Sandbox.Harness.Vault.Models;

/// <summary>
/// The body of <c>&lt;mount&gt;/config/:name</c> for the database engine. Null properties are not sent.
/// Use a templated <c>connection_url</c> (<c>{{username}}:{{password}}</c>) and pass the password separately.
/// </summary>
internal sealed record DatabaseConnectionConfig
{
    /// <summary>The plugin, <c>postgresql-database-plugin</c> for PostgreSQL.</summary>
    public string PluginName { get; init; } = "postgresql-database-plugin";

    /// <summary>The connection URL template, for example <c>postgresql://{{username}}:{{password}}@127.0.0.1:5432/app?sslmode=disable</c>.</summary>
    public string? ConnectionUrl { get; init; }

    /// <summary>The admin user Vault connects as.</summary>
    public string? Username { get; init; }

    /// <summary>The admin password. Secret: never logged, never in an exception.</summary>
    public string? Password { get; init; }

    /// <summary>Roles that may use this connection (empty: none; <c>*</c>: all).</summary>
    public IReadOnlyList<string>? AllowedRoles { get; init; }

    /// <summary>Whether Vault connects once at write time to verify (Vault's default is true).</summary>
    public bool? VerifyConnection { get; init; }

    /// <summary>A custom username template.</summary>
    public string? UsernameTemplate { get; init; }

    /// <summary><c>password</c> or <c>scram-sha-256</c>.</summary>
    public string? PasswordAuthentication { get; init; }

    /// <summary>Read back only: connection details with the password removed.</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement>? ConnectionDetails { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"DatabaseConnectionConfig {{ PluginName = {PluginName}, Username = {Username}, Password = {(Password is null ? "none" : "***")}, AllowedRoles = [{string.Join(", ", AllowedRoles ?? [])}] }}";
}
