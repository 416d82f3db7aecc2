using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Guard.Internal;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The environment of a child is an allow-list per tool. Each test starts a real child through
/// the guard — a stand-in program file named after the tool (the guard judges by that name) that
/// sleeps — and reads what the kernel handed it from <c>/proc/PID/environ</c>.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ChildEnvironmentTests
{
    /// <summary>Variables a hostile CI runner or user could have set; none may reach any child.</summary>
    private static readonly Dictionary<string, string> Hostile = new(StringComparer.Ordinal)
    {
        ["GITHUB_TOKEN"] = "ghs_hostile",
        ["ACTIONS_RUNTIME_TOKEN"] = "hostile-runtime-token",
        ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "hostile-oidc",
        ["CI_JOB_JWT"] = "hostile.jwt.value",
        ["CI_JOB_TOKEN"] = "hostile-job-token",
        ["GITEA_TOKEN"] = "hostile-gitea",
        ["SSL_CERT_FILE"] = "/tmp/hostile-ca.pem",
        ["SSL_CERT_DIR"] = "/tmp/hostile-ca",
        ["DOCKER_CONFIG"] = "/tmp/hostile-docker-config",
        ["DOCKER_CONTEXT"] = "production",
        ["HOSTALIASES"] = "/tmp/hostile-hosts",
        ["RES_OPTIONS"] = "ndots:15",
        ["LOCALDOMAIN"] = "arcodange.lab",
        ["SOCKS_PROXY"] = "socks5://192.168.1.9:1080",
        ["socks_proxy"] = "socks5://192.168.1.9:1080",
        ["HTTPS_PROXY"] = "http://192.168.1.9:3128",
        ["VAULT_NAMESPACE"] = "admin",
        ["VAULT_CACERT"] = "/tmp/hostile-ca.pem",
        ["VAULT_TOKEN"] = "hvs.hostile",
        ["PGPASSFILE"] = "/tmp/hostile-pgpass",
        ["PGSERVICEFILE"] = "/tmp/hostile-service",
        ["KUBECONFIG"] = "/tmp/hostile-kubeconfig",
        ["HELM_KUBECONTEXT"] = "arcodange",
        ["LD_PRELOAD"] = "/tmp/hostile.so",
        ["DOTNET_STARTUP_HOOKS"] = "/tmp/hostile.dll",
        ["SANDBOX_TEST_SECRET"] = "hostile-secret",
    };

    /// <summary>Where the PostgreSQL stand-ins are told their cluster is (never created: the stand-ins only sleep).</summary>
    private const string PgData = "/tmp/sbx-run/pg/data";

    private const string PgLog = "/tmp/sbx-run/pg/postgres.log";

    private readonly Dictionary<string, string?> _saved = [];
    private string _bin = null!;

    [SetUp]
    public void SetUp()
    {
        foreach (var name in Hostile.Keys.Concat(["VAULT_LICENSE", "VAULT_LICENSE_PATH", "HOME", "DOCKER_HOST", Denylist.EnvironmentVariable]))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        foreach (var (name, value) in Hostile)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Environment.SetEnvironmentVariable("VAULT_LICENSE", "02MV4UU43BK5HGYYTOJZWFQMTMNNEWU33JJ");
        Environment.SetEnvironmentVariable("VAULT_LICENSE_PATH", "/etc/vault.d/licence.hclic");
        Environment.SetEnvironmentVariable("HOME", "/tmp/hostile-home");
        Environment.SetEnvironmentVariable("DOCKER_HOST", null);
        Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, null);

        // Readable and executable by everyone: runuser starts the PostgreSQL stand-ins as the postgres account.
        const UnixFileMode Shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        _bin = Directory.CreateTempSubdirectory("guard-env-").FullName;
        File.SetUnixFileMode(_bin, Shared);
        foreach (var tool in new[] { "docker", "k3d", "kubectl", "helm", "postgres", "initdb", "pg_ctl", "psql", "vault", "bao", "dotnet", "curl", "chown", "kill" })
        {
            var script = Path.Combine(_bin, tool);
            File.WriteAllText(script, "#!/bin/sh\nexec sleep 30\n");
            File.SetUnixFileMode(script, Shared);
        }
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(_bin, recursive: true);
    }

    public static IEnumerable<TestCaseData> Tools()
    {
        yield return Tool("docker", "ps", vault: false, kube: false, docker: true, denylist: false);
        yield return Tool("k3d", "cluster list", vault: false, kube: true, docker: true, denylist: false);
        yield return Tool("kubectl", "get pods", vault: false, kube: true, docker: false, denylist: false);
        yield return Tool("helm", "list", vault: false, kube: true, docker: false, denylist: false);
        yield return Tool("postgres", "-D /tmp/sbx-run/pg", vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("initdb", "-D /tmp/sbx-run/pg", vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("psql", "--host=/tmp/sbx-run -p 54321", vault: false, kube: false, docker: false, denylist: false);

        // As the process runtime starts them (PostgresServer.RunAsync, ChownAsync; ProcessTable.SignalAsync).
        yield return Tool("pg_ctl", string.Join(' ', PostgresServer.StartArguments(PgData, PgLog, PostgresServer.DefaultReadyTimeout)), vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("pg_ctl", $"stop -D {PgData} -m immediate -w -t 10", vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("postgres", string.Join(' ', PostgresServer.SetPasswordArguments(PgData)), vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("chown", "-R postgres:postgres /tmp/sbx-run/pg", vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("kill", "-s TERM 4242", vault: false, kube: false, docker: false, denylist: false);
        yield return Tool("vault", "server -config /tmp/sbx-run/vault.hcl", vault: true, kube: false, docker: false, denylist: false);
        yield return Tool("bao", "server -config /tmp/sbx-run/vault.hcl", vault: true, kube: false, docker: false, denylist: false);
        yield return Tool("dotnet", "/opt/sandbox/Sandbox.VaultDouble.dll server -config /tmp/sbx-run/vault.hcl", vault: true, kube: false, docker: false, denylist: true);
        yield return Tool("dotnet", "test scenarios/Sandbox.Scenarios", vault: false, kube: false, docker: false, denylist: true);
        yield return Tool("curl", "-s http://127.0.0.1:8200/v1/sys/health", vault: false, kube: false, docker: false, denylist: false);
    }

    [TestCaseSource(nameof(Tools))]
    [CancelAfter(30000)]
    public async Task RealChild_GetsOnlyWhatItsToolNeeds(string tool, string arguments, bool vault, bool kube, bool docker, bool denylist, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var command = guard.GuardCommand(Cli.Wrap(Path.Combine(_bin, tool)).WithArguments(arguments).WithValidation(CommandResultValidation.None), "env-test");

        var environment = await EnvironmentOfAsync(command, cancellationToken);

        Assert.Multiple(() =>
        {
            foreach (var name in Hostile.Keys)
            {
                if (environment.TryGetValue(name, out var value))
                {
                    Assert.That(value, Is.Not.EqualTo(Hostile[name]), $"{name} reached {tool}");
                }
            }

            Assert.That(environment.Values, Has.None.Contains("hostile"), $"a hostile value reached {tool}");
            Assert.That(environment.ContainsKey("VAULT_LICENSE"), Is.EqualTo(vault), "VAULT_LICENSE goes to a Vault and nothing else");
            Assert.That(environment.ContainsKey("VAULT_LICENSE_PATH"), Is.EqualTo(vault), "VAULT_LICENSE_PATH goes to a Vault and nothing else");
            Assert.That(environment.Keys.Where(k => k.StartsWith("VAULT_", StringComparison.Ordinal)), Is.SubsetOf(new[] { "VAULT_LICENSE", "VAULT_LICENSE_PATH" }));
            Assert.That(environment.GetValueOrDefault("HOME"), Is.Not.EqualTo("/tmp/hostile-home"), "HOME comes from the password database");
            Assert.That(environment.ContainsKey("PATH"), Is.True, "the search path stays");
            Assert.That(environment.ContainsKey("KUBECONFIG"), Is.EqualTo(kube), "KUBECONFIG is pinned for the kube tools and absent elsewhere");
            Assert.That(environment.ContainsKey("DOCKER_CONFIG"), Is.EqualTo(docker), "DOCKER_CONFIG is pinned for the docker tools and absent elsewhere");
            Assert.That(environment.ContainsKey(Denylist.EnvironmentVariable), Is.EqualTo(denylist), "SANDBOX_DENYLIST goes to the children that run a guard");
            Assert.That(environment.Keys.Where(k => !IsAllowed(tool, arguments, k)), Is.Empty, $"variables outside {tool}'s allow-list");
        });

        if (kube)
        {
            Assert.That(new FileInfo(environment["KUBECONFIG"]).Length, Is.Zero, "no private kubeconfig was given: an empty one, not the user's");
        }

        if (docker)
        {
            Assert.That(Directory.EnumerateFileSystemEntries(environment["DOCKER_CONFIG"]), Is.Empty, "docker reads no current context and no credential");
        }

        if (denylist)
        {
            var handed = Denylist.Load(environment[Denylist.EnvironmentVariable]);
            Assert.That(handed.Addresses, Does.Contain("127.0.0.2"), "the child's guard gets this guard's entries (the canary included)");
            Assert.That(handed.Allow, Does.Contain("build-cache.internal"));
        }
    }

    public static IEnumerable<TestCaseData> RunuserTools()
    {
        yield return new TestCaseData("pg_ctl", PostgresServer.StartArguments(PgData, PgLog, PostgresServer.DefaultReadyTimeout)).SetArgDisplayNames("pg_ctl start");
        yield return new TestCaseData("pg_ctl", new[] { "stop", "-D", PgData, "-m", "fast", "-w", "-t", "30" }).SetArgDisplayNames("pg_ctl stop");
        yield return new TestCaseData("postgres", PostgresServer.SetPasswordArguments(PgData)).SetArgDisplayNames("postgres --single");
        yield return new TestCaseData("initdb", PostgresServer.InitDbArguments(PgData, "postgres", "/tmp/sbx-run/pg/template-build/throwaway.password")).SetArgDisplayNames("initdb");
    }

    /// <summary>
    /// As root the process runtime starts PostgreSQL's programs as <c>runuser -u postgres -- PROGRAM ARGS</c>
    /// (PostgresServer.RunAsync). runuser keeps the environment it is given and sets only HOME, USER and
    /// LOGNAME (util-linux su-common.c, modify_environment: no --login, no --preserve-environment), so
    /// the program gets the guard's allow-list for PROGRAM, not for runuser, and no CI credential.
    /// </summary>
    [TestCaseSource(nameof(RunuserTools))]
    [CancelAfter(30000)]
    public async Task RealChild_ThroughRunuser_GetsOnlyWhatItsToolNeeds(string tool, string[] arguments, CancellationToken cancellationToken)
    {
        Requires.That(
            Environment.UserName == "root" && File.Exists("/usr/sbin/runuser") && Directory.Exists("/var/lib/postgresql"),
            "root, runuser and the postgres account (the process runtime runs PostgreSQL's programs through runuser only as root)",
            "run the tests as root on a machine with util-linux and PostgreSQL installed (apt-get install -y util-linux postgresql)");
        var guard = TestDenylists.Guard();
        var command = guard.GuardCommand(
            Cli.Wrap("runuser").WithArguments(["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments]).WithValidation(CommandResultValidation.None),
            "env-test");

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = command.ExecuteAsync(cts.Token);
        Dictionary<string, string> environment;
        int child;
        try
        {
            // runuser forks the program and waits for it (to close the PAM session): read the child's environment.
            child = await ChildRunningAsync(task.ProcessId, "sleep", cancellationToken);
            environment = ReadEnviron(child);
        }
        finally
        {
            await cts.CancelAsync();
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // The stand-in was stopped on purpose.
            }
        }

        KillIfRunning(child);
        Assert.Multiple(() =>
        {
            Assert.That(environment.GetValueOrDefault("USER"), Is.EqualTo("postgres"), "the stand-in ran as postgres, through runuser");
            foreach (var name in Hostile.Keys)
            {
                Assert.That(environment.ContainsKey(name), Is.False, $"{name} reached {tool} through runuser");
            }

            Assert.That(environment.Values, Has.None.Contains("hostile"), $"a hostile value reached {tool}");
            Assert.That(environment.Keys, Has.None.StartWith("VAULT_").And.None.StartWith("PG").And.None.EqualTo(Denylist.EnvironmentVariable), "no Vault licence, no libpq default, no denylist");
            Assert.That(environment.Keys.Where(k => !ChildTools.Postgres.Allows(k) && k is not ("HOME" or "PWD")), Is.Empty, $"variables outside {tool}'s allow-list");
        });
    }

    [Test]
    [CancelAfter(30000)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task DetachedLaunch_VaultChild_GetsExactlyWhatGuardCommandGivesVault_AndItsWorkingDirectory(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var log = Path.Combine(_bin, "vault.log");

        // A stand-in that stays a shell (no exec): /proc/PID/environ then shows what the spawn handed
        // it, not what a shell passed on.
        var detached = Directory.CreateDirectory(Path.Combine(_bin, "detached")).FullName;
        var vault = Path.Combine(detached, "vault");
        File.WriteAllText(vault, "#!/bin/sh\nsleep 30\n");
        File.SetUnixFileMode(vault, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string[] arguments = ["server", "-config", "/tmp/sbx-run/vault.hcl"];

        var environment = guard.GuardDetachedLaunch(vault, arguments, log, _bin, "env-test");
        var pid = DetachedProcess.Start(vault, arguments, environment, _bin, log);
        var sleeper = 0;
        try
        {
            sleeper = await ChildRunningAsync(pid, "sleep", cancellationToken);
            var handed = ReadEnviron(pid);

            // What GuardCommand gives the vault binary (this process's variables with its overrides
            // applied), and PWD, which the shell of the former launcher exported.
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                expected[(string)entry.Key] = (string)entry.Value!;
            }

            foreach (var (name, value) in guard.ChildEnvironment("vault", null))
            {
                if (value is null)
                {
                    expected.Remove(name);
                }
                else
                {
                    expected[name] = value;
                }
            }

            expected["PWD"] = _bin;
            Assert.Multiple(() =>
            {
                Assert.That(handed, Is.EquivalentTo(expected), "the detached Vault's environment");
                Assert.That(handed.GetValueOrDefault("VAULT_LICENSE"), Is.EqualTo("02MV4UU43BK5HGYYTOJZWFQMTMNNEWU33JJ"));
                Assert.That(handed.GetValueOrDefault("VAULT_LICENSE_PATH"), Is.EqualTo("/etc/vault.d/licence.hclic"));
                Assert.That(handed.ContainsKey("GITHUB_TOKEN"), Is.False, "the canary GITHUB_TOKEN of this process");
                Assert.That(handed.Values, Has.None.Contains("hostile"));
                Assert.That(handed.Keys.Where(k => !IsAllowed("vault", string.Join(' ', arguments), k)), Is.Empty, "variables outside the vault binary's allow-list");
            });
        }
        finally
        {
            KillIfRunning(pid);
            if (sleeper != 0)
            {
                KillIfRunning(sleeper);
            }
        }
    }

    [Test]
    [CancelAfter(10000)]
    public void UserDenylistFile_ReachesTheChildrenThatRunAGuard(CancellationToken cancellationToken)
    {
        var file = Path.Combine(_bin, "user-denylist.yaml");
        File.WriteAllText(file, "addresses: [127.0.0.9]\nhosts: [canary.example]\n");
        var guard = new SandboxGuard(Denylist.Resolve(file), GuardAuditLog.InMemory());

        var environment = guard.ChildEnvironment("vault-double", null);
        var handed = Denylist.Resolve(environment[Denylist.EnvironmentVariable]);

        Assert.Multiple(() =>
        {
            Assert.That(handed.Addresses, Does.Contain("127.0.0.9"), "the --denylist file's entries");
            Assert.That(handed.Hosts, Does.Contain("canary.example"));
            Assert.That(handed.Hosts, Does.Contain("vault.arcodange.lab"), "and the built-in ones");
            Assert.That(new SandboxGuard(handed, GuardAuditLog.InMemory()).CheckTarget("http://127.0.0.9:8200/", "t").Rule, Is.EqualTo("addresses:127.0.0.9"));
        });
    }

    [TestCase("/bin/sh", "-c \"curl http://127.0.0.1:8200\"")]
    [TestCase("sh", "-c true")]
    [TestCase("bash", "-lc true")]
    [TestCase("bash", "./deploy.sh")]
    [TestCase("/usr/bin/python3", "-c \"print(1)\"")]
    [TestCase("node", "-e 1")]
    [TestCase("runuser", "-u postgres -- sh -c \"psql -h 192.168.1.5\"")]
    [TestCase("/bin/sh", "-c \"log=$1; true\" x /tmp/log vault")]
    [TestCase("/bin/sh", "-c \"log=$1; shift; exec setsid \\\"$@\\\" >>\\\"$log\\\" 2>&1 </dev/null & echo $!\" sandbox-vault /tmp/sbx-run/logs/vault.log /usr/bin/vault server -config /tmp/sbx-run/vault.hcl")]
    [CancelAfter(10000)]
    public void Shell_WithACommandString_IsNeverStarted(string program, string arguments, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var ex = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(program).WithArguments(arguments), "test"))!;

        Assert.That(ex.Decision.Rule, Is.EqualTo(GuardRules.ShellCommand));
    }

    /// <summary>
    /// True when <paramref name="variable"/> is one the guard lets <paramref name="tool"/> have: its
    /// allow-list, the variables the guard sets itself, and PWD, which the stand-in's shell exports.
    /// </summary>
    private static bool IsAllowed(string tool, string arguments, string variable) =>
        ChildTools.For(tool, arguments.Split(' ')).Allows(variable)
        || variable is "HOME" or "KUBECONFIG" or "DOCKER_CONFIG" or "PWD"
        || variable == Denylist.EnvironmentVariable;

    /// <summary>Waits until a child of <paramref name="parent"/> runs <paramref name="program"/>; returns its pid.</summary>
    private static async Task<int> ChildRunningAsync(int parent, string program, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                try
                {
                    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (fields[1] == parent.ToString(CultureInfo.InvariantCulture) && File.ReadAllText(Path.Combine(dir, "cmdline")).StartsWith(program + "\0", StringComparison.Ordinal))
                    {
                        return pid;
                    }
                }
                catch (IOException)
                {
                    // The process ended meanwhile.
                }
            }

            await Task.Delay(10, cancellationToken);
        }

        Assert.Fail($"no child of process {parent} became '{program}' within 10 s");
        return 0;
    }

    private static void KillIfRunning(int pid)
    {
        try
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task<Dictionary<string, string>> EnvironmentOfAsync(Command command, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = command.ExecuteAsync(cts.Token);
        try
        {
            // The stand-in is a script that execs sleep: read its environment once the last exec is
            // done, not while the kernel swaps its image (then /proc/PID/environ can read empty).
            await WaitUntilRunningAsync(task.ProcessId, "sleep", cancellationToken);
            return ReadEnviron(task.ProcessId);
        }
        finally
        {
            await cts.CancelAsync();
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // The stand-in was stopped on purpose.
            }
        }
    }

    private static async Task WaitUntilRunningAsync(int pid, string program, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (cmdline.StartsWith(program + "\0", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(10, cancellationToken);
        }

        Assert.Fail($"process {pid} did not become '{program}' within 10 s");
    }

    private static Dictionary<string, string> ReadEnviron(int pid)
    {
        var bytes = File.ReadAllBytes($"/proc/{pid}/environ");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in System.Text.Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[entry[..eq]] = entry[(eq + 1)..];
            }
        }

        return result;
    }

    private static TestCaseData Tool(string tool, string arguments, bool vault, bool kube, bool docker, bool denylist) =>
        new TestCaseData(tool, arguments, vault, kube, docker, denylist).SetArgDisplayNames($"{tool} {arguments}");
}
