using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Plan;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The plan of every runtime against the upstream contracts kept beside the checkout
/// (<c>../shared/upstream/</c>: k3d v5.9.0's config schema, vault-helm 0.34.1's values schema and
/// defaults, the Vault Secrets Operator 1.4.1's chart values and CRDs). Where that folder is absent
/// the tests are inconclusive; under <c>CI=true</c> they fail instead.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PlanUpstreamContractTests
{
    private static readonly EvaluationOptions ListAll = new() { OutputFormat = OutputFormat.List };
    private string _root = null!;
    private string _upstream = null!;
    private GuardAuditLog _audit = null!;
    private SandboxManager _manager = null!;

    [SetUp]
    public void SetUp()
    {
        var checkout = SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!;
        _upstream = Requires.Upstream(checkout, string.Empty, "the upstream contracts (k3d-v5.9.0/, vault-helm-0.34.1/, vso-1.4.1/)");

        _root = Path.Combine(Path.GetTempPath(), "sandbox-plan-upstream-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
        _audit = GuardAuditLog.InMemory();
        _manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, _audit), Path.Combine(_root, "home"));
    }

    [TearDown]
    public void TearDown()
    {
        _audit?.Dispose();
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Plan => Path.Combine(_root, "plan");

    private Task<SandboxPlan> PlanAsync(RuntimeKind runtime, CancellationToken cancellationToken) =>
        SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = runtime, Name = "lab-1" }, Plan, TopologyLoader.Load(TopologyWorkspace.FixtureTopology), cancellationToken);

    [Test]
    [CancelAfter(60000)]
    public async Task K3dClusterConfig_ValidatesAgainstK3dsV1alpha5Schema(CancellationToken cancellationToken)
    {
        await PlanAsync(RuntimeKind.K3d, cancellationToken);
        var schema = JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(_upstream, "k3d-v5.9.0", "schema.json"), cancellationToken));
        var config = YamlJson.Single(await File.ReadAllTextAsync(Path.Combine(Plan, "k3d-cluster.yaml"), cancellationToken));

        AssertValid(schema, config, "k3d-cluster.yaml");

        // A broken config fails the same check (the check can fail).
        var broken = config!.DeepClone().AsObject();
        broken["options"]!["k3d"]!["disableLoadbalancer"] = "yes";
        Assert.That(schema.Evaluate(ToElement(broken), ListAll).IsValid, Is.False);
    }

    [Test]
    [CancelAfter(60000)]
    public async Task VaultValues_MergedOverTheChartsDefaults_ValidateAgainstTheChartsSchema_AndNameOnlyKeysTheChartHas(CancellationToken cancellationToken)
    {
        await PlanAsync(RuntimeKind.K3d, cancellationToken);
        var chart = Path.Combine(_upstream, "vault-helm-0.34.1");
        // The chart names draft-07 by its https URL; Helm reads that as draft-07, and so does this check.
        var schemaText = (await File.ReadAllTextAsync(Path.Combine(chart, "values.schema.json"), cancellationToken))
            .Replace("\"https://json-schema.org/draft-07/schema#\"", "\"http://json-schema.org/draft-07/schema#\"", StringComparison.Ordinal);
        var schema = JsonSchema.FromText(schemaText);
        var defaults = YamlJson.Single(await File.ReadAllTextAsync(Path.Combine(chart, "values.yaml"), cancellationToken))!.AsObject();
        var ours = YamlJson.Single(await File.ReadAllTextAsync(Path.Combine(Plan, "helm", "hashicorp-vault.values.yaml"), cancellationToken))!.AsObject();

        // A key the chart documents only as a commented-out option (server.service.type, nodePort,
        // readinessProbe.path) counts as known: its templates read it.
        var valuesText = await File.ReadAllTextAsync(Path.Combine(chart, "values.yaml"), cancellationToken);
        var undocumented = UnknownKeys(ours, defaults)
            .Where(k => !System.Text.RegularExpressions.Regex.IsMatch(valuesText, $@"(?m)^\s*#\s*{System.Text.RegularExpressions.Regex.Escape(k[(k.LastIndexOf('.') + 1)..])}:"))
            .ToList();
        Assert.That(undocumented, Is.Empty, "every key Sandbox sets is one the chart's values.yaml has or documents");
        AssertValid(schema, Merge(defaults, ours), "helm/hashicorp-vault.values.yaml over the chart's defaults");
        Assert.That(ours["server"]!["image"]!["tag"]!.GetValue<string>(), Is.EqualTo(RuntimeVersions.VaultImageTag), "the tag is a string");
        Assert.That(defaults["server"]!["authDelegator"]!["enabled"]!.GetValue<bool>(), Is.True, "Kubernetes auth's token reviewer binding comes from the chart's default");
    }

    [Test]
    [CancelAfter(60000)]
    public async Task VsoValues_NameOnlyKeysTheChartHas(CancellationToken cancellationToken)
    {
        await PlanAsync(RuntimeKind.K3d, cancellationToken);
        var defaults = YamlJson.Single(await File.ReadAllTextAsync(Path.Combine(_upstream, "vso-1.4.1", "chart-values.yaml"), cancellationToken))!.AsObject();
        var ours = YamlJson.Single(await File.ReadAllTextAsync(Path.Combine(Plan, "helm", "vault-secrets-operator.values.yaml"), cancellationToken))!.AsObject();
        Assert.That(UnknownKeys(ours, defaults), Is.Empty);
        var chart = await File.ReadAllTextAsync(Path.Combine(_upstream, "vso-1.4.1", "Chart.yaml"), cancellationToken);
        Assert.That(chart, Does.Contain($"version: {RuntimeVersions.VaultSecretsOperatorChartVersion}"), "the pinned operator is the one whose CRDs these are");
    }

    [Test]
    [CancelAfter(60000)]
    public async Task VsoObjects_ValidateAgainstTheOperatorsCrds(CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(RuntimeKind.K3d, cancellationToken);
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_upstream, "vso-1.4.1"), "secrets.hashicorp.com_*.yaml"))
        {
            var crd = YamlJson.Single(await File.ReadAllTextAsync(file, cancellationToken))!;
            var kind = crd["spec"]!["names"]!["kind"]!.GetValue<string>();
            var version = crd["spec"]!["versions"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "v1beta1")!;
            schemas[kind] = JsonSchema.FromText(version["schema"]!["openAPIV3Schema"]!.ToJsonString());
        }

        var objects = plan.Files.Where(f => f.StartsWith("manifests/app-", StringComparison.Ordinal))
            .SelectMany(f => YamlJson.Documents(File.ReadAllText(Path.Combine(Plan, f))).Select(d => (File: f, Object: d!)))
            .Where(o => o.Object["apiVersion"]!.GetValue<string>() == "secrets.hashicorp.com/v1beta1")
            .ToList();

        Assert.That(objects.Select(o => o.Object["kind"]!.GetValue<string>()).Distinct(), Is.EquivalentTo(new[] { "VaultConnection", "VaultAuth", "VaultStaticSecret", "VaultDynamicSecret" }));
        Assert.That(objects, Has.Count.EqualTo(4 * TopologyLoader.Load(TopologyWorkspace.FixtureTopology).Apps.Count), "four objects per app");
        foreach (var (file, obj) in objects)
        {
            AssertValid(schemas[obj["kind"]!.GetValue<string>()], obj, $"{file}: {obj["kind"]} {obj["metadata"]!["name"]}");
        }

        // The CRD check can fail: a VaultStaticSecret without its required 'type' is refused.
        var broken = objects.First(o => o.Object["kind"]!.GetValue<string>() == "VaultStaticSecret").Object.DeepClone();
        broken["spec"]!.AsObject().Remove("type");
        Assert.That(schemas["VaultStaticSecret"].Evaluate(ToElement(broken), ListAll).IsValid, Is.False);
    }

    [TestCase(RuntimeKind.Docker)]
    [TestCase(RuntimeKind.Process)]
    [CancelAfter(60000)]
    public async Task DockerAndProcessPlans_ApplyNoClusterObjects(RuntimeKind runtime, CancellationToken cancellationToken)
    {
        // Their contract is Vault's own config and API (checked by the plan tests); no k3d config,
        // chart values or VSO object belongs to them.
        var plan = await PlanAsync(runtime, cancellationToken);
        Assert.That(plan.Files, Has.None.StartsWith("manifests/").And.None.StartsWith("helm/").And.None.EqualTo("k3d-cluster.yaml"));
        Assert.That(plan.VaultWrites.Single(w => w.Path == "postgres/config/postgres").Body["connection_url"]!.GetValue<string>(), Does.Contain("@127.0.0.1:"), "host view, as before");
    }

    private static void AssertValid(JsonSchema schema, JsonNode? instance, string what)
    {
        var result = schema.Evaluate(ToElement(instance), ListAll);
        var errors = (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).ToList();
        Assert.That(result.IsValid, Is.True, $"{what} does not validate:\n{string.Join("\n", errors.Take(20))}");
    }

    private static JsonElement ToElement(JsonNode? node) => JsonSerializer.SerializeToElement(node);

    private static JsonObject Merge(JsonObject defaults, JsonObject ours)
    {
        var result = defaults.DeepClone().AsObject();
        foreach (var (key, value) in ours)
        {
            result[key] = value is JsonObject o && result[key] is JsonObject d ? Merge(d, o) : value?.DeepClone();
        }

        return result;
    }

    private static List<string> UnknownKeys(JsonObject ours, JsonObject defaults, string prefix = "")
    {
        var unknown = new List<string>();
        foreach (var (key, value) in ours)
        {
            if (!defaults.ContainsKey(key))
            {
                unknown.Add(prefix + key);
            }
            else if (value is JsonObject o && defaults[key] is JsonObject d)
            {
                unknown.AddRange(UnknownKeys(o, d, prefix + key + "."));
            }
        }

        return unknown;
    }
}
