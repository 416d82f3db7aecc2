using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>Maps evaluated Vault provider resources onto the topology schema (docs/topology.md), reporting what does not fit.</summary>
internal sealed partial class TopologyBuilder(TofuModel model, string directory)
{
    private static readonly string[] Known =
    [
        "vault_mount", "vault_database_secrets_mount", "vault_auth_backend", "vault_kubernetes_auth_backend_config", "vault_kubernetes_auth_backend_role",
        "vault_jwt_auth_backend", "vault_jwt_auth_backend_role", "vault_policy", "vault_database_secret_backend_connection",
        "vault_database_secret_backend_role", "vault_transit_secret_backend_key", "vault_kv_secret_v2",
    ];

    private static readonly string[] DatabaseBlocks = ["postgresql", "mysql", "mssql", "oracle", "mongodb", "redis", "cassandra", "elasticsearch", "snowflake", "redshift", "hana", "influxdb", "couchbase", "mysql_rds", "mysql_aurora", "mysql_legacy"];

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<string> _notes = [.. model.Notes];
    private readonly Dictionary<string, (string Address, string At)> _paths = new(StringComparer.Ordinal);

    private sealed record Mount(string Path, string Type, int? Version, string Description, long? DefaultTtl, long? MaxTtl, TofuResource From);

    private sealed record Connection(string Mount, string Name, string Plugin, TofuResource From);

    private sealed record K8sRole(string Backend, string Name, List<string> Accounts, List<string> Namespaces, string? Audience, long? Ttl, long? MaxTtl, List<string> Policies, TofuResource From);

    private sealed record JwtRole(string Backend, string Name, string RoleType, string UserClaim, List<string> Audiences, SortedDictionary<string, List<string>> Claims, string ClaimsType, string? Subject, long? Ttl, long? MaxTtl, List<string> Policies, TofuResource From);

    private sealed record DbRole(string Mount, string Name, string DbName, List<string> Grants, long DefaultTtl, long MaxTtl, TofuResource From);

    private sealed record TransitKey(string Mount, string Name, string KeyType, TofuResource From);

    public TofuImportResult Build()
    {
        var secrets = new List<string>();
        var endpoints = new List<string>();
        var unknownTypes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in model.Resources)
        {
            foreach (var attr in r.NotRead)
            {
                var leaf = attr.Contains('.', StringComparison.Ordinal) ? attr[(attr.LastIndexOf('.') + 1)..] : attr;
                (TofuEvaluator.IsSecret(leaf) ? secrets : endpoints).Add($"{r.AtOf(attr)}: {r.Address}.{attr}");
            }

            if (!Known.Contains(r.Type, StringComparer.Ordinal))
            {
                unknownTypes[r.Type] = unknownTypes.GetValueOrDefault(r.Type) + 1;
            }
        }

        var mounts = new List<Mount>();
        var connections = new List<Connection>();
        foreach (var r in Of("vault_mount"))
        {
            if (Str(r, "path") is not { } path || Str(r, "type") is not { } type)
            {
                continue;
            }

            path = path.Trim('/');
            Claim($"mount {path}/", r);
            int? version = null;
            if (type is "kv" or "kv-v2")
            {
                var options = Get(r, "options") as SortedDictionary<string, object?>;
                var v = options?.GetValueOrDefault("version");
                version = type == "kv-v2" || (TofuValues.TryString(v, out var vs) && vs == "2") ? 2 : 1;
                type = "kv";
            }

            if (type is not ("kv" or "transit" or "database"))
            {
                Note(r, "type", $"mount {path}/ of type {type} is not in the topology (it holds kv, transit and database mounts); left out");
                continue;
            }

            mounts.Add(new Mount(path, type, version, Str(r, "description", optional: true) ?? "", Seconds(r, "default_lease_ttl_seconds"), Seconds(r, "max_lease_ttl_seconds"), r));
        }

        foreach (var r in Of("vault_database_secrets_mount"))
        {
            if (Str(r, "path") is not { } path)
            {
                continue;
            }

            path = path.Trim('/');
            Claim($"mount {path}/", r);
            mounts.Add(new Mount(path, "database", null, Str(r, "description", optional: true) ?? "", Seconds(r, "default_lease_ttl_seconds"), Seconds(r, "max_lease_ttl_seconds"), r));
            foreach (var kind in DatabaseBlocks)
            {
                foreach (var block in r.Blocks.GetValueOrDefault(kind) ?? [])
                {
                    if (StrOf(r, block, "name", kind) is not { } name)
                    {
                        continue;
                    }

                    Claim($"database connection {path}/config/{name}", r);
                    connections.Add(new Connection(path, name, StrOf(r, block, "plugin_name", kind, optional: true) ?? DefaultPlugin(kind), r));
                }
            }
        }

        foreach (var r in Of("vault_database_secret_backend_connection"))
        {
            if (Str(r, "backend") is not { } backend || Str(r, "name") is not { } name)
            {
                continue;
            }

            backend = backend.Trim('/');
            Claim($"database connection {backend}/config/{name}", r);
            var kind = DatabaseBlocks.FirstOrDefault(r.Blocks.ContainsKey);
            var plugin = Str(r, "plugin_name", optional: true) ?? (kind is null ? null : DefaultPlugin(kind));
            if (plugin is null)
            {
                Note(r, "name", $"database connection {backend}/config/{name} names no plugin and no database block; left out");
                continue;
            }

            connections.Add(new Connection(backend, name, plugin, r));
        }

        // Auth methods.
        var k8sAuth = new List<(string Path, TofuResource From)>();
        var jwtAuth = new List<(string Path, string? Issuer, TofuResource From)>();
        foreach (var r in Of("vault_auth_backend"))
        {
            if (Str(r, "type") is not { } type || Str(r, "path") is not { } path)
            {
                continue;
            }

            path = path.Trim('/');
            Claim($"auth {path}/", r);
            switch (type)
            {
                case "kubernetes":
                    k8sAuth.Add((path, r));
                    break;
                case "jwt":
                    jwtAuth.Add((path, null, r));
                    break;
                default:
                    Note(r, "type", $"auth method {path}/ of type {type} is not in the topology (it holds one kubernetes and one jwt method); left out");
                    break;
            }
        }

        foreach (var r in Of("vault_jwt_auth_backend"))
        {
            if (Str(r, "path") is not { } path)
            {
                continue;
            }

            path = path.Trim('/');
            Claim($"auth {path}/", r);
            if (Str(r, "type", optional: true) is { } t && t != "jwt")
            {
                Note(r, "type", $"auth method {path}/ of type {t} is not in the topology (its jwt method validates CI tokens); left out");
                continue;
            }

            jwtAuth.Add((path, Str(r, "bound_issuer", optional: true), r));
        }

        foreach (var r in Of("vault_kubernetes_auth_backend_config"))
        {
            if (Str(r, "backend") is { } backend)
            {
                Claim($"kubernetes config auth/{backend.Trim('/')}/config", r);
            }
        }

        // Roles.
        var k8sRoles = new List<K8sRole>();
        foreach (var r in Of("vault_kubernetes_auth_backend_role"))
        {
            if (Str(r, "backend") is not { } backend || Str(r, "role_name") is not { } name
                || StrList(r, "bound_service_account_names") is not { } accounts || StrList(r, "bound_service_account_namespaces") is not { } namespaces)
            {
                continue;
            }

            backend = backend.Trim('/');
            Claim($"kubernetes role auth/{backend}/role/{name}", r);
            k8sRoles.Add(new K8sRole(backend, name, accounts, namespaces, Str(r, "audience", optional: true), Seconds(r, "token_ttl"), Seconds(r, "token_max_ttl"),
                StrList(r, "token_policies", optional: true) ?? [], r));
        }

        var jwtRoles = new List<JwtRole>();
        foreach (var r in Of("vault_jwt_auth_backend_role"))
        {
            if (Str(r, "backend") is not { } backend || Str(r, "role_name") is not { } name || Str(r, "user_claim") is not { } userClaim)
            {
                continue;
            }

            backend = backend.Trim('/');
            Claim($"jwt role auth/{backend}/role/{name}", r);
            var claims = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            var parse = Get(r, "disable_bound_claims_parsing") is not true;
            if (Get(r, "bound_claims") is SortedDictionary<string, object?> bc)
            {
                foreach (var (k, v) in bc)
                {
                    if (!TofuValues.TryString(v, out var s))
                    {
                        Note(r, "bound_claims", $"bound claim \"{k}\" of {r.Address} is {TofuValues.Describe(v)}; left out");
                        continue;
                    }

                    // The provider splits claim values on ',' unless disable_bound_claims_parsing is set.
                    claims[k] = parse ? [.. s.Split(',').Select(x => x.Trim())] : [s];
                }
            }
            else if (Get(r, "bound_claims") is Unknown u)
            {
                Note(r, "bound_claims", $"bound_claims of {r.Address} cannot be evaluated ({u.Reason}); left out");
                continue;
            }

            jwtRoles.Add(new JwtRole(backend, name, Str(r, "role_type", optional: true) ?? "oidc", userClaim, StrList(r, "bound_audiences", optional: true) ?? [],
                claims, Str(r, "bound_claims_type", optional: true) ?? "string", Str(r, "bound_subject", optional: true),
                Seconds(r, "token_ttl"), Seconds(r, "token_max_ttl"), StrList(r, "token_policies", optional: true) ?? [], r));
        }

        var dbRoles = new List<DbRole>();
        foreach (var r in Of("vault_database_secret_backend_role"))
        {
            if (Str(r, "backend") is not { } backend || Str(r, "name") is not { } name || Str(r, "db_name") is not { } db
                || StrList(r, "creation_statements") is not { } statements)
            {
                continue;
            }

            backend = backend.Trim('/');
            Claim($"database role {backend}/roles/{name}", r);
            var grants = statements.SelectMany(s => GrantPattern().Matches(s).Select(m => m.Groups[1].Value)).ToList();
            var canonical = Collapse(TopologyPlan.CreationStatements(grants));
            if (canonical != Collapse(statements))
            {
                Note(r, "creation_statements", $"the creation statements of {backend}/roles/{name} are not the form the topology writes; the topology keeps the granted roles ({string.Join(", ", grants)}) and replay writes its own statements");
            }

            dbRoles.Add(new DbRole(backend, name, db, grants, Seconds(r, "default_ttl") ?? 0, Seconds(r, "max_ttl") ?? 0, r));
        }

        var keys = new List<TransitKey>();
        foreach (var r in Of("vault_transit_secret_backend_key"))
        {
            if (Str(r, "backend") is not { } backend || Str(r, "name") is not { } name)
            {
                continue;
            }

            backend = backend.Trim('/');
            Claim($"transit key {backend}/keys/{name}", r);
            keys.Add(new TransitKey(backend, name, Str(r, "type", optional: true) ?? "aes256-gcm96", r));
        }

        var policies = new Dictionary<string, (string Text, TofuResource From)>(StringComparer.Ordinal);
        foreach (var r in Of("vault_policy"))
        {
            if (Str(r, "name") is not { } name || Str(r, "policy") is not { } text)
            {
                continue;
            }

            Claim($"policy {name}", r);
            policies[name] = (text, r);
        }

        var secretsKv = new List<(string Mount, string Name, TofuResource From)>();
        foreach (var r in Of("vault_kv_secret_v2"))
        {
            if (Str(r, "mount") is not { } mount || Str(r, "name") is not { } name)
            {
                continue;
            }

            mount = mount.Trim('/');
            Claim($"kv secret {mount}/data/{name}", r);
            secretsKv.Add((mount, name, r));
        }

        return Assemble(mounts, connections, k8sAuth, jwtAuth, k8sRoles, jwtRoles, dbRoles, keys, policies, secretsKv, secrets, endpoints, unknownTypes);
    }

    private static string DefaultPlugin(string kind) => kind switch
    {
        "postgresql" => "postgresql-database-plugin",
        "mysql" or "mysql_rds" or "mysql_aurora" or "mysql_legacy" => "mysql-database-plugin",
        _ => kind + "-database-plugin",
    };

    private static string Collapse(IEnumerable<string> statements) => WhitespaceRun().Replace(string.Join(" ", statements), " ").Trim();

    [GeneratedRegex(@"GRANT\s+""?([A-Za-z_][A-Za-z0-9_$-]*)""?\s+TO\s+""?\{\{\s*name\s*\}\}""?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GrantPattern();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhitespaceRun();

    // ---- reading attributes ----

    private IEnumerable<TofuResource> Of(string type) => model.Resources.Where(r => r.Type == type);

    private void Note(TofuResource r, string attr, string text) => _notes.Add($"{r.AtOf(attr)}: {text}");

    private static object? Get(TofuResource r, string attr) => r.Attributes.GetValueOrDefault(attr);

    private string? Str(TofuResource r, string attr, bool optional = false) => StrOf(r, r.Attributes, attr, null, optional);

    private string? StrOf(TofuResource r, SortedDictionary<string, object?> attrs, string attr, string? block, bool optional = false)
    {
        var name = block is null ? attr : $"{block}.{attr}";
        if (!attrs.TryGetValue(attr, out var v) || v is null)
        {
            if (!optional)
            {
                Note(r, name, $"{r.Address} has no {name}; left out");
            }

            return null;
        }

        if (v is Unknown u)
        {
            Note(r, name, $"{r.Address}.{name} cannot be evaluated ({u.Reason}, {u.At}); {(optional ? "the attribute is" : "the resource is")} left out");
            return optional ? null : null;
        }

        if (TofuValues.TryString(v, out var s))
        {
            return s;
        }

        Note(r, name, $"{r.Address}.{name} is {TofuValues.Describe(v)}, not a string; left out");
        return null;
    }

    private List<string>? StrList(TofuResource r, string attr, bool optional = false)
    {
        var v = Get(r, attr);
        if (v is null)
        {
            if (!optional)
            {
                Note(r, attr, $"{r.Address} has no {attr}; left out");
            }

            return null;
        }

        if (TofuValues.FirstUnknown(v) is { } u)
        {
            Note(r, attr, $"{r.Address}.{attr} cannot be evaluated ({u.Reason}, {u.At}); left out");
            return null;
        }

        if (TofuValues.AsSequence(v) is { } seq && seq.All(x => TofuValues.TryString(x, out _)))
        {
            return [.. seq.Select(x => { TofuValues.TryString(x, out var s); return s; })];
        }

        Note(r, attr, $"{r.Address}.{attr} is {TofuValues.Describe(v)}, not a list of strings; left out");
        return null;
    }

    private long? Seconds(TofuResource r, string attr)
    {
        var v = Get(r, attr);
        switch (v)
        {
            case null:
                return null;
            case double d when d >= 0 && d == Math.Floor(d):
                return (long)d;
            case string s when VaultDuration.TryParse(s, out var duration):
                return duration.Seconds;
            case Unknown u:
                Note(r, attr, $"{r.Address}.{attr} cannot be evaluated ({u.Reason}, {u.At}); Vault's default is assumed absent from the topology");
                return null;
            default:
                Note(r, attr, $"{r.Address}.{attr} is {TofuValues.Describe(v)}, not a number of seconds; left out");
                return null;
        }
    }

    /// <summary>Two resources producing the same Vault object is an error: one would overwrite the other.</summary>
    private void Claim(string what, TofuResource r)
    {
        if (_paths.TryGetValue(what, out var first))
        {
            var at = r.At.Split(':');
            throw TofuException.DuplicatePath(string.Join(':', at[..^1]), int.Parse(at[^1], CultureInfo.InvariantCulture), 1, what, r.Address, first.Address, first.At);
        }

        _paths[what] = (r.Address, r.At);
    }

    private static string Q(string s) => JsonSerializer.Serialize(s, Json);

    private static string QList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Q)) + "]";

    private static string Dur(long seconds) =>
        seconds == 0 ? "0"
        : seconds % 86400 == 0 ? $"{seconds / 86400}d"
        : seconds % 3600 == 0 ? $"{seconds / 3600}h"
        : seconds % 60 == 0 ? $"{seconds / 60}m"
        : $"{seconds}s";
}
