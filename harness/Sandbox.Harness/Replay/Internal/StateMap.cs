using System.Text.Json;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Replay.Internal;

/// <summary>
/// Vault's answers as the topology's state records, and the comparison replay shares with the
/// drift check: a one-name <see cref="DriftReport"/>, so replay writes exactly when the drift check
/// would report a difference.
/// </summary>
internal static class StateMap
{
    public static MountState Mount(string path, MountInfo info) => new(
        path.TrimEnd('/'),
        info.Type is "kv-v2" or "kv-v1" ? "kv" : info.Type,
        info.KvVersion,
        info.Description ?? "",
        Seconds(info.Config?.DefaultLeaseTtl),
        Seconds(info.Config?.MaxLeaseTtl));

    public static KubernetesRoleState KubernetesRole(string mount, string name, KubernetesRole role) => new(
        mount,
        name,
        role.BoundServiceAccountNames ?? [],
        role.BoundServiceAccountNamespaces ?? [],
        string.IsNullOrEmpty(role.Audience) ? null : role.Audience,
        role.TokenPolicies ?? [],
        Seconds(role.TokenTtl),
        Seconds(role.TokenMaxTtl));

    public static KubernetesRole ToVault(KubernetesRoleState role) => new()
    {
        BoundServiceAccountNames = role.BoundServiceAccountNames,
        BoundServiceAccountNamespaces = role.BoundServiceAccountNamespaces,
        Audience = role.Audience,
        TokenPolicies = role.TokenPolicies,
        TokenTtl = Span(role.TokenTtlSeconds),
        TokenMaxTtl = Span(role.TokenMaxTtlSeconds),
    };

    public static JwtRoleState JwtRole(string mount, string name, JwtRole role) => new(
        mount,
        name,
        role.RoleType ?? "oidc",
        role.UserClaim ?? "",
        role.BoundAudiences ?? [],
        (role.BoundClaims ?? new Dictionary<string, object>()).ToDictionary(p => p.Key, p => ClaimValues(p.Value), StringComparer.Ordinal),
        role.BoundClaimsType ?? "string",
        string.IsNullOrEmpty(role.BoundSubject) ? null : role.BoundSubject,
        role.TokenPolicies ?? [],
        Seconds(role.TokenTtl),
        Seconds(role.TokenMaxTtl));

    public static JwtRole ToVault(JwtRoleState role) => new()
    {
        RoleType = role.RoleType,
        UserClaim = role.UserClaim,
        BoundAudiences = role.BoundAudiences,
        BoundSubject = role.BoundSubject,
        BoundClaims = role.BoundClaims.Count == 0 ? null : role.BoundClaims.ToDictionary(p => p.Key, p => (object)p.Value.ToArray(), StringComparer.Ordinal),
        BoundClaimsType = role.BoundClaimsType,
        TokenPolicies = role.TokenPolicies,
        TokenTtl = Span(role.TokenTtlSeconds),
        TokenMaxTtl = Span(role.TokenMaxTtlSeconds),
    };

    public static DatabaseRoleState DatabaseRole(string mount, string name, DatabaseRole role) => new(
        mount,
        name,
        role.DbName ?? "",
        role.CreationStatements ?? [],
        role.RevocationStatements ?? [],
        Seconds(role.DefaultTtl) ?? 0,
        Seconds(role.MaxTtl) ?? 0);

    public static DatabaseRole ToVault(DatabaseRoleState role) => new()
    {
        DbName = role.DbName,
        CreationStatements = role.CreationStatements,
        RevocationStatements = role.RevocationStatements,
        DefaultTtl = TimeSpan.FromSeconds(role.DefaultTtlSeconds),
        MaxTtl = TimeSpan.FromSeconds(role.MaxTtlSeconds),
    };

    public static DatabaseConnectionState Connection(string mount, string name, DatabaseConnectionConfig config) =>
        new(mount, name, config.PluginName, config.AllowedRoles ?? []);

    public static string? Detail(DatabaseConnectionConfig config, string key) =>
        config.ConnectionDetails is { } d && d.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The drift check's field lines between a desired and an observed fragment; empty when they match.</summary>
    public static IReadOnlyList<string> Differences(TopologyPlan desired, ObservedState observed) =>
        DriftReport.Compare(desired, observed).Items.SelectMany(i => i.Details.Count > 0 ? i.Details : [i.Kind.ToString().ToLowerInvariant() + " " + i.Name]).ToArray();

    public static TopologyPlan EmptyPlan(TopologyPlan plan) => plan with
    {
        Mounts = [],
        AuthMethods = [],
        Policies = new Dictionary<string, string>(),
        KubernetesRoles = [],
        JwtRoles = [],
        DatabaseRoles = [],
        PostgresGroupRoles = [],
        TransitKeys = [],
        Seeds = [],
    };

    public static IReadOnlyList<string> ClaimValues(object? value) => value switch
    {
        null => [],
        string s => [s],
        JsonElement { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToArray(),
        JsonElement { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        JsonElement e => [e.GetRawText()],
        IEnumerable<string> list => list.ToArray(),
        _ => [value.ToString() ?? ""],
    };

    public static string NormalizePem(string pem) => string.Join("\n", pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static long? Seconds(TimeSpan? span) => span is { } s ? (long)s.TotalSeconds : null;

    private static TimeSpan? Span(long? seconds) => seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null;
}
