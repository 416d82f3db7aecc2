using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Tofu;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Tofu;

[TestFixture]
public sealed class TofuImporterTests
{
    private TofuWorkspace _ws = null!;

    [SetUp]
    public void SetUp() => _ws = new TofuWorkspace();

    [TearDown]
    public void TearDown() => _ws.Dispose();

    private static List<string> Sorted<T>(IEnumerable<T> items) => [.. items.Select(i => JsonSerializer.Serialize(i)).Order(StringComparer.Ordinal)];

    [Test]
    public void Import_TheFixtureToolsRepository_GivesTheFixtureTopologysPlan()
    {
        var imported = TofuImporter.Import(TofuWorkspace.FixtureTofu, _ws.Guard).Validate();
        var expected = TopologyPlan.From(TopologyLoader.Load(Path.Combine(TofuWorkspace.RepoRoot, "fixtures", "topology.yaml")));
        var actual = TopologyPlan.From(imported);

        Assert.That(Sorted(actual.Mounts), Is.EqualTo(Sorted(expected.Mounts)));
        Assert.That(Sorted(actual.AuthMethods), Is.EqualTo(Sorted(expected.AuthMethods)));
        Assert.That(actual.JwtConfig, Is.EqualTo(expected.JwtConfig));
        Assert.That(Sorted(actual.KubernetesRoles), Is.EqualTo(Sorted(expected.KubernetesRoles)));
        Assert.That(Sorted(actual.JwtRoles), Is.EqualTo(Sorted(expected.JwtRoles)));
        Assert.That(Sorted(actual.DatabaseRoles), Is.EqualTo(Sorted(expected.DatabaseRoles)));
        Assert.That(Sorted(actual.PostgresGroupRoles), Is.EqualTo(Sorted(expected.PostgresGroupRoles)));
        Assert.That(Sorted(actual.TransitKeys), Is.EqualTo(Sorted(expected.TransitKeys)));
        Assert.That(actual.DatabaseConnection.Name, Is.EqualTo(expected.DatabaseConnection.Name));
        Assert.That(actual.DatabaseConnection.PluginName, Is.EqualTo(expected.DatabaseConnection.PluginName));
        Assert.That(actual.Seeds.Select(s => $"{s.Mount}/{s.Path}").Order(), Is.EqualTo(expected.Seeds.Select(s => $"{s.Mount}/{s.Path}").Order()));
        Assert.That(actual.Seeds.All(s => s.Data.Count == 0), "secret data is never read, only the names");
        Assert.That(actual.Policies.Keys.Order(), Is.EqualTo(expected.Policies.Keys.Order()));
        foreach (var (name, text) in expected.Policies)
        {
            Assert.That(PolicyDocument.Parse(actual.Policies[name], name).MeansSameAs(PolicyDocument.Parse(text, name)), $"policy {name} means the same");
        }
    }

    [Test]
    public void Import_TheFixture_ReportsWhatItDidNotRead_AndNoProductionValueReachesTheTopology()
    {
        var result = TofuImporter.Import(TofuWorkspace.FixtureTofu, _ws.Guard);
        var written = result.WriteTo(Path.Combine(_ws.Root, "out", "lab.yaml"), _ws.Guard, "test");

        Assert.That(result.Apps, Is.EqualTo(new[] { "erp", "url-shortener", "webapp" }));
        Assert.That(result.SecretsNotRead, Has.Some.Contains("vault_database_secret_backend_connection.postgres.postgresql.password"));
        Assert.That(result.SecretsNotRead, Has.Some.Contains("module.app[\"webapp\"].vault_kv_secret_v2.config.data_json"));
        Assert.That(result.EndpointsNotImported, Has.Some.Contains("kubernetes_host").And.Some.Contains("oidc_discovery_url").And.Some.Contains("connection_url"));
        Assert.That(result.UnknownResourceTypes, Is.EqualTo(new Dictionary<string, int> { ["kubernetes_namespace"] = 3 }));
        Assert.That(result.Notes, Has.Some.Contains("provider \"vault\""));
        Assert.That(written.Select(Path.GetFileName), Is.EquivalentTo(new[] { "lab.yaml", "app.hcl", "app-ops.hcl" }));
        var all = string.Concat(written.Select(File.ReadAllText));
        Assert.That(all, Does.Not.Contain("postgres.arcodange.lab").And.Not.Contain("kubernetes.default.svc").And.Not.Contain("LOG_LEVEL")
            .And.Not.Contain("vault.arcodange.lab").And.Not.Contain("{{username}}"));
    }

    [Test]
    public void Import_VarAndVarFile_OverrideTfvars()
    {
        var dir = _ws.CopyFixture();
        var varFile = _ws.Write("more.tfvars", "apps = [\"billing\"]\n");

        var fromFile = TofuImporter.Import(dir, _ws.Guard, new TofuImportOptions { VarFiles = [varFile] });
        var fromVar = TofuImporter.Import(dir, _ws.Guard, new TofuImportOptions { Vars = [new("apps", "[\"a\", \"b\"]")] });

        Assert.That(fromFile.Apps, Is.EqualTo(new[] { "billing" }));
        Assert.That(fromVar.Apps, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Import_UnevaluableValues_AreReportedWithFileAndLine_AndLeftOut()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "engines.tf"), """

            data "vault_generic_secret" "x" {
              path = "kv/x"
            }

            resource "vault_transit_secret_backend_key" "shared" {
              backend = vault_mount.transit.path
              name    = data.vault_generic_secret.x.data["name"]
            }

            resource "vault_policy" "computed" {
              name   = vault_mount.kv.accessor
              policy = "path \"x\" { capabilities = [\"read\"] }"
            }

            resource "vault_policy" "unknown_fn" {
              name   = sha256("x")
              policy = ""
            }
            """);

        var result = TofuImporter.Import(dir, _ws.Guard);

        Assert.That(result.Notes, Has.Some.Match(@"engines\.tf:4\d: vault_transit_secret_backend_key\.shared\.name cannot be evaluated \(data\.vault_generic_secret"));
        Assert.That(result.Notes, Has.Some.Match(@"engines\.tf:5\d: vault_policy\.computed\.name cannot be evaluated \(vault_mount\.kv\.accessor is computed by the provider"));
        Assert.That(result.Notes, Has.Some.Match(@"engines\.tf:5\d: vault_policy\.unknown_fn\.name cannot be evaluated \(the function sha256\(\) is not evaluated"));
        Assert.That(result.Apps, Has.Count.EqualTo(3), "the rest is still imported");
    }

    [Test]
    public void Import_ASensitiveVariable_IsNeverRead_EvenWhereItIsUsedAsAName()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "engines.tf"), "\nresource \"vault_policy\" \"leak\" {\n  name   = var.postgres_password\n  policy = \"\"\n}\n");

        var result = TofuImporter.Import(dir, _ws.Guard, new TofuImportOptions { Vars = [new("postgres_password", "s3cr3t-value")] });

        Assert.That(result.Notes, Has.Some.Contains("vault_policy.leak.name cannot be evaluated (variable \"postgres_password\" is sensitive; the import never reads it"));
        Assert.That(result.TopologyYaml + string.Concat(result.Notes) + result.Describe(), Does.Not.Contain("s3cr3t-value"));
    }

    private TofuException ImportFails(string dir)
    {
        var output = Path.Combine(_ws.Root, "out", "t.yaml");
        var ex = Assert.Throws<TofuException>(() => TofuImporter.Import(dir, _ws.Guard).WriteTo(output, _ws.Guard, "test"))!;
        Assert.That(File.Exists(output), Is.False, "nothing is written");
        Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        return ex;
    }

    [Test]
    public void Import_RemoteModuleSource_IsRefusedNamingTheModule()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "apps.tf"), "\nmodule \"vpc\" {\n  source = \"git::https://example.invalid/vpc.git\"\n}\n");

        var ex = ImportFails(dir);

        Assert.That(ex.Message, Does.Match(@"apps\.tf:\d+:3: module ""vpc"" has the remote source ""git::https://example\.invalid/vpc\.git""; the import reads no network"));
        Assert.That(ex.Fix, Does.Contain("local path"));
    }

    [Test]
    public void Import_LocalsCycle_IsAnErrorNamingTheCycle()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "apps.tf"), "\nlocals {\n  a = local.b\n  b = \"${local.c}-x\"\n  c = local.a\n}\nresource \"vault_policy\" \"p\" {\n  name = local.a\n  policy = \"\"\n}\n");

        var ex = ImportFails(dir);

        Assert.That(ex.Problem, Does.Contain("local.a -> local.b -> local.c -> local.a"));
    }

    [Test]
    public void Import_ForEachOverAString_IsAnError()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "apps.tf"), "\nresource \"vault_policy\" \"each\" {\n  for_each = var.gitea_url\n  name     = each.key\n  policy   = \"\"\n}\n");

        var ex = ImportFails(dir);

        Assert.That(ex.Message, Does.Match(@"apps\.tf:\d+:3: for_each of vault_policy\.each is the string ""https://gitea\.arcodange\.lab"", not a map or a set of strings"));
    }

    [Test]
    public void Import_TwoResourcesProducingOnePolicy_IsAnErrorNamingBoth()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "engines.tf"), "\nresource \"vault_policy\" \"again\" {\n  name   = \"webapp\"\n  policy = \"\"\n}\n");

        var ex = ImportFails(dir);

        Assert.That(ex.Problem, Does.Contain("produces policy webapp, which").And.Contain("module.app[\"webapp\"].vault_policy.runtime"));
    }

    [Test]
    public void Import_SyntaxErrorInAModule_NamesTheModuleFile()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "modules", "vault-app", "outputs.tf"), "\noutput \"x\" {\n  value = [1, 2\n}\n");

        var ex = ImportFails(dir);

        Assert.That(ex.Message, Does.Match(@"modules/vault-app/outputs\.tf:\d+:\d+: HCL syntax error: expected ',' or '\]'"));
    }

    [Test]
    public void Import_ADenylistedFile_IsNeverOpened()
    {
        var dir = _ws.CopyFixture();
        File.AppendAllText(Path.Combine(dir, "engines.tf"), "\nresource \"vault_policy\" \"k\" {\n  name   = \"k\"\n  policy = file(\"~/.arcodange/cluster-keys.json\")\n}\n");

        Assert.Throws<Sandbox.Harness.Guard.GuardBlockedException>(() => TofuImporter.Import(dir, _ws.Guard));
    }

    private const string HonestPolicy = "path \"honest/*\" {\n  capabilities = [\"read\"]\n}\n";

    /// <summary>
    /// file(), templatefile() and a local module's source are judged where the kernel goes: with
    /// <c>jump</c> a symlink to <c>prod/sub</c>, <c>jump/../x</c> is <c>prod/x</c>, inside the protected
    /// folder, although its text collapses to a harmless <c>x</c> beside the module (which exists, and
    /// which the import read before it judged paths component by component).
    /// </summary>
    [Test]
    [CancelAfter(20000)]
    public void Import_SymlinkThenDotDot_IsJudgedWhereTheKernelGoes(CancellationToken cancellationToken)
    {
        var (dir, prod) = SymlinkedFolderBesideTheModule();
        var guard = new Sandbox.Harness.Guard.SandboxGuard(Sandbox.Harness.Guard.Denylist.Parse($"files: [\"{prod}/policy.hcl\", \"{prod}/side/\"]\n", "test-denylist.yaml"), Sandbox.Harness.Guard.GuardAuditLog.InMemory());
        var extra = Path.Combine(dir, "extra.tf");
        var calls = new Dictionary<string, string>
        {
            ["file()"] = "resource \"vault_policy\" \"k\" {\n  name   = \"k\"\n  policy = file(\"jump/../policy.hcl\")\n}\n",
            ["templatefile()"] = "resource \"vault_policy\" \"k\" {\n  name   = \"k\"\n  policy = templatefile(\"jump/../policy.hcl\", {})\n}\n",
            ["module source"] = "module \"side\" {\n  source = \"./jump/../side\"\n}\n",
        };

        Assert.That(guard.CheckFile(Path.Combine(dir, "policy.hcl"), "test").Allowed, "the file the text collapses to is not protected");
        foreach (var (what, tf) in calls)
        {
            File.WriteAllText(extra, tf);
            var ex = Assert.Throws<Sandbox.Harness.Guard.GuardBlockedException>(() => TofuImporter.Import(dir, guard), $"{what} read a file of the protected folder")!;
            Assert.Multiple(() =>
            {
                var target = what == "module source" ? "side" : "policy.hcl";
                Assert.That(ex.Decision.Rule, Does.StartWith($"files:{Path.Combine(prod, target)}"), what);
                Assert.That(ex.Decision.Detail, Does.Contain("symlinks followed before '..'").And.Contain($"'{Path.Combine(prod, target)}'"), $"{what}: the real target is named");
            });
        }
    }

    /// <summary>
    /// When nothing protected lies on either reading, the import reads what OpenTofu's <c>file()</c>
    /// reads: the path collapsed as text (<c>filepath.Clean</c>), i.e. the file beside the module.
    /// </summary>
    [Test]
    [CancelAfter(20000)]
    public void Import_SymlinkThenDotDot_WhenAllowed_ReadsTheFileOpenTofuReads(CancellationToken cancellationToken)
    {
        var (dir, _) = SymlinkedFolderBesideTheModule();
        File.WriteAllText(Path.Combine(dir, "extra.tf"), "resource \"vault_policy\" \"k\" {\n  name   = \"k\"\n  policy = file(\"jump/../policy.hcl\")\n}\n");

        var plan = TopologyPlan.From(TofuImporter.Import(dir, _ws.Guard).Validate());

        Assert.That(PolicyDocument.Parse(plan.Policies["k"], "k").MeansSameAs(PolicyDocument.Parse(HonestPolicy, "k")), plan.Policies["k"]);
    }

    /// <summary>
    /// A copy of the fixture module with <c>jump</c> → <c>prod/sub</c> in it; <c>policy.hcl</c> and
    /// <c>side/</c> exist both beside the module (the textual reading) and in <c>prod</c> (where the kernel goes).
    /// </summary>
    private (string Dir, string Prod) SymlinkedFolderBesideTheModule()
    {
        var dir = _ws.CopyFixture();
        var prod = Path.Combine(_ws.Root, "prod");
        Directory.CreateDirectory(Path.Combine(prod, "sub"));
        const string ProdPolicy = "path \"prod/*\" {\n  capabilities = [\"sudo\"]\n}\n";
        const string SideModule = "resource \"vault_policy\" \"side\" {\n  name   = \"side\"\n  policy = \"path \\\"side\\\" { capabilities = [\\\"read\\\"] }\"\n}\n";
        File.WriteAllText(Path.Combine(prod, "policy.hcl"), ProdPolicy);
        _ws.Write(Path.Combine(prod, "side", "main.tf"), SideModule);
        File.WriteAllText(Path.Combine(dir, "policy.hcl"), HonestPolicy);
        _ws.Write(Path.Combine(dir, "side", "main.tf"), SideModule);
        Directory.CreateSymbolicLink(Path.Combine(dir, "jump"), Path.Combine(prod, "sub"));
        return (dir, prod);
    }
}
