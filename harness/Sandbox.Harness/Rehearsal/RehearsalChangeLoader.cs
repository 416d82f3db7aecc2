using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Internal;
using Sandbox.Harness.Topology;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// Reads and validates everything a rehearsal will apply — overlays, policy files, Helm values,
/// the Vault binary or image, the endpoints a change names — before any sandbox exists. A
/// mistake raises <see cref="RehearsalChangeException"/> (a broken base topology:
/// <see cref="TopologyException"/>) naming the file, the line and the fix; a denylisted endpoint raises
/// <see cref="RehearsalGuardException"/>. See <c>docs/rehearse.md</c>.
/// </summary>
internal static partial class RehearsalChangeLoader
{
    /// <summary>The top-level key of an overlay that holds rehearse's own settings: <c>rehearse</c>.</summary>
    public const string SectionKey = "rehearse";

    private static readonly string[] SectionKeys = ["description", "endpoints", "helmValues"];

    private static readonly (string Key, string Field)[] EndpointKeys =
    [
        ("connectionUrl", "connection_url"),
        ("kubernetesHost", "kubernetes_host"),
        ("jwksUrl", "jwks_url"),
        ("oidcDiscoveryUrl", "oidc_discovery_url"),
    ];

    /// <summary>
    /// Loads the base topology, the change, and the changed topology, and has the guard judge
    /// every endpoint the change names. Nothing is started or written except a temporary overlay
    /// for policy files, removed before returning.
    /// </summary>
    /// <param name="request">What to rehearse.</param>
    /// <param name="guard">The production guard (files the change names are checked with it too).</param>
    /// <returns>The validated change.</returns>
    /// <exception cref="RehearsalChangeException">A change file (overlay, policy file, Helm values) or option is invalid.</exception>
    /// <exception cref="TopologyException">The base topology does not load.</exception>
    /// <exception cref="RehearsalGuardException">The change names an endpoint the guard refuses.</exception>
    public static RehearsalChange Load(RehearsalRequest request, SandboxGuard guard)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(guard);
        if (request.Changes.Count == 0 && request.VaultBinary is null && request.VaultImage is null)
        {
            throw RehearsalChangeException.NoChange();
        }

        var basePath = Path.GetFullPath(request.TopologyPath);
        guard.EnsureFileAllowed(basePath, "sandbox rehearse: --topology");
        var baseTopology = TopologyLoader.Load(basePath);

        var overlays = new List<string>();
        var endpoints = new List<RehearsalEndpoint>();
        var descriptions = new List<string>();
        string? helmValues = null;
        string? tempFolder = null;
        var policyFiles = false;
        try
        {
            foreach (var change in request.Changes)
            {
                var full = Path.GetFullPath(change);

                // Judged as given, not as the collapsed full path: the guard walks 'link/../x' where the
                // kernel goes as well as where .NET's text collapse goes, and refuses if either is denied.
                guard.EnsureFileAllowed(change, "sandbox rehearse: --change");
                if (Directory.Exists(full))
                {
                    var files = Directory.GetFiles(full, "*.hcl").Order(StringComparer.Ordinal).ToArray();
                    foreach (var file in files)
                    {
                        // A change folder's entry may be a symlink or a hard link: each file is checked itself.
                        guard.EnsureFileAllowed(file, "sandbox rehearse: --change folder");
                    }

                    if (files.Length == 0)
                    {
                        throw RehearsalChangeException.At(change, 0, 0, "the directory holds no policy files (*.hcl)",
                            "put the changed policy templates in it as <template>.hcl (e.g. app.hcl) or <policy>.hcl (e.g. webapp.hcl).");
                    }

                    tempFolder ??= CreateTempFolder();
                    policyFiles = true;
                    overlays.Add(PolicyOverlay(basePath, baseTopology, files, tempFolder, overlays.Count));
                    descriptions.Add("policy files: " + string.Join(", ", files.Select(f => Path.Combine(change, Path.GetFileName(f)))));
                }
                else if (!File.Exists(full))
                {
                    throw RehearsalChangeException.Missing(change, "change file");
                }
                else if (full.EndsWith(".hcl", StringComparison.OrdinalIgnoreCase))
                {
                    tempFolder ??= CreateTempFolder();
                    policyFiles = true;
                    overlays.Add(PolicyOverlay(basePath, baseTopology, [full], tempFolder, overlays.Count));
                    descriptions.Add("policy file: " + change);
                }
                else if (IsHelmValues(full))
                {
                    helmValues = ReadHelmValues(full, change, guard);
                    descriptions.Add("Helm values: " + change);
                }
                else if (full.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                {
                    var section = ReadSection(full, change);
                    overlays.Add(full);
                    endpoints.AddRange(section.Endpoints);
                    if (section.HelmValues is { } hv)
                    {
                        helmValues = ReadHelmValues(hv, hv, guard);
                    }

                    descriptions.Add(section.Description is { } d ? $"{d} (overlay {change})" : "topology overlay: " + change);
                }
                else
                {
                    throw RehearsalChangeException.UnknownKind(change);
                }
            }

            TopologySpec changedTopology;
            try
            {
                changedTopology = overlays.Count == 0 ? baseTopology : TopologyLoader.Load(basePath, overlays, [SectionKey]);
            }
            catch (TopologyException ex)
            {
                throw RehearsalChangeException.At(ex.File, ex.Line, ex.Column, ex.Problem, ex.Fix, ex);
            }

            var vaultBinary = CheckVaultBinary(request, guard);
            var vaultImage = CheckVaultImage(request);
            if (vaultBinary is not null)
            {
                descriptions.Add("Vault binary: " + request.VaultBinary);
            }

            if (vaultImage is not null)
            {
                descriptions.Add("Vault image: " + vaultImage);
            }

            if (helmValues is not null && request.Runtime is "process" or "docker")
            {
                throw RehearsalChangeException.Option("--runtime", request.Runtime, "Helm values apply to the k3d runtime only",
                    "rehearse Helm values with --runtime k3d, or leave the values file out.");
            }

            var result = new RehearsalChange
            {
                Description = string.Join("; ", descriptions),
                Sources = [.. request.Changes],
                BaseTopology = baseTopology,
                ChangedTopology = changedTopology,
                BasePlan = TopologyPlan.From(baseTopology),
                ChangedPlan = TopologyPlan.From(changedTopology),
                Endpoints = endpoints,
                VaultBinary = vaultBinary,
                VaultImage = vaultImage,
                HelmValuesFile = helmValues,
                TopologyFiles = policyFiles ? null : [Path.GetFullPath(basePath), .. overlays.Select(Path.GetFullPath)],
            };
            result.EnsureEndpointsAllowed(guard);
            return result;
        }
        finally
        {
            if (tempFolder is not null)
            {
                try
                {
                    Directory.Delete(tempFolder, recursive: true);
                }
                catch (IOException)
                {
                    // best effort: a folder under the temp directory
                }
            }
        }
    }

    private static string CreateTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sandbox-rehearse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static bool IsHelmValues(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name is "values.yaml" or "values.yml"
            || name.EndsWith("-values.yaml", StringComparison.Ordinal) || name.EndsWith("-values.yml", StringComparison.Ordinal)
            || name.EndsWith(".values.yaml", StringComparison.Ordinal) || name.EndsWith(".values.yml", StringComparison.Ordinal);
    }

    private static YamlMappingNode? ReadMapping(string full, string shown, bool allowEmpty)
    {
        string text;
        try
        {
            text = SandboxGuard.ForFiles.ReadAllText(full, "change loader");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RehearsalChangeException.At(shown, 0, 0, "cannot read the file: " + ex.Message, "check that it exists and that this user may read it.", ex);
        }

        YamlStream stream;
        try
        {
            stream = YamlDocuments.Load(text);
        }
        catch (YamlException ex)
        {
            var message = ex.Message.Split('\n')[0];
            throw RehearsalChangeException.At(shown, (int)ex.Start.Line, (int)ex.Start.Column, "invalid YAML: " + message,
                "fix the YAML syntax at that position (indentation, quotes, a missing ':').", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return allowEmpty ? null : throw RehearsalChangeException.At(shown, 0, 0, "the change file is empty",
                "write the keys that change (docs/rehearse.md), e.g. apps: [ { slug: webapp, database: { maxTtl: 2h } } ].");
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw RehearsalChangeException.At(shown, (int)second.Start.Line, (int)second.Start.Column, "the file holds more than one YAML document",
                "keep one document per change file (remove the second '---').");
        }

        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw RehearsalChangeException.At(shown, (int)stream.Documents[0].RootNode.Start.Line, (int)stream.Documents[0].RootNode.Start.Column,
                "the change file must be a mapping of topology keys", "write it like fixtures/changes/harmless.yaml: top-level keys such as apps:, database:, rehearse:.");
    }

    private static string? ReadHelmValues(string full, string shown, SandboxGuard guard)
    {
        guard.EnsureFileAllowed(full, "sandbox rehearse: Helm values");
        if (!File.Exists(full))
        {
            throw RehearsalChangeException.Missing(shown, "Helm values file");
        }

        _ = ReadMapping(full, shown, allowEmpty: false);
        return full;
    }

    private sealed record Section(string? Description, IReadOnlyList<RehearsalEndpoint> Endpoints, string? HelmValues);

    private static Section ReadSection(string full, string shown)
    {
        var root = ReadMapping(full, shown, allowEmpty: false)!;
        var node = RehearsalYaml.Get(root, SectionKey);
        if (node is null)
        {
            return new Section(null, [], null);
        }

        var map = node as YamlMappingNode ?? throw WrongType(shown, node, SectionKey, "a mapping (description:, endpoints:, helmValues:)");
        RehearsalYaml.CheckKeys(shown, map, SectionKey, SectionKeys);
        string? description = null;
        if (RehearsalYaml.Get(map, "description") is { } dn)
        {
            description = (dn as YamlScalarNode)?.Value is { Length: > 0 } d && !d.Contains('\n', StringComparison.Ordinal)
                ? d
                : throw WrongType(shown, dn, "rehearse.description", "one line of text");
        }

        var endpoints = new List<RehearsalEndpoint>();
        if (RehearsalYaml.Get(map, "endpoints") is { } en)
        {
            var em = en as YamlMappingNode ?? throw WrongType(shown, en, "rehearse.endpoints", "a mapping (connectionUrl:, kubernetesHost:, jwksUrl:, oidcDiscoveryUrl:)");
            RehearsalYaml.CheckKeys(shown, em, "rehearse.endpoints", EndpointKeys.Select(k => k.Key).ToArray());
            foreach (var (key, field) in EndpointKeys)
            {
                if (RehearsalYaml.Get(em, key) is not { } value)
                {
                    continue;
                }

                if (value is not YamlScalarNode { Value: { Length: > 0 } text })
                {
                    throw WrongType(shown, value, $"rehearse.endpoints.{key}", "a URL");
                }

                endpoints.Add(new RehearsalEndpoint($"rehearse.endpoints.{key}", field, text, new SourceLocation(shown, (int)value.Start.Line, (int)value.Start.Column)));
            }
        }

        string? helm = null;
        if (RehearsalYaml.Get(map, "helmValues") is { } hn)
        {
            var rel = (hn as YamlScalarNode)?.Value is { Length: > 0 } h ? h : throw WrongType(shown, hn, "rehearse.helmValues", "a file path relative to this file");
            helm = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, rel));
            if (!SandboxGuard.ForFiles.FileExists(helm, "change loader: helmValues"))
            {
                throw RehearsalChangeException.At(shown, (int)hn.Start.Line, (int)hn.Start.Column, $"Helm values file \"{rel}\" does not exist",
                    "give a path relative to this change file, e.g. helmValues: vault-values.yaml.");
            }
        }

        return new Section(description, endpoints, helm);
    }

    private static RehearsalChangeException WrongType(string file, YamlNode node, string key, string expected) =>
        RehearsalChangeException.At(file, (int)node.Start.Line, (int)node.Start.Column, $"\"{key}\" must be {expected}", $"write \"{key}\" as {expected}.");

    /// <summary>
    /// Turns policy files into an overlay that points the matching templates at them: a file named
    /// like a template of the base topology (<c>app.hcl</c>) replaces that template wherever it is
    /// used; a file named like a policy (<c>webapp.hcl</c>, <c>webapp-ops.hcl</c>, an extra
    /// policy's name) replaces that policy.
    /// </summary>
    private static string PolicyOverlay(string basePath, TopologySpec baseTopology, IReadOnlyList<string> files, string folder, int index)
    {
        var baseRoot = ReadMapping(basePath, basePath, allowEmpty: false)!;
        var templates = TemplateReferences(baseRoot);
        var policies = new JsonObject();
        var extra = new JsonObject();
        var apps = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        JsonObject AppPolicies(string slug)
        {
            if (!apps.TryGetValue(slug, out var app))
            {
                app = new JsonObject { ["slug"] = slug, ["policies"] = new JsonObject() };
                apps[slug] = app;
            }

            return (JsonObject)app["policies"]!;
        }

        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var stem = Path.GetFileNameWithoutExtension(file);
            var matches = templates.Where(t => string.Equals(t.FileName, name, StringComparison.Ordinal)).ToList();
            if (matches.Count > 0)
            {
                foreach (var t in matches)
                {
                    var target = t.Extra is { } e ? extra : t.App is { } slug ? AppPolicies(slug) : policies;
                    target[t.Extra ?? t.Kind] = file;
                }

                continue;
            }

            if (baseTopology.Apps.FirstOrDefault(a => a.Slug == stem) is { } runtimeApp)
            {
                AppPolicies(runtimeApp.Slug)["runtime"] = file;
            }
            else if (baseTopology.Apps.FirstOrDefault(a => a.Slug + "-ops" == stem) is { } opsApp)
            {
                AppPolicies(opsApp.Slug)["ops"] = file;
            }
            else if (baseTopology.ExtraPolicies.ContainsKey(stem))
            {
                extra[stem] = file;
            }
            else
            {
                var known = templates.Select(t => t.FileName).Distinct(StringComparer.Ordinal)
                    .Concat(baseTopology.Apps.SelectMany(a => a.Policies.Keys).Concat(baseTopology.ExtraPolicies.Keys).Select(p => p + ".hcl"))
                    .Order(StringComparer.Ordinal);
                throw RehearsalChangeException.At(file, 0, 0, $"the policy file \"{name}\" matches no policy template or policy of the topology",
                    $"name it after the template it replaces or the policy it changes: {string.Join(", ", known)}.");
            }
        }

        var overlay = new JsonObject();
        if (policies.Count > 0)
        {
            overlay["policies"] = policies;
        }

        if (extra.Count > 0)
        {
            overlay["extraPolicies"] = extra;
        }

        if (apps.Count > 0)
        {
            overlay["apps"] = new JsonArray([.. apps.Values]);
        }

        // JSON is YAML: the loader reads it like any overlay; absolute paths keep templates where they are.
        var path = Path.Combine(folder, $"policy-change-{index}.yaml");
        File.WriteAllText(path, overlay.ToJsonString());
        return path;
    }

    private sealed record TemplateReference(string FileName, string Kind, string? App, string? Extra);

    private static List<TemplateReference> TemplateReferences(YamlMappingNode root)
    {
        var found = new List<TemplateReference>();
        void FromPolicies(YamlNode? node, string? app)
        {
            if (node is not YamlMappingNode m)
            {
                return;
            }

            foreach (var kind in new[] { "runtime", "ops" })
            {
                if (RehearsalYaml.Get(m, kind) is YamlScalarNode { Value: { Length: > 0 } v })
                {
                    found.Add(new TemplateReference(Path.GetFileName(v), kind, app, null));
                }
            }
        }

        FromPolicies(RehearsalYaml.Get(root, "policies"), null);
        if (RehearsalYaml.Get(root, "extraPolicies") is YamlMappingNode extras)
        {
            foreach (var (k, v) in extras.Children)
            {
                if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode { Value: { Length: > 0 } file })
                {
                    found.Add(new TemplateReference(Path.GetFileName(file), "extra", null, name));
                }
            }
        }

        if (RehearsalYaml.Get(root, "apps") is YamlSequenceNode appList)
        {
            foreach (var app in appList.Children.OfType<YamlMappingNode>())
            {
                if (RehearsalYaml.Get(app, "slug") is YamlScalarNode { Value: { } slug })
                {
                    FromPolicies(RehearsalYaml.Get(app, "policies"), slug);
                }
            }
        }

        return found;
    }

    private static string? CheckVaultBinary(RehearsalRequest request, SandboxGuard guard)
    {
        if (request.VaultBinary is not { } binary)
        {
            return null;
        }

        if (request.Runtime is "docker" or "k3d")
        {
            throw RehearsalChangeException.Option("--vault-binary", binary, $"a binary applies to the process runtime, not {request.Runtime}",
                "give --vault-image IMAGE for docker and k3d, or --runtime process.");
        }

        var full = Path.GetFullPath(binary);
        guard.EnsureFileAllowed(full, "sandbox rehearse: --vault-binary");
        if (!File.Exists(full))
        {
            throw RehearsalChangeException.Option("--vault-binary", binary, "no such file", "give the path of the vault (or bao) binary to upgrade to.");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            throw RehearsalChangeException.Option("--vault-binary", binary, "the file is not executable", $"chmod +x {binary}");
        }

        return full;
    }

    private static string? CheckVaultImage(RehearsalRequest request)
    {
        if (request.VaultImage is not { } image)
        {
            return null;
        }

        if (request.Runtime is "process")
        {
            throw RehearsalChangeException.Option("--vault-image", image, "an image applies to the docker and k3d runtimes, not process",
                "give --vault-binary PATH for the process runtime, or --runtime docker|k3d.");
        }

        return ImageReference().IsMatch(image)
            ? image
            : throw RehearsalChangeException.Option("--vault-image", image, "not an image reference",
                "write it as [registry/]repository:tag, e.g. hashicorp/vault:1.19.0.");
    }

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9._\-/:\[\]]*[a-z0-9\]])?(:[A-Za-z0-9_.\-]{1,128})?(@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageReference();
}
