using System.Text.RegularExpressions;
using Sandbox.Harness.Internal;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology.Internal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Topology;

/// <summary>
/// Loads <c>topology.yaml</c> (and overlays merged over it) into a validated
/// <see cref="TopologySpec"/>. Every problem is a <see cref="TopologyException"/> with the file, line,
/// column and the fix; nothing is silently defaulted except what docs/topology.md documents.
/// </summary>
internal static partial class TopologyLoader
{
    private static readonly string[] RootKeys = ["version", "mounts", "kv", "transit", "database", "auth", "policies", "extraPolicies", "apps"];
    private static readonly string[] MountKeys = ["type", "version", "description", "defaultLeaseTtl", "maxLeaseTtl"];
    private static readonly string[] MountTypes = ["kv", "transit", "database"];
    private static readonly string[] KvKeys = ["mount"];
    private static readonly string[] TransitKeys = ["mount", "keyType"];
    private static readonly string[] TransitKeyTypes =
    [
        "aes128-gcm96", "aes256-gcm96", "chacha20-poly1305", "ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
        "rsa-2048", "rsa-3072", "rsa-4096",
    ];
    private static readonly string[] DatabaseKeys = ["mount", "connection", "pluginName", "defaultTtl", "maxTtl"];
    private static readonly string[] AuthKeys = ["kubernetes", "jwt"];
    private static readonly string[] KubernetesKeys = ["path", "audience", "tokenTtl", "tokenMaxTtl", "policies"];
    private static readonly string[] JwtKeys =
        ["path", "boundIssuer", "userClaim", "boundAudiences", "boundClaims", "boundClaimsType", "boundSubject", "tokenTtl", "tokenMaxTtl", "policies"];
    private static readonly string[] PolicyKeys = ["runtime", "ops"];
    private static readonly string[] AppKeys = ["slug", "namespace", "serviceAccount", "kv", "database", "transit", "kubernetes", "jwt", "policies"];
    private static readonly string[] AppDatabaseKeys = ["grants", "defaultTtl", "maxTtl"];
    private static readonly string[] AppTransitKeys = ["keys"];
    private static readonly string[] AppKubernetesKeys = ["tokenTtl", "tokenMaxTtl", "policies"];
    private static readonly string[] AppJwtKeys = ["boundAudiences", "boundClaims", "boundSubject", "tokenTtl", "tokenMaxTtl", "policies"];
    private const string Dns1123Rule = "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

    /// <summary>Loads and validates a topology file.</summary>
    /// <param name="path">The topology file.</param>
    /// <returns>The validated topology.</returns>
    /// <exception cref="TopologyException">The file, or a policy template it names, is invalid.</exception>
    public static TopologySpec Load(string path) => Load(path, []);

    /// <summary>
    /// Loads a base topology and merges overlays over it, in order, then validates the result.
    /// Mappings merge key by key; <c>apps</c> merge by <c>slug</c> (an overlay app with
    /// <c>remove: true</c> removes it); any other value in an overlay replaces the base's.
    /// </summary>
    /// <param name="basePath">The base topology file.</param>
    /// <param name="overlayPaths">Overlay files, applied in order.</param>
    /// <returns>The validated, merged topology.</returns>
    /// <exception cref="TopologyException">A file, or a policy template, is invalid.</exception>
    public static TopologySpec Load(string basePath, params string[] overlayPaths) => Load(basePath, overlayPaths, []);

    /// <summary>
    /// As <see cref="Load(string, string[])"/>, but top-level keys of an overlay named in
    /// <paramref name="foreignOverlayKeys"/> are left out of the merge: they belong to the caller
    /// (rehearse's <c>rehearse:</c> section), which validates them itself.
    /// </summary>
    /// <param name="basePath">The base topology file.</param>
    /// <param name="overlayPaths">Overlay files, applied in order.</param>
    /// <param name="foreignOverlayKeys">Top-level overlay keys to leave out of the merge.</param>
    /// <returns>The validated, merged topology.</returns>
    /// <exception cref="TopologyException">A file, or a policy template, is invalid.</exception>
    public static TopologySpec Load(string basePath, IReadOnlyList<string> overlayPaths, IReadOnlyCollection<string> foreignOverlayKeys)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(overlayPaths);
        ArgumentNullException.ThrowIfNull(foreignOverlayKeys);
        var ctx = new YamlContext();
        var root = ReadDocument(ctx, basePath, isOverlay: false);
        foreach (var overlay in overlayPaths)
        {
            var overlayRoot = ReadDocument(ctx, overlay, isOverlay: true);
            foreach (var key in overlayRoot.Children.Keys.Where(k => k is YamlScalarNode s && foreignOverlayKeys.Contains(s.Value ?? "", StringComparer.Ordinal)).ToList())
            {
                overlayRoot.Children.Remove(key);
            }

            Merge(ctx, root, overlayRoot);
        }

        var files = new[] { Path.GetFullPath(basePath) }.Concat(overlayPaths.Select(Path.GetFullPath)).ToArray();
        return new Interpreter(ctx, files).Interpret(root);
    }

    private static YamlMappingNode ReadDocument(YamlContext ctx, string path, bool isOverlay)
    {
        if (!SandboxGuard.ForFiles.FileExists(path, "topology loader"))
        {
            throw TopologyException.FileMissing(path);
        }

        var text = ReadText(path, path, 0, 0);
        YamlStream stream;
        try
        {
            stream = YamlDocuments.Load(text);
        }
        catch (YamlException ex)
        {
            throw TopologyException.Yaml(path, (int)ex.Start.Line, (int)ex.Start.Column, FirstLine(ex.Message), ex);
        }

        if (stream.Documents.Count == 0 || YamlContext.IsNull(stream.Documents[0].RootNode))
        {
            throw TopologyException.Empty(path);
        }

        var root = stream.Documents[0].RootNode;
        ctx.Register(root, Path.GetFullPath(path));
        if (root is not YamlMappingNode map)
        {
            throw ctx.Error(root, (f, l, c) => TopologyException.WrongType(f, l, c, "the topology", "a mapping with version, mounts, auth, policies and apps", YamlContext.Describe(root)));
        }

        if (isOverlay && YamlContext.Get(map, "apps") is { } apps)
        {
            CheckDuplicateSlugs(ctx, apps);
        }

        return map;
    }

    private static string ReadText(string path, string namedIn, int line, int column)
    {
        try
        {
            // Through the file guard: checked before it is named to the file system, opened, checked again
            // by real path and identity (a symlinked template or a hard link of the key file is refused).
            return SandboxGuard.ForFiles.ReadAllText(path, "topology loader");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw TopologyException.Unreadable(path, namedIn, line, column, ex);
        }
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? message : message[..i];
    }

    private static void CheckDuplicateSlugs(YamlContext ctx, YamlNode apps)
    {
        if (apps is not YamlSequenceNode seq)
        {
            return;
        }

        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var app in seq.Children.OfType<YamlMappingNode>())
        {
            if (ctx.ScalarNode(app, "slug") is not { Value: { } slug } slugNode)
            {
                continue;
            }

            if (seen.TryGetValue(slug, out var first))
            {
                throw ctx.Error(slugNode, (f, l, c) => TopologyException.DuplicateApp(f, l, c, slug, ctx.FileOf(first), (int)first.Start.Line));
            }

            seen[slug] = slugNode;
        }
    }

    private static void Merge(YamlContext ctx, YamlMappingNode target, YamlMappingNode overlay)
    {
        foreach (var (key, value) in YamlContext.Entries(overlay))
        {
            var existingKey = target.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key.Value);
            if (existingKey is null)
            {
                target.Children.Add(key, value);
                continue;
            }

            var existing = target.Children[existingKey];
            if (key.Value == "apps" && existing is YamlSequenceNode baseApps && value is YamlSequenceNode overlayApps)
            {
                MergeApps(ctx, baseApps, overlayApps);
            }
            else if (existing is YamlMappingNode em && value is YamlMappingNode vm)
            {
                Merge(ctx, em, vm);
            }
            else
            {
                target.Children[existingKey] = value;
            }
        }
    }

    private static void MergeApps(YamlContext ctx, YamlSequenceNode baseApps, YamlSequenceNode overlayApps)
    {
        foreach (var node in overlayApps.Children)
        {
            var app = ctx.Mapping(node, "apps item");
            var slug = ctx.RequiredString(app, "slug", "an overlay app", "slug: my-app");
            var remove = ctx.Bool(app, "remove");
            var removeKey = app.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "remove" });
            if (removeKey is not null)
            {
                app.Children.Remove(removeKey);
            }

            var index = -1;
            for (var i = 0; i < baseApps.Children.Count; i++)
            {
                if (baseApps.Children[i] is YamlMappingNode b && ctx.String(b, "slug") == slug)
                {
                    index = i;
                    break;
                }
            }

            if (remove)
            {
                if (index < 0)
                {
                    throw ctx.Error(app, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"the overlay removes app \"{slug}\", which the topology does not define", "remove the entry, or correct the slug."));
                }

                baseApps.Children.RemoveAt(index);
            }
            else if (index < 0)
            {
                baseApps.Children.Add(app);
            }
            else
            {
                Merge(ctx, (YamlMappingNode)baseApps.Children[index], app);
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    internal static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    internal static partial Regex Dns1123Subdomain();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$-]*$", RegexOptions.CultureInvariant)]
    internal static partial Regex PostgresRoleName();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant)]
    internal static partial Regex VaultItemName();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", RegexOptions.CultureInvariant)]
    internal static partial Regex VaultPath();

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.CultureInvariant)]
    internal static partial Regex Placeholder();

    /// <summary>Reads the merged document; one instance per load.</summary>
    private sealed class Interpreter(YamlContext ctx, IReadOnlyList<string> files)
    {
        private readonly Dictionary<string, PolicyTemplate> _templates = new(StringComparer.Ordinal);

        public TopologySpec Interpret(YamlMappingNode root)
        {
            ctx.CheckKeys(root, "the topology", RootKeys);
            var versionNode = ctx.ScalarNode(root, "version")
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "version", "the topology", "version: 1"));
            if (versionNode.Value != "1")
            {
                throw ctx.Error(versionNode, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"unsupported topology version \"{versionNode.Value}\"", "write version: 1 (the only version this Sandbox reads)."));
            }

            var mounts = ReadMounts(root);
            var kvMount = ReadMountReference(root, "kv", KvKeys, "kvv2", mounts, m => m is { Type: "kv", KvVersion: 2 }, "a kv version 2 mount");
            var transitSection = Section(root, "transit", TransitKeys);
            var transitMount = ReadMountReference(root, "transit", TransitKeys, "transit", mounts, m => m.Type == "transit", "a transit mount");
            var keyType = "aes256-gcm96";
            if (transitSection is not null && ctx.ScalarNode(transitSection, "keyType") is { } kt)
            {
                keyType = TransitKeyTypes.Contains(kt.Value, StringComparer.Ordinal)
                    ? kt.Value!
                    : throw ctx.Error(kt, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"transit key type \"{kt.Value}\" is not one Vault knows", $"use one of {string.Join(", ", TransitKeyTypes)}."));
            }

            var (database, dbDefaultTtl, dbMaxTtl) = ReadDatabase(root, mounts);
            var authNode = YamlContext.Get(root, "auth")
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "auth", "the topology", "auth: { kubernetes: {}, jwt: { userClaim: sub, boundAudiences: [...] } }"));
            var auth = ctx.Mapping(authNode, "auth");
            ctx.CheckKeys(auth, "auth", AuthKeys);
            var k8sNode = ctx.Mapping(YamlContext.Get(auth, "kubernetes")
                ?? throw ctx.Error(auth, (f, l, c) => TopologyException.Missing(f, l, c, "kubernetes", "auth", "kubernetes: { path: kubernetes }")), "auth.kubernetes");
            ctx.CheckKeys(k8sNode, "auth.kubernetes", KubernetesKeys);
            var jwtNode = ctx.Mapping(YamlContext.Get(auth, "jwt")
                ?? throw ctx.Error(auth, (f, l, c) => TopologyException.Missing(f, l, c, "jwt", "auth", "jwt: { path: jwt, userClaim: sub, boundAudiences: [...] }")), "auth.jwt");
            ctx.CheckKeys(jwtNode, "auth.jwt", JwtKeys);
            var kubernetes = new KubernetesAuthSpec(AuthPath(k8sNode, "kubernetes"), ctx.String(k8sNode, "audience"));
            var jwt = new JwtAuthSpec(AuthPath(jwtNode, "jwt"), ctx.String(jwtNode, "boundIssuer"));
            if (string.Equals(kubernetes.Path, jwt.Path, StringComparison.Ordinal))
            {
                throw ctx.Error(YamlContext.Get(jwtNode, "path") ?? jwtNode, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"auth.kubernetes and auth.jwt are both mounted at \"{jwt.Path}/\"", "give each auth method its own path."));
            }

            var userClaim = ctx.RequiredString(jwtNode, "userClaim", "auth.jwt", "userClaim: sub");
            var claimsType = ctx.String(jwtNode, "boundClaimsType") ?? "string";
            if (claimsType is not ("string" or "glob"))
            {
                throw ctx.Error(ctx.ScalarNode(jwtNode, "boundClaimsType")!, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"boundClaimsType \"{claimsType}\" is not string or glob", "write boundClaimsType: string (exact values) or glob."));
            }

            var policiesNode = ctx.Mapping(YamlContext.Get(root, "policies")
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "policies", "the topology", "policies: { runtime: policies/app.hcl, ops: policies/app-ops.hcl }")), "policies");
            ctx.CheckKeys(policiesNode, "policies", PolicyKeys);
            var runtimeTemplate = Template(policiesNode, "runtime", required: true)!;
            var opsTemplate = Template(policiesNode, "ops", required: true)!;

            var extraPolicies = ReadExtraPolicies(root);
            var appsNode = YamlContext.Get(root, "apps")
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "apps", "the topology", "apps: [ { slug: my-app } ]"));
            if (appsNode is not YamlSequenceNode appsSeq)
            {
                throw ctx.Error(appsNode, (f, l, c) => TopologyException.WrongType(f, l, c, "apps", "a list of apps (- slug: ...)", YamlContext.Describe(appsNode)));
            }

            CheckDuplicateSlugs(ctx, appsSeq);
            var drafts = appsSeq.Children
                .Select(n => ReadApp(n, k8sNode, jwtNode, userClaim, claimsType, database, dbDefaultTtl, dbMaxTtl, runtimeTemplate, opsTemplate))
                .ToList();

            // Policy names: every app's <app> and <app>-ops, the extra policies, and Vault's default.
            var policyOwners = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (name, _) in extraPolicies)
            {
                policyOwners[name] = YamlContext.Get(ctx.Mapping(YamlContext.Get(root, "extraPolicies")!, "extraPolicies"), name)!;
            }

            foreach (var d in drafts)
            {
                foreach (var name in d.App.Policies.Keys)
                {
                    if (policyOwners.TryGetValue(name, out var other))
                    {
                        throw ctx.Error(d.Node, (f, l, c) => TopologyException.Invalid(f, l, c,
                            $"app \"{d.App.Slug}\" defines policy \"{name}\", which {ctx.Location(other)} defines too",
                            "rename one of them: slugs must not collide with another app's <app>-ops name or an extra policy."));
                    }

                    policyOwners[name] = d.Node;
                }
            }

            var known = policyOwners.Keys.Append("default").Order(StringComparer.Ordinal).ToArray();
            foreach (var d in drafts)
            {
                CheckRolePolicies(d.App.KubernetesRole, d.KubernetesPoliciesNode, known);
                CheckRolePolicies(d.App.JwtRole, d.JwtPoliciesNode, known);
            }

            return new TopologySpec(files, mounts, kvMount, transitMount, keyType, database, kubernetes, jwt, extraPolicies, drafts.Select(d => d.App).ToArray());
        }

        private void CheckRolePolicies(RoleSpec role, YamlNode node, string[] known)
        {
            foreach (var policy in role.Policies)
            {
                if (!known.Contains(policy, StringComparer.Ordinal))
                {
                    throw ctx.Error(node, (f, l, c) => TopologyException.MissingPolicy(f, l, c, role.Name, policy, known));
                }
            }
        }

        private YamlMappingNode? Section(YamlMappingNode root, string key, IReadOnlyCollection<string> allowed)
        {
            var node = YamlContext.Get(root, key);
            if (node is null || YamlContext.IsNull(node))
            {
                return null;
            }

            var map = ctx.Mapping(node, key);
            ctx.CheckKeys(map, key, allowed);
            return map;
        }

        private List<MountSpec> ReadMounts(YamlMappingNode root)
        {
            var node = YamlContext.Get(root, "mounts")
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "mounts", "the topology", "mounts: { kvv2: { type: kv, version: 2 } }"));
            var map = ctx.Mapping(node, "mounts");
            var mounts = new List<MountSpec>();
            foreach (var (key, value) in YamlContext.Entries(map))
            {
                var path = (key.Value ?? "").TrimEnd('/');
                if (!VaultPath().IsMatch(path))
                {
                    throw ctx.Error(key, (f, l, c) => TopologyException.Invalid(f, l, c, $"mount path \"{key.Value}\" is not a valid Vault path",
                        "use letters, digits, '_', '-', '.' and '/' between segments, e.g. kvv2 or team/kv."));
                }

                var m = ctx.Mapping(value, $"mounts.{path}");
                ctx.CheckKeys(m, $"mounts.{path}", MountKeys);
                var typeNode = ctx.ScalarNode(m, "type")
                    ?? throw ctx.Error(m, (f, l, c) => TopologyException.Missing(f, l, c, "type", $"mounts.{path}", "type: kv"));
                var type = typeNode.Value!;
                if (!MountTypes.Contains(type, StringComparer.Ordinal))
                {
                    throw ctx.Error(typeNode, (f, l, c) => TopologyException.Invalid(f, l, c, $"mount type \"{type}\" is not supported",
                        $"use one of {string.Join(", ", MountTypes)} (kv takes version: 1 or 2)."));
                }

                var version = ctx.Int(m, "version");
                if (type == "kv" && version is not (1 or 2))
                {
                    throw ctx.Error(ctx.ScalarNode(m, "version") ?? (YamlNode)m, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"kv mount \"{path}\" needs version: 1 or 2", "write version: 2 for a versioned kv (kvv2) or version: 1 for a flat one; Vault's default for plain kv is 1, so Sandbox asks."));
                }

                if (type != "kv" && version is not null)
                {
                    throw ctx.Error(ctx.ScalarNode(m, "version")!, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"secrets engine \"{type}\" does not allow setting a version", "remove version from this mount."));
                }

                var defaultTtl = ctx.Duration(m, "defaultLeaseTtl");
                var maxTtl = ctx.Duration(m, "maxLeaseTtl");
                CheckOrder(defaultTtl, maxTtl, m, "defaultLeaseTtl", "maxLeaseTtl");
                foreach (var other in mounts)
                {
                    if (Overlaps(other.Path, path))
                    {
                        throw ctx.Error(key, (f, l, c) => TopologyException.Invalid(f, l, c,
                            $"mount \"{path}/\" overlaps mount \"{other.Path}/\" ({other.Location}); Vault answers \"path is already in use at {other.Path}/\"",
                            "give each mount a path that is not a prefix of another."));
                    }
                }

                mounts.Add(new MountSpec(path, type, version, ctx.String(m, "description") ?? "", defaultTtl, maxTtl, ctx.Location(key)));
            }

            return mounts;
        }

        private static bool Overlaps(string a, string b) =>
            (a + "/").StartsWith(b + "/", StringComparison.Ordinal) || (b + "/").StartsWith(a + "/", StringComparison.Ordinal);

        private string ReadMountReference(YamlMappingNode root, string section, IReadOnlyCollection<string> allowed, string defaultMount,
            List<MountSpec> mounts, Func<MountSpec, bool> fits, string what)
        {
            var map = Section(root, section, allowed);
            var node = map is null ? null : ctx.ScalarNode(map, "mount");
            var name = (node?.Value ?? defaultMount).TrimEnd('/');
            var mount = mounts.FirstOrDefault(m => m.Path == name);
            if (mount is null || !fits(mount))
            {
                var at = (YamlNode?)node ?? YamlContext.Get(root, "mounts") ?? root;
                throw ctx.Error(at, (f, l, c) => TopologyException.Invalid(f, l, c,
                    mount is null
                        ? $"{section}.mount is \"{name}\", but no mount \"{name}\" is defined under mounts"
                        : $"{section}.mount \"{name}\" must be {what}, but it is of type {mount.Type}{(mount.KvVersion is { } v ? " version " + v : "")}",
                    $"define mounts.{name} as {what}, or set {section}.mount to one."));
            }

            return name;
        }

        private (DatabaseSpec Spec, VaultDuration DefaultTtl, VaultDuration MaxTtl) ReadDatabase(YamlMappingNode root, List<MountSpec> mounts)
        {
            var map = Section(root, "database", DatabaseKeys)
                ?? throw ctx.Error(root, (f, l, c) => TopologyException.Missing(f, l, c, "database", "the topology", "database: { mount: postgres, defaultTtl: 1h, maxTtl: 24h }"));
            var mount = ReadMountReference(root, "database", DatabaseKeys, "postgres", mounts, m => m.Type == "database", "a database mount");
            var defaultTtl = ctx.Duration(map, "defaultTtl")
                ?? throw ctx.Error(map, (f, l, c) => TopologyException.Missing(f, l, c, "defaultTtl", "database", "defaultTtl: 1h"));
            var maxTtl = ctx.Duration(map, "maxTtl")
                ?? throw ctx.Error(map, (f, l, c) => TopologyException.Missing(f, l, c, "maxTtl", "database", "maxTtl: 24h"));
            CheckOrder(defaultTtl, maxTtl, map, "defaultTtl", "maxTtl");
            var spec = new DatabaseSpec(mount, ctx.String(map, "connection") ?? "postgres", ctx.String(map, "pluginName") ?? "postgresql-database-plugin");
            if (!VaultItemName().IsMatch(spec.Connection))
            {
                throw ctx.Error(ctx.ScalarNode(map, "connection")!, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"database connection name \"{spec.Connection}\" is not a valid Vault name", "use letters, digits, '_', '-' or '.'."));
            }

            return (spec, defaultTtl, maxTtl);
        }

        private void CheckOrder(VaultDuration? shorter, VaultDuration? longer, YamlMappingNode map, string shortKey, string longKey)
        {
            if (shorter is { } s && longer is { } l && s.Value > l.Value)
            {
                throw ctx.Error(ctx.ScalarNode(map, shortKey) ?? (YamlNode)map, (f, li, c) => TopologyException.Invalid(f, li, c,
                    $"{shortKey} ({s}) is longer than {longKey} ({l})", $"make {shortKey} at most {longKey}; Vault refuses a default TTL above the max."));
            }
        }

        private string AuthPath(YamlMappingNode map, string defaultPath)
        {
            var node = ctx.ScalarNode(map, "path");
            var path = (node?.Value ?? defaultPath).TrimEnd('/');
            if (!VaultPath().IsMatch(path))
            {
                throw ctx.Error(node!, (f, l, c) => TopologyException.Invalid(f, l, c, $"auth path \"{node!.Value}\" is not a valid Vault path",
                    $"use a path such as {defaultPath}."));
            }

            return path;
        }

        private Dictionary<string, string> ReadExtraPolicies(YamlMappingNode root)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var node = YamlContext.Get(root, "extraPolicies");
            if (node is null || YamlContext.IsNull(node))
            {
                return result;
            }

            var map = ctx.Mapping(node, "extraPolicies");
            foreach (var (key, _) in YamlContext.Entries(map))
            {
                var name = key.Value ?? "";
                if (name is "root" or "default" or "response-wrapping" || !VaultItemName().IsMatch(name) || name.Any(char.IsUpper))
                {
                    throw ctx.Error(key, (f, l, c) => TopologyException.Invalid(f, l, c, $"\"{name}\" cannot be an extra policy name",
                        "use a lower-case name other than root, default and response-wrapping."));
                }

                var template = Template(map, name, required: true)!;
                if (template.Text.Contains("{{", StringComparison.Ordinal))
                {
                    throw ctx.Error(YamlContext.Get(map, name)!, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"extra policy \"{name}\" uses a placeholder, but it belongs to no app", "write the names out in full, or make it an app template."));
                }

                ParsePolicy(template, template.Text, $"extra policy \"{name}\"");
                result[name] = template.Text;
            }

            return result;
        }

        private PolicyTemplate? Template(YamlMappingNode map, string key, bool required)
        {
            var node = ctx.ScalarNode(map, key);
            if (node is null)
            {
                return required
                    ? throw ctx.Error(map, (f, l, c) => TopologyException.Missing(f, l, c, key, "policies", $"{key}: policies/app{(key == "ops" ? "-ops" : "")}.hcl"))
                    : null;
            }

            var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ctx.FileOf(node)) ?? ".", node.Value!));
            if (_templates.TryGetValue(full, out var cached))
            {
                return cached;
            }

            if (!SandboxGuard.ForFiles.FileExists(full, "topology loader: policy template"))
            {
                throw ctx.Error(node, (f, l, c) => TopologyException.TemplateFileMissing(f, l, c, node.Value!));
            }

            var text = ReadText(full, ctx.FileOf(node), (int)node.Start.Line, (int)node.Start.Column);
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match m in Placeholder().Matches(lines[i]))
                {
                    if (m.Groups[1].Value != "app")
                    {
                        throw TopologyException.UnknownPlaceholder(full, i + 1, m.Index + 1, m.Value);
                    }
                }
            }

            var template = new PolicyTemplate(full, text);

            // "{{app}}" and "zzzzzzz" have the same length, so positions in errors are the template's own.
            ParsePolicy(template, template.Text.Replace("{{app}}", "zzzzzzz", StringComparison.Ordinal), "the template itself");
            _templates[full] = template;
            return template;
        }

        private static PolicyDocument ParsePolicy(PolicyTemplate template, string text, string usedBy)
        {
            try
            {
                return PolicyDocument.Parse(text, template.File);
            }
            catch (PolicyParseException ex)
            {
                throw TopologyException.PolicyTemplate(template.File, ex.Line, ex.Column, ex.VaultMessage, ex.Fix, usedBy, ex);
            }
        }

        private sealed record AppDraft(AppSpec App, YamlNode Node, YamlNode KubernetesPoliciesNode, YamlNode JwtPoliciesNode);

        private AppDraft ReadApp(YamlNode node, YamlMappingNode k8sDefaults, YamlMappingNode jwtDefaults, string userClaim, string claimsType,
            DatabaseSpec database, VaultDuration dbDefaultTtl, VaultDuration dbMaxTtl, PolicyTemplate runtimeTemplate, PolicyTemplate opsTemplate)
        {
            var app = ctx.Mapping(node, "apps item");
            ctx.CheckKeys(app, "an app", AppKeys);
            var slugNode = ctx.ScalarNode(app, "slug")
                ?? throw ctx.Error(app, (f, l, c) => TopologyException.Missing(f, l, c, "slug", "an app", "slug: my-app"));
            var slug = slugNode.Value ?? "";
            CheckLabel(slugNode, "slug", slug);
            var where = $"app \"{slug}\"";
            var ns = ctx.ScalarNode(app, "namespace");
            if (ns is not null)
            {
                CheckLabel(ns, "namespace", ns.Value ?? "");
            }

            var sa = ctx.ScalarNode(app, "serviceAccount");
            if (sa is not null && (sa.Value!.Length > 253 || !Dns1123Subdomain().IsMatch(sa.Value)))
            {
                throw ctx.Error(sa, (f, l, c) => TopologyException.InvalidName(f, l, c, "serviceAccount", sa.Value, "a DNS-1123 subdomain of at most 253 characters",
                    "use dot-separated parts of lower-case letters, digits and '-', each starting and ending with a letter or digit (e.g. \"my-app\" or \"my-app.worker\")."));
            }

            // kv seeds
            var seeds = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            if (YamlContext.Get(app, "kv") is { } kvNode && !YamlContext.IsNull(kvNode))
            {
                foreach (var (secretKey, secretValue) in YamlContext.Entries(ctx.Mapping(kvNode, $"{where} kv")))
                {
                    var secret = secretKey.Value ?? "";
                    if (!VaultPath().IsMatch(secret))
                    {
                        throw ctx.Error(secretKey, (f, l, c) => TopologyException.Invalid(f, l, c, $"kv secret name \"{secret}\" is not a valid Vault path",
                            "use a name such as config (written to <kv mount>/<app>/config)."));
                    }

                    var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (k, v) in YamlContext.Entries(ctx.Mapping(secretValue, $"kv.{secret}")))
                    {
                        data[k.Value ?? ""] = v is YamlScalarNode s
                            ? s.Value ?? ""
                            : throw ctx.Error(v, (f, l, c) => TopologyException.WrongType(f, l, c, $"kv.{secret}.{k.Value}", "a single value", YamlContext.Describe(v)));
                    }

                    seeds[secret] = data;
                }
            }

            // database
            var grants = new List<string> { slug + "_role" };
            var defaultTtl = dbDefaultTtl;
            var maxTtl = dbMaxTtl;
            if (YamlContext.Get(app, "database") is { } dbNode && !YamlContext.IsNull(dbNode))
            {
                var db = ctx.Mapping(dbNode, $"{where} database");
                ctx.CheckKeys(db, $"{where} database", AppDatabaseKeys);
                if (ctx.StringList(db, "grants") is { } g)
                {
                    foreach (var grant in g)
                    {
                        if (grant.Length > 63 || !PostgresRoleName().IsMatch(grant))
                        {
                            throw ctx.Error(YamlContext.Get(db, "grants")!, (f, l, c) => TopologyException.Invalid(f, l, c,
                                $"grant \"{grant}\" is not a PostgreSQL role name", "use letters, digits, '_' (at most 63 characters), e.g. my_app_role."));
                        }
                    }

                    grants = g;
                }

                defaultTtl = ctx.Duration(db, "defaultTtl") ?? defaultTtl;
                maxTtl = ctx.Duration(db, "maxTtl") ?? maxTtl;
                if (defaultTtl.Value > maxTtl.Value)
                {
                    throw ctx.Error(db, (f, l, c) => TopologyException.Invalid(f, l, c,
                        $"{where}: database defaultTtl ({defaultTtl}) is longer than maxTtl ({maxTtl})", "make defaultTtl at most maxTtl."));
                }
            }

            // transit
            var transitKeys = new List<string> { slug };
            if (YamlContext.Get(app, "transit") is { } trNode && !YamlContext.IsNull(trNode))
            {
                var tr = ctx.Mapping(trNode, $"{where} transit");
                ctx.CheckKeys(tr, $"{where} transit", AppTransitKeys);
                if (ctx.StringList(tr, "keys") is { } keys)
                {
                    foreach (var k in keys.Where(k => !VaultItemName().IsMatch(k)))
                    {
                        throw ctx.Error(YamlContext.Get(tr, "keys")!, (f, l, c) => TopologyException.Invalid(f, l, c,
                            $"transit key name \"{k}\" is not valid", "use letters, digits, '_', '-' or '.'."));
                    }

                    transitKeys = keys;
                }
            }

            // roles
            var k8sApp = SubSection(app, "kubernetes", AppKubernetesKeys, where);
            var (k8sRole, k8sPoliciesNode) = ReadRole(slug, slug, k8sApp, k8sDefaults, "{{app}}", app);
            var jwtApp = SubSection(app, "jwt", AppJwtKeys, where);
            var (jwtRole, jwtPoliciesNode) = ReadRole(slug, "gitea_cicd_" + slug, jwtApp, jwtDefaults, "{{app}}-ops", app);
            var audiences = (jwtApp is null ? null : ctx.StringList(jwtApp, "boundAudiences"))
                ?? ctx.StringList(jwtDefaults, "boundAudiences") ?? [];
            var claims = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var source in new[] { jwtDefaults, jwtApp })
            {
                if (source is null || YamlContext.Get(source, "boundClaims") is not { } bc || YamlContext.IsNull(bc))
                {
                    continue;
                }

                foreach (var (claimKey, _) in YamlContext.Entries(ctx.Mapping(bc, "boundClaims")))
                {
                    var values = ctx.StringList((YamlMappingNode)bc, claimKey.Value!, allowSingle: true)!;
                    claims[claimKey.Value!] = values.Select(v => v.Replace("{{app}}", slug, StringComparison.Ordinal)).ToArray();
                }
            }

            var subject = (jwtApp is null ? null : ctx.String(jwtApp, "boundSubject")) ?? ctx.String(jwtDefaults, "boundSubject");
            subject = subject?.Replace("{{app}}", slug, StringComparison.Ordinal);
            if (audiences.Count == 0 && claims.Count == 0 && subject is null)
            {
                throw ctx.Error(jwtApp ?? jwtDefaults, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"JWT role \"gitea_cicd_{slug}\" has no bound constraint; Vault answers \"must have at least one bound constraint when creating/updating a role\"",
                    "set boundAudiences, boundClaims or boundSubject under auth.jwt (or the app's jwt)."));
            }

            // policies
            var appPolicies = SubSection(app, "policies", PolicyKeys, where);
            var runtime = (appPolicies is null ? null : Template(appPolicies, "runtime", required: false)) ?? runtimeTemplate;
            var ops = (appPolicies is null ? null : Template(appPolicies, "ops", required: false)) ?? opsTemplate;
            var policies = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [slug] = runtime.Render(slug),
                [slug + "-ops"] = ops.Render(slug),
            };
            ParsePolicy(runtime, policies[slug], $"policy \"{slug}\" of app \"{slug}\"");
            ParsePolicy(ops, policies[slug + "-ops"], $"policy \"{slug}-ops\" of app \"{slug}\"");

            var spec = new AppSpec(
                slug,
                ns?.Value ?? slug,
                sa?.Value ?? slug,
                seeds,
                new AppDatabaseSpec(grants, defaultTtl, maxTtl),
                transitKeys,
                k8sRole,
                jwtRole,
                new JwtRoleSpec(userClaim, audiences, claims, claimsType, subject),
                policies,
                ctx.Location(app));
            return new AppDraft(spec, app, k8sPoliciesNode, jwtPoliciesNode);
        }

        private YamlMappingNode? SubSection(YamlMappingNode app, string key, IReadOnlyCollection<string> allowed, string where)
        {
            var node = YamlContext.Get(app, key);
            if (node is null || YamlContext.IsNull(node))
            {
                return null;
            }

            var map = ctx.Mapping(node, $"{where} {key}");
            ctx.CheckKeys(map, $"{where} {key}", allowed);
            return map;
        }

        private (RoleSpec Role, YamlNode PoliciesNode) ReadRole(string slug, string name, YamlMappingNode? appSection, YamlMappingNode defaults, string defaultPolicy, YamlMappingNode appNode)
        {
            VaultDuration? Pick(string key) => (appSection is null ? null : ctx.Duration(appSection, key)) ?? ctx.Duration(defaults, key);
            var ttl = Pick("tokenTtl");
            var maxTtl = Pick("tokenMaxTtl");
            if (ttl is { } t && maxTtl is { } m && t.Value > m.Value)
            {
                throw ctx.Error(appSection ?? defaults, (f, l, c) => TopologyException.Invalid(f, l, c,
                    $"role \"{name}\": tokenTtl ({t}) is longer than tokenMaxTtl ({m})", "make tokenTtl at most tokenMaxTtl."));
            }

            YamlNode policiesNode = appNode;
            List<string>? list = null;
            if (appSection is not null && ctx.StringList(appSection, "policies") is { } own)
            {
                (list, policiesNode) = (own, YamlContext.Get(appSection, "policies")!);
            }
            else if (ctx.StringList(defaults, "policies") is { } shared)
            {
                (list, policiesNode) = (shared, YamlContext.Get(defaults, "policies")!);
            }

            var policies = (list ?? [defaultPolicy]).Select(p => p.Replace("{{app}}", slug, StringComparison.Ordinal)).ToArray();
            return (new RoleSpec(name, policies, ttl, maxTtl, ctx.Location(appSection ?? appNode)), policiesNode);
        }

        private void CheckLabel(YamlScalarNode node, string key, string value)
        {
            if (value.Length > 63 || !Dns1123Label().IsMatch(value))
            {
                throw ctx.Error(node, (f, l, c) => TopologyException.InvalidName(f, l, c, key, value,
                    value.Length > 63 ? $"{value.Length} characters, more than 63" : Dns1123Rule));
            }
        }
    }
}
