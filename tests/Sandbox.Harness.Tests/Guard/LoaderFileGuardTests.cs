using System.Diagnostics;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Tofu;
using Sandbox.Harness.Topology;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Every loader of Sandbox reads through the file guard. The denied "key file" is a FIFO (an open for
/// reading would block until the test's timeout) reached by a symlink, a hard link, a symlinked folder
/// followed by '..', and a policy template of a topology; strace, attached to the test process, shows
/// that no loader opened any of those names and that no syscall named the denied file itself.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoaderFileGuardTests
{
    private string _root = null!;
    private string _denied = null!;
    private string _denylist = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("guard-loaders-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "prod", "sub"));
        _denied = Path.Combine(_root, "prod", "cluster-keys.json");
        Run("mkfifo", _denied);
        _denylist = Path.Combine(_root, "denylist.yaml");
        File.WriteAllText(_denylist, $"files: [\"{_denied}\"]\n");
        _ = Denylist.Resolve(_denylist);
    }

    /// <summary>Three spellings of the key file: a symlink, a hard link, and a path through a symlinked folder and <c>..</c>.</summary>
    private (string Symlink, string HardLink, string DotDot) AliasesOfTheKeyFile()
    {
        var symlink = Path.Combine(_root, "alias.yaml");
        File.CreateSymbolicLink(symlink, _denied);
        var hardLink = Path.Combine(_root, "hard.yaml");
        Run("ln", _denied, hardLink);
        Directory.CreateSymbolicLink(Path.Combine(_root, "jump"), Path.Combine(_root, "prod", "sub"));
        return (symlink, hardLink, Path.Combine(_root, "jump") + "/../cluster-keys.json");
    }

    [TearDown]
    public void TearDown()
    {
        _ = Denylist.Resolve(null);
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    [CancelAfter(120000)]
    public void EveryLoader_RefusesEveryAliasOfTheKeyFile_WithoutOpeningIt(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        var (symlink, hardLink, dotDot) = AliasesOfTheKeyFile();
        var topology = TopologyWithTemplatesLinkedTo(_denied);
        var changeFolder = Path.Combine(_root, "change");
        Directory.CreateDirectory(changeFolder);
        File.CreateSymbolicLink(Path.Combine(changeFolder, "app.hcl"), _denied);

        var spellings = new[] { symlink, hardLink, dotDot };
        var loaders = new (string Name, Action<string> Load)[]
        {
            ("denylist", p => Denylist.Load(p)),
            ("topology", p => TopologyLoader.Load(p)),
            ("topology overlay", p => TopologyLoader.Load(topology, p)),
            ("NO-GO rules", p => NoGoRuleSet.Load(p)),
            ("guard file read", p => SandboxGuard.ForFiles.ReadAllText(p, "test")),
        };
        var refusals = new List<string>();

        _ = SandboxGuard.ForFiles; // built (and the denied file's identity taken) before the trace starts

        IReadOnlyList<(string Syscall, string Path)> calls;
        using (var trace = SyscallTrace.Start())
        {
            foreach (var (name, load) in loaders)
            {
                foreach (var spelling in spellings)
                {
                    var ex = Assert.Throws<GuardBlockedException>(() => load(spelling), $"{name} loaded {spelling}")!;
                    refusals.Add(ex.Decision.Rule);
                }
            }

            var template = Assert.Throws<GuardBlockedException>(() => TopologyLoader.Load(topology), "a policy template that is a symlink to the key file")!;
            refusals.Add(template.Decision.Rule);
            var entry = Assert.Throws<GuardBlockedException>(() => SandboxGuard.ForFiles.EnsureFileAllowed(Path.Combine(changeFolder, "app.hcl"), "test"))!;
            refusals.Add(entry.Decision.Rule);
            calls = trace.Stop();
        }

        var opened = calls.Where(c => c.Syscall.StartsWith("open", StringComparison.Ordinal)).Select(c => c.Path).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Has.All.EqualTo($"files:{_denied}"));
            Assert.That(opened, Does.Contain(topology), "the trace sees the honest topology file opened, so its silence about the others means something");
            Assert.That(opened, Has.None.EqualTo(symlink).And.None.EqualTo(hardLink).And.None.EqualTo(dotDot).And.None.Contains("app.hcl"), "a loader opened an alias of the key file");
            Assert.That(calls.Where(c => c.Path.Contains("cluster-keys.json", StringComparison.Ordinal) && !c.Path.Contains("jump", StringComparison.Ordinal)), Is.Empty, "a syscall named the denied file");
        });
    }

    /// <summary>
    /// The rehearsal change loader (a change file, a change folder whose entry is a symlink or a hard
    /// link of the key file, a Helm values file an overlay names) and the OpenTofu import (a -var-file,
    /// a .tf file or terraform.tfvars of the module, file() and templatefile(), a local module) refuse
    /// every alias of the key file, and strace shows none of them opened it.
    /// </summary>
    [Test]
    [CancelAfter(120000)]
    public void ChangeAndTofuLoaders_RefuseEveryAliasOfTheKeyFile_WithoutOpeningIt(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        var (symlink, hardLink, dotDot) = AliasesOfTheKeyFile();
        var spellings = new[] { symlink, hardLink, dotDot };

        // Rehearsal: an honest base topology, and changes that lead to the key file.
        var topology = HonestTopology();
        var symlinkedEntry = Directory.CreateDirectory(Path.Combine(_root, "change-symlink")).FullName;
        File.CreateSymbolicLink(Path.Combine(symlinkedEntry, "app.hcl"), _denied);
        var hardLinkedEntry = Directory.CreateDirectory(Path.Combine(_root, "change-hardlink")).FullName;
        Run("ln", _denied, Path.Combine(hardLinkedEntry, "webapp.hcl"));
        File.CreateSymbolicLink(Path.Combine(_root, "vault-values.yaml"), _denied);
        var helmOverlay = Path.Combine(_root, "helm-overlay.yaml");
        File.WriteAllText(helmOverlay, "rehearse:\n  helmValues: vault-values.yaml\n");
        var changes = spellings.Concat([symlinkedEntry, hardLinkedEntry, helmOverlay]).ToArray();

        // OpenTofu: an honest root module, and modules whose files lead to the key file.
        const string HonestPolicy = """
            resource "vault_policy" "honest" {
              name   = "honest"
              policy = "path \"x\" { capabilities = [\"read\"] }"
            }
            """;
        var honest = TofuModule("tofu-honest", HonestPolicy);
        var linkedTf = TofuModule("tofu-linked-tf", null);
        File.CreateSymbolicLink(Path.Combine(linkedTf, "main.tf"), _denied);
        var linkedTfvars = TofuModule("tofu-linked-tfvars", HonestPolicy);
        File.CreateSymbolicLink(Path.Combine(linkedTfvars, "terraform.tfvars"), _denied);
        var fileCall = TofuModule("tofu-file", $"resource \"vault_policy\" \"k\" {{\n  name   = \"k\"\n  policy = file(\"{symlink}\")\n}}\n");
        var templateCall = TofuModule("tofu-templatefile", $"resource \"vault_policy\" \"k\" {{\n  name   = \"k\"\n  policy = templatefile(\"{hardLink}\", {{}})\n}}\n");
        var localModule = TofuModule("tofu-module", "module \"keys\" {\n  source = \"./keys\"\n}\n");
        Directory.CreateDirectory(Path.Combine(localModule, "keys"));
        Run("ln", _denied, Path.Combine(localModule, "keys", "main.tf"));
        var imports = spellings.Select(s => (Dir: honest, VarFiles: new[] { s }))
            .Concat(new[] { linkedTf, linkedTfvars, fileCall, templateCall, localModule }.Select(d => (Dir: d, VarFiles: Array.Empty<string>())))
            .ToArray();

        string[] aliases =
        [
            .. spellings, Path.Combine(symlinkedEntry, "app.hcl"), Path.Combine(hardLinkedEntry, "webapp.hcl"), Path.Combine(_root, "vault-values.yaml"),
            Path.Combine(linkedTf, "main.tf"), Path.Combine(linkedTfvars, "terraform.tfvars"), Path.Combine(localModule, "keys", "main.tf"),
        ];
        var guard = new SandboxGuard(Denylist.InForce, GuardAuditLog.InMemory());
        _ = guard.CheckFile(topology, "warm-up"); // built (and the denied file's identity taken) before the trace starts
        _ = SandboxGuard.ForFiles.CheckFile(topology, "warm-up");
        var refusals = new List<string>();

        IReadOnlyList<(string Syscall, string Path)> calls;
        using (var trace = SyscallTrace.Start())
        {
            foreach (var change in changes)
            {
                var request = new RehearsalRequest { TopologyPath = topology, Changes = [change], Runtime = "process" };
                var ex = Assert.Throws<GuardBlockedException>(() => RehearsalChangeLoader.Load(request, guard), $"the change loader loaded {change}")!;
                refusals.Add(ex.Decision.Rule);
            }

            foreach (var (dir, varFiles) in imports)
            {
                var ex = Assert.Throws<GuardBlockedException>(
                    () => TofuImporter.Import(dir, guard, new TofuImportOptions { VarFiles = varFiles }),
                    $"the OpenTofu import read {dir} {string.Join(' ', varFiles)}")!;
                refusals.Add(ex.Decision.Rule);
            }

            calls = trace.Stop();
        }

        var opened = calls.Where(c => c.Syscall.StartsWith("open", StringComparison.Ordinal)).Select(c => c.Path).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Has.Count.EqualTo(changes.Length + imports.Length).And.All.EqualTo($"files:{_denied}"));
            Assert.That(opened, Does.Contain(topology), "the trace sees the honest base topology opened, so its silence about the others means something");
            Assert.That(opened, Does.Contain(Path.Combine(honest, "main.tf")), "and the honest module's main.tf");
            Assert.That(opened.Intersect(aliases), Is.Empty, "a loader opened an alias of the key file");
            Assert.That(calls.Where(c => c.Path.Contains("cluster-keys.json", StringComparison.Ordinal) && !c.Path.Contains("jump", StringComparison.Ordinal)), Is.Empty, "a syscall named the denied file");
        });
    }

    [Test]
    [CancelAfter(20000)]
    public void HardLink_OfTheKeyFile_IsRefusedByIdentity(CancellationToken cancellationToken)
    {
        var hardLink = Path.Combine(_root, "elsewhere.json");
        Run("ln", _denied, hardLink);

        var decision = SandboxGuard.ForFiles.CheckFile(hardLink, "test");

        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.False);
            Assert.That(decision.Rule, Is.EqualTo($"files:{_denied}"));
            Assert.That(decision.Detail, Does.Contain("hard link"));
        });
    }

    [Test]
    [CancelAfter(20000)]
    public void ProtectedPaths_AreBoundToThePasswordDatabaseHome_NotToHOME(CancellationToken cancellationToken)
    {
        var saved = Environment.GetEnvironmentVariable("HOME");
        Environment.SetEnvironmentVariable("HOME", _root);
        try
        {
            var guard = new SandboxGuard(Denylist.Parse("files: [\"~/.arcodange/cluster-keys.json\"]\n", "t.yaml"), GuardAuditLog.InMemory());
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

            Assert.Multiple(() =>
            {
                Assert.That(guard.CheckFile(Path.Combine(_root, ".arcodange", "cluster-keys.json"), "t").Allowed, Is.True, "HOME=elsewhere does not move the protected path there");
                Assert.That(guard.CheckFile("~/.arcodange/cluster-keys.json", "t").Allowed, Is.False);
                Assert.That(guard.CheckFile(Path.Combine(ReadPasswdHome(), ".arcodange", "cluster-keys.json"), "t").Allowed, Is.False, $"the account's home from /etc/passwd (HOME says {home})");
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("HOME", saved);
        }
    }

    [Test]
    [CancelAfter(20000)]
    public void SymlinkBeforeDotDot_IsJudgedWhereTheKernelGoes(CancellationToken cancellationToken)
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "jump"), Path.Combine(_root, "prod", "sub"));
        var guard = SandboxGuard.ForFiles;

        var decision = guard.CheckFile(Path.Combine(_root, "jump") + "/../cluster-keys.json", "t");

        Assert.That(decision.Rule, Is.EqualTo($"files:{_denied}"), "jump/.. is prod, not the folder the text suggests");
    }

    /// <summary>A copy of the fixture topology and its policy templates (real files).</summary>
    private string HonestTopology()
    {
        var fixtures = Path.Combine(SandboxCheckout.FindRoot(AppContext.BaseDirectory)!, "fixtures");
        var folder = Path.Combine(_root, "base");
        Directory.CreateDirectory(Path.Combine(folder, "policies"));
        var topology = Path.Combine(folder, "topology.yaml");
        File.Copy(Path.Combine(fixtures, "topology.yaml"), topology);
        foreach (var template in Directory.GetFiles(Path.Combine(fixtures, "policies")))
        {
            File.Copy(template, Path.Combine(folder, "policies", Path.GetFileName(template)));
        }

        return topology;
    }

    /// <summary>A root module folder, with <paramref name="mainTf"/> as its main.tf (none when null).</summary>
    private string TofuModule(string name, string? mainTf)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (mainTf is not null)
        {
            File.WriteAllText(Path.Combine(folder, "main.tf"), mainTf);
        }

        return folder;
    }

    private string TopologyWithTemplatesLinkedTo(string target)
    {
        var fixtures = Path.Combine(SandboxCheckout.FindRoot(AppContext.BaseDirectory)!, "fixtures");
        var folder = Path.Combine(_root, "topo");
        Directory.CreateDirectory(Path.Combine(folder, "policies"));
        var topology = Path.Combine(folder, "topology.yaml");
        File.Copy(Path.Combine(fixtures, "topology.yaml"), topology);
        foreach (var template in Directory.GetFiles(Path.Combine(fixtures, "policies")))
        {
            File.CreateSymbolicLink(Path.Combine(folder, "policies", Path.GetFileName(template)), target);
        }

        return topology;
    }

    private static string ReadPasswdHome()
    {
        var user = Environment.UserName;
        var line = File.ReadAllLines("/etc/passwd").First(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        return line.Split(':')[5];
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', args)}");
    }
}
