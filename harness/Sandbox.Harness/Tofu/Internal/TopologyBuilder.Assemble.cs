using System.Text;

namespace Sandbox.Harness.Tofu.Internal;

internal sealed partial class TopologyBuilder
{
    private TofuImportResult Assemble(
        List<Mount> mounts,
        List<Connection> connections,
        List<(string Path, TofuResource From)> k8sAuth,
        List<(string Path, string? Issuer, TofuResource From)> jwtAuth,
        List<K8sRole> k8sRoles,
        List<JwtRole> jwtRoles,
        List<DbRole> dbRoles,
        List<TransitKey> keys,
        Dictionary<string, (string Text, TofuResource From)> policies,
        List<(string Mount, string Name, TofuResource From)> secretsKv,
        List<string> secrets,
        List<string> endpoints,
        SortedDictionary<string, int> unknownTypes)
    {
        // One of each that the topology holds; the one most roles use when the code has several.
        var k8s = PickOne(k8sAuth.Select(a => (a.Path, a.From)).ToList(), k8sRoles.Select(r => r.Backend), "a Kubernetes auth method",
            "resource \"vault_auth_backend\" \"kubernetes\" { type = \"kubernetes\" }", "auth method");
        var jwtPick = PickOne(jwtAuth.Select(a => (a.Path, a.From)).ToList(), jwtRoles.Select(r => r.Backend), "a JWT auth method",
            "resource \"vault_jwt_auth_backend\" \"gitea\" { path = \"jwt\", bound_issuer = \"...\" }", "auth method");
        var jwt = jwtAuth.First(a => a.Path == jwtPick);
        var kvMount = PickOne(mounts.Where(m => m is { Type: "kv", Version: 2 }).Select(m => (m.Path, m.From)).ToList(),
            secretsKv.Select(s => s.Mount).Append("kvv2"), "a kv version 2 mount", "resource \"vault_mount\" \"kvv2\" { path = \"kvv2\", type = \"kv\", options = { version = \"2\" } }", null);
        var transitMount = PickOne(mounts.Where(m => m.Type == "transit").Select(m => (m.Path, m.From)).ToList(), keys.Select(k => k.Mount),
            "a transit mount", "resource \"vault_mount\" \"transit\" { path = \"transit\", type = \"transit\" }", null);
        var dbMount = PickOne(mounts.Where(m => m.Type == "database").Select(m => (m.Path, m.From)).ToList(), dbRoles.Select(r => r.Mount),
            "a database mount", "resource \"vault_database_secrets_mount\" \"postgres\" { path = \"postgres\" ... }", null);
        var connectionName = PickOne(connections.Where(c => c.Mount == dbMount).Select(c => (c.Name, c.From)).ToList(), dbRoles.Where(r => r.Mount == dbMount).Select(r => r.DbName),
            $"a database connection on {dbMount}/", "resource \"vault_database_secret_backend_connection\" \"postgres\" { backend = \"postgres\", name = \"postgres\", postgresql { } }", "connection");
        var connection = connections.First(c => c.Mount == dbMount && c.Name == connectionName);

        // Apps: a Kubernetes role <app> with a JWT role gitea_cicd_<app>.
        var jwtByName = jwtRoles.Where(r => r.Backend == jwtPick).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var dbByName = dbRoles.Where(r => r.Mount == dbMount).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var apps = new List<(string Slug, K8sRole K8s, JwtRole Jwt, DbRole Db)>();
        var usedJwt = new HashSet<string>(StringComparer.Ordinal);
        var usedDb = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in k8sRoles.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            if (role.Backend != k8s)
            {
                Note(role.From, "backend", $"Kubernetes role {role.Name} is on auth/{role.Backend}/, not on the topology's auth/{k8s}/; left out");
                continue;
            }

            var slug = role.Name;
            if (!jwtByName.TryGetValue("gitea_cicd_" + slug, out var jwtRole))
            {
                Note(role.From, "role_name", $"Kubernetes role {slug} has no JWT role gitea_cicd_{slug} on auth/{jwtPick}/, so it is no app of the topology; left out");
                continue;
            }

            var missing = new List<string>();
            if (!policies.ContainsKey(slug))
            {
                missing.Add($"policy {slug}");
            }

            if (!policies.ContainsKey(slug + "-ops"))
            {
                missing.Add($"policy {slug}-ops");
            }

            if (!dbByName.TryGetValue(slug, out var db))
            {
                missing.Add($"database role {dbMount}/roles/{slug}");
            }

            if (role.Accounts.Count != 1 || role.Namespaces.Count != 1)
            {
                missing.Add("exactly one bound service account and one namespace on its Kubernetes role");
            }

            if (jwtRole.RoleType != "jwt")
            {
                missing.Add($"role_type = \"jwt\" on gitea_cicd_{slug} (it is {jwtRole.RoleType})");
            }

            if (missing.Count > 0)
            {
                Note(role.From, "role_name", $"app {slug} lacks what every app of the topology has ({string.Join("; ", missing)}); left out");
                continue;
            }

            usedJwt.Add(jwtRole.Name);
            usedDb.Add(slug);
            apps.Add((slug, role, jwtRole, db!));
        }

        foreach (var r in jwtRoles.Where(r => !usedJwt.Contains(r.Name)))
        {
            Note(r.From, "role_name", $"JWT role {r.Name} on auth/{r.Backend}/ belongs to no app (apps are a Kubernetes role <app> with a JWT role gitea_cicd_<app>); left out");
        }

        foreach (var r in dbRoles.Where(r => !(r.Mount == dbMount && usedDb.Contains(r.Name))))
        {
            Note(r.From, "name", $"database role {r.Mount}/roles/{r.Name} belongs to no app; left out");
        }

        if (apps.Count == 0)
        {
            throw TofuException.Unrepresentable(directory, "the code defines no app: no Kubernetes role <app> with a JWT role gitea_cicd_<app>, policies <app> and <app>-ops and a database role <app>",
                "check the module calls (count/for_each over the apps) and the notes above; a topology needs at least one app.");
        }

        var slugs = apps.Select(a => a.Slug).ToHashSet(StringComparer.Ordinal);
        var userClaim = Common(apps.Select(a => a.Jwt.UserClaim), "user_claim", apps.Select(a => a.Jwt.From));
        var claimsType = Common(apps.Select(a => a.Jwt.ClaimsType), "bound_claims_type", apps.Select(a => a.Jwt.From));
        var audience = Common(apps.Select(a => a.K8s.Audience ?? ""), "audience", apps.Select(a => a.K8s.From));
        var dbTtls = Common(apps.Select(a => $"{a.Db.DefaultTtl}/{a.Db.MaxTtl}"), null, []);
        var (dbDefault, dbMax) = (long.Parse(dbTtls.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(dbTtls.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));

        // Transit keys: by the module instance that made the app's role, else by name.
        var appKeys = apps.ToDictionary(a => a.Slug, _ => new List<string>(), StringComparer.Ordinal);
        var keyTypes = new List<string>();
        foreach (var key in keys)
        {
            if (key.Mount != transitMount)
            {
                Note(key.From, "backend", $"transit key {key.Mount}/keys/{key.Name} is not on the topology's transit mount {transitMount}/; left out");
                continue;
            }

            var owner = apps.FirstOrDefault(a => a.K8s.From.ModuleAddress.Length > 0 && a.K8s.From.ModuleAddress == key.From.ModuleAddress).Slug
                ?? (slugs.Contains(key.Name) ? key.Name : null);
            if (owner is null)
            {
                Note(key.From, "name", $"transit key {key.Mount}/keys/{key.Name} belongs to no app (keys are per app); left out");
                continue;
            }

            appKeys[owner].Add(key.Name);
            keyTypes.Add(key.KeyType);
        }

        var keyType = keyTypes.Count == 0 ? "aes256-gcm96" : Common(keyTypes, "type", keys.Select(k => k.From));

        // kv v2 secret names (never their data): <kv mount>/<app>/<name>.
        var appSeeds = apps.ToDictionary(a => a.Slug, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (mount, name, from) in secretsKv)
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (mount != kvMount || slash <= 0 || !slugs.Contains(name[..slash]))
            {
                Note(from, "name", $"kv secret {mount}/{name} is not <{kvMount}>/<app>/<name> of an app; left out");
                continue;
            }

            appSeeds[name[..slash]].Add(name[(slash + 1)..]);
        }

        // Policies: templates with {{app}}; the most common one is shared, the others are per app.
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var runtimeTemplates = apps.ToDictionary(a => a.Slug, a => policies[a.Slug].Text.Replace(a.Slug, "{{app}}", StringComparison.Ordinal), StringComparer.Ordinal);
        var opsTemplates = apps.ToDictionary(a => a.Slug, a => policies[a.Slug + "-ops"].Text.Replace(a.Slug, "{{app}}", StringComparison.Ordinal), StringComparer.Ordinal);
        var sharedRuntime = Common(runtimeTemplates.Values, null, []);
        var sharedOps = Common(opsTemplates.Values, null, []);
        files["app.hcl"] = sharedRuntime;
        files["app-ops.hcl"] = sharedOps;
        var extra = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, (text, from)) in policies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (slugs.Contains(name) || (name.EndsWith("-ops", StringComparison.Ordinal) && slugs.Contains(name[..^4])))
            {
                continue;
            }

            if (name is "default" or "root")
            {
                Note(from, "name", $"policy {name} is Vault's own; left out");
                continue;
            }

            if (text.Contains("{{", StringComparison.Ordinal))
            {
                Note(from, "policy", $"policy {name} uses a {{{{...}}}} template the topology keeps only for app policies; left out");
                continue;
            }

            extra[name] = $"extra/{name}.hcl";
            files[$"extra/{name}.hcl"] = text;
        }

        var y = new StringBuilder();
        y.AppendLine($"# Imported by 'sandbox topology import --tofu' from the OpenTofu code in {TofuEvaluator.Display(directory)}.");
        y.AppendLine("# Production's names only: no secret, no production address. Change the OpenTofu code and import again");
        y.AppendLine("# rather than editing this file; 'sandbox replay --check --against-tofu DIR' compares a sandbox with the code.");
        y.AppendLine("version: 1");
        y.AppendLine();
        y.AppendLine("mounts:");
        foreach (var m in mounts)
        {
            y.AppendLine($"  {Q(m.Path)}:");
            y.AppendLine($"    type: {m.Type}");
            if (m.Version is { } v)
            {
                y.AppendLine($"    version: {v}");
            }

            if (m.Description.Length > 0)
            {
                y.AppendLine($"    description: {Q(m.Description)}");
            }

            if (m.DefaultTtl is { } dt and > 0)
            {
                y.AppendLine($"    defaultLeaseTtl: {Dur(dt)}");
            }

            if (m.MaxTtl is { } mt and > 0)
            {
                y.AppendLine($"    maxLeaseTtl: {Dur(mt)}");
            }
        }

        y.AppendLine();
        y.AppendLine($"kv:\n  mount: {Q(kvMount)}");
        y.AppendLine($"transit:\n  mount: {Q(transitMount)}\n  keyType: {Q(keyType)}");
        y.AppendLine($"database:\n  mount: {Q(dbMount)}\n  connection: {Q(connection.Name)}\n  pluginName: {Q(connection.Plugin)}\n  defaultTtl: {Dur(dbDefault)}\n  maxTtl: {Dur(dbMax)}");
        y.AppendLine();
        y.AppendLine("auth:");
        y.AppendLine("  kubernetes:");
        y.AppendLine($"    path: {Q(k8s)}");
        if (audience.Length > 0)
        {
            y.AppendLine($"    audience: {Q(audience)}");
        }

        y.AppendLine("  jwt:");
        y.AppendLine($"    path: {Q(jwtPick)}");
        if (jwt.Issuer is { } issuer)
        {
            y.AppendLine($"    boundIssuer: {Q(issuer)}");
        }

        y.AppendLine($"    userClaim: {Q(userClaim)}");
        y.AppendLine($"    boundClaimsType: {Q(claimsType)}");
        y.AppendLine();
        y.AppendLine($"policies:\n  runtime: {Q(PolicyFolderPath("app.hcl"))}\n  ops: {Q(PolicyFolderPath("app-ops.hcl"))}");
        if (extra.Count > 0)
        {
            y.AppendLine("extraPolicies:");
            foreach (var (name, file) in extra)
            {
                y.AppendLine($"  {Q(name)}: {Q(PolicyFolderPath(file))}");
            }
        }

        y.AppendLine();
        y.AppendLine("apps:");
        foreach (var (slug, k8sRole, jwtRole, db) in apps)
        {
            y.AppendLine($"  - slug: {Q(slug)}   # {k8sRole.From.At}");
            y.AppendLine($"    namespace: {Q(k8sRole.Namespaces[0])}");
            y.AppendLine($"    serviceAccount: {Q(k8sRole.Accounts[0])}");
            if (appSeeds[slug].Count > 0)
            {
                y.AppendLine("    kv:   # names only: the import never reads secret data");
                foreach (var secret in appSeeds[slug])
                {
                    y.AppendLine($"      {Q(secret)}: {{}}");
                }
            }

            y.AppendLine($"    database:\n      grants: {QList(db.Grants)}");
            if (db.DefaultTtl != dbDefault || db.MaxTtl != dbMax)
            {
                y.AppendLine($"      defaultTtl: {Dur(db.DefaultTtl)}\n      maxTtl: {Dur(db.MaxTtl)}");
            }

            y.AppendLine($"    transit:\n      keys: {QList(appKeys[slug])}");
            y.AppendLine("    kubernetes:");
            AppendTtls(y, k8sRole.Ttl, k8sRole.MaxTtl);
            y.AppendLine($"      policies: {QList(k8sRole.Policies)}");
            y.AppendLine("    jwt:");
            y.AppendLine($"      boundAudiences: {QList(jwtRole.Audiences)}");
            if (jwtRole.Claims.Count > 0)
            {
                y.AppendLine("      boundClaims:");
                foreach (var (claim, values) in jwtRole.Claims)
                {
                    y.AppendLine($"        {Q(claim)}: {QList(values)}");
                }
            }

            if (jwtRole.Subject is { } subject)
            {
                y.AppendLine($"      boundSubject: {Q(subject)}");
            }

            AppendTtls(y, jwtRole.Ttl, jwtRole.MaxTtl);
            y.AppendLine($"      policies: {QList(jwtRole.Policies)}");
            var ownRuntime = runtimeTemplates[slug] != sharedRuntime;
            var ownOps = opsTemplates[slug] != sharedOps;
            if (ownRuntime || ownOps)
            {
                y.AppendLine("    policies:");
                if (ownRuntime)
                {
                    files[$"apps/{slug}.hcl"] = runtimeTemplates[slug];
                    y.AppendLine($"      runtime: {Q(PolicyFolderPath($"apps/{slug}.hcl"))}");
                }

                if (ownOps)
                {
                    files[$"apps/{slug}-ops.hcl"] = opsTemplates[slug];
                    y.AppendLine($"      ops: {Q(PolicyFolderPath($"apps/{slug}-ops.hcl"))}");
                }
            }
        }

        return new TofuImportResult(directory, y.ToString(), files, apps.Select(a => a.Slug).ToArray(), _notes, secrets, endpoints, unknownTypes,
            model.Files.Count, model.Resources.Count);
    }

    private static string PolicyFolderPath(string file) => $"{TofuImporter.PolicyFolderToken}/{file}";

    private static void AppendTtls(StringBuilder y, long? ttl, long? maxTtl)
    {
        if (ttl is { } t and > 0)
        {
            y.AppendLine($"      tokenTtl: {Dur(t)}");
        }

        if (maxTtl is { } m and > 0)
        {
            y.AppendLine($"      tokenMaxTtl: {Dur(m)}");
        }
    }

    /// <summary>The most common value; when values differ, each other one is reported as not kept.</summary>
    private string Common(IEnumerable<string> values, string? attribute, IEnumerable<TofuResource> from)
    {
        var list = values.ToList();
        var best = list.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        if (attribute is not null)
        {
            foreach (var (value, r) in list.Zip(from))
            {
                if (value != best)
                {
                    Note(r, attribute, $"{r.Address}.{attribute} is \"{value}\", but the topology holds one {attribute} for every app (\"{best}\", the most common); not kept");
                }
            }
        }

        return best;
    }

    /// <summary>Chooses the one item the topology holds: the only one, else the one most referenced; the others are reported.</summary>
    private string PickOne(List<(string Name, TofuResource From)> candidates, IEnumerable<string> references, string what, string example, string? kind)
    {
        if (candidates.Count == 0)
        {
            throw TofuException.Unrepresentable(directory, $"the code defines no {what}, which every topology has",
                $"declare it in the OpenTofu code, e.g. {example}.");
        }

        var refs = references.ToList();
        var chosen = candidates.OrderByDescending(c => refs.Count(r => r == c.Name)).First().Name;
        // Other mounts stay in the topology's mounts; a second auth method or connection has no place in it.
        foreach (var (name, from) in candidates.Where(c => kind is not null && c.Name != chosen))
        {
            Note(from, "path", $"{kind} {name} is a second {what}; the topology holds one ({chosen}); left out");
        }

        return chosen;
    }
}
