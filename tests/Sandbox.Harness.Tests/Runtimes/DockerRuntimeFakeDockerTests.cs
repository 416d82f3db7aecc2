using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Docker;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The docker runtime against a fake docker CLI (a script in a tool directory handed to the runtime;
/// PATH is not touched) that answers as a given daemon would — too old, unreachable, Docker Desktop,
/// rootless, with a crashed run's volume — and records every call, so each preflight problem is
/// shown to be named with its fix before anything is started.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DockerRuntimeFakeDockerTests
{
    private const string Healthy = "Debian GNU/Linux 12 (bookworm)|[\"name=seccomp,profile=builtin\"]";
    private string _tools = null!;

    [SetUp]
    public void SetUp()
    {
        _tools = Path.Combine(Path.GetTempPath(), "sandbox-fake-docker-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_tools);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tools, recursive: true);

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_WithNoDaemon_SaysHowToStartOne(CancellationToken cancellationToken)
    {
        WriteFake(versionExit: 1, versionErr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");

        var problem = (await PreflightAsync(cancellationToken)).Problems.Single();

        Assert.That(problem.What, Is.EqualTo("a running Docker daemon"));
        Assert.That(problem.Detail, Does.Contain("Cannot connect to the Docker daemon"));
        Assert.That(problem.HowToGet, Does.Contain("scripts/start-docker.sh"));
        AssertOnlyReadOnlyCalls();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_WithADaemonOlderThanTheApiItNeeds_NamesBothVersionsAndTheUpgrade(CancellationToken cancellationToken)
    {
        WriteFake(version: "1.38");

        var problem = (await PreflightAsync(cancellationToken)).Problems.Single();

        Assert.That(problem.What, Does.Contain($"API {DockerRuntime.MinimumApiVersion} or later"));
        Assert.That(problem.Detail, Does.Contain("API 1.38"));
        Assert.That(problem.HowToGet, Does.Contain("upgrade Docker Engine"));
        AssertOnlyReadOnlyCalls();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_WithTheCliPinnedToAnApiTheDaemonLacks_SaysToUnsetTheVariable(CancellationToken cancellationToken)
    {
        WriteFake(versionExit: 1, versionErr: "Error response from daemon: client version 1.50 is too new. Maximum supported API version is 1.41");

        var problem = (await PreflightAsync(cancellationToken)).Problems.Single();

        Assert.That(problem.Detail, Does.Contain("is too new"));
        Assert.That(problem.HowToGet, Does.Contain("unset DOCKER_API_VERSION"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_OnDockerDesktop_NamesHostNetworkingAndHowToSwitchItOn(CancellationToken cancellationToken)
    {
        WriteFake(info: "Docker Desktop|[\"name=seccomp,profile=unconfined\"]");
        var saved = Environment.GetEnvironmentVariable(DockerRuntime.DesktopHostNetworkingVariable);
        Environment.SetEnvironmentVariable(DockerRuntime.DesktopHostNetworkingVariable, null);
        try
        {
            var preflight = await PreflightAsync(cancellationToken);
            var problem = preflight.Problems.Single();
            Assert.That(problem.Detail, Does.Contain("Docker Desktop"));
            Assert.That(problem.HowToGet, Does.Contain("Enable host networking").And.Contain(DockerRuntime.DesktopHostNetworkingVariable + "=on").And.Contain("--runtime process"));

            Environment.SetEnvironmentVariable(DockerRuntime.DesktopHostNetworkingVariable, "on");
            Assert.That((await PreflightAsync(cancellationToken)).Usable, Is.True, "once the operator switched host networking on and said so");
        }
        finally
        {
            Environment.SetEnvironmentVariable(DockerRuntime.DesktopHostNetworkingVariable, saved);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_OnRootlessDocker_SaysHostNetworkingIsNotThisMachines(CancellationToken cancellationToken)
    {
        WriteFake(info: "Ubuntu 24.04 LTS|[\"name=seccomp,profile=builtin\",\"name=rootless\",\"name=cgroupns\"]");

        var problem = (await PreflightAsync(cancellationToken)).Problems.Single();

        Assert.That(problem.Detail, Does.Contain("rootless Docker").And.Contain("rootlesskit"));
        Assert.That(problem.HowToGet, Does.Contain("rootful daemon").And.Contain("--runtime process"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Up_WithAVolumeOfACrashedRunLabelledForAnotherSandbox_FailsPreflightNamingItAndTouchesNothing(CancellationToken cancellationToken)
    {
        WriteFake(volumes: "sandbox-lab-vault-data\tlab-old\th-0123456789ab\ts-deadbeef0000");
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => new DockerRuntime(_tools, home.Guard) };

        var e = Assert.ThrowsAsync<SandboxPreflightException>(() => manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "lab" }, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(e.Message, Does.Contain("sandbox-lab-vault-data").And.Contain("sandbox 'lab-old'").And.Contain("sandbox.session=s-deadbeef0000"));
            Assert.That(e.Message, Does.Contain("sandbox sweep").And.Contain("docker volume rm sandbox-lab-vault-data").And.Contain("another --name"));
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", "lab")), Is.False, "no run folder");
        });
        AssertOnlyReadOnlyCalls();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task StartVault_OpenBao_StoresUnderOpenbaoFile_SkipsSetcap_MountsTheConfigReadOnly_AndARunningContainerThatRefusesSaysSo(CancellationToken cancellationToken)
    {
        WriteFake(imageVolumes: "/openbao/file /openbao/logs ", running: "true", vaultSays: "OpenBao v2.1.0 (f00dcafe), built 2024-12-02T12:00:00Z");
        await using var home = new SandboxTestHome();
        var paths = new SandboxPaths(home.Folder, "bao");
        Directory.CreateDirectory(paths.LogsFolder);
        // As a 077 umask leaves a new file: 0600, unreadable by the container's user (uid 100).
        File.WriteAllText(paths.VaultConfig, string.Empty);
        File.SetUnixFileMode(paths.VaultConfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var state = new SandboxState { Name = "bao", Runtime = RuntimeKind.Docker, Labels = SandboxState.LabelsFor("s-test", paths) };
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, VaultImage = "openbao/openbao:2.1.0", VaultStartTimeout = TimeSpan.FromSeconds(1) };
        var run = new SandboxRun(paths, state, options, home.Guard, NullLogger.Instance, TimeProvider.System);
        var runtime = new DockerRuntime(_tools, home.Guard) { PortSource = () => 1, ClusterPortSource = api => api + 20_000 };

        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => runtime.StartVaultAsync(run, cancellationToken))!;

        var docker = Calls().Single(c => c.StartsWith("docker run -d ", StringComparison.Ordinal));
        var config = await File.ReadAllTextAsync(paths.VaultConfig, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(docker, Does.Contain("-v sandbox-bao-vault-data:/openbao/file"), "OpenBao's storage folder, owned by its user openbao");
            Assert.That(docker, Does.Contain("-v sandbox-bao-vault-openbao-logs:/openbao/logs"), "every VOLUME of the image gets a labelled named volume");
            Assert.That(docker, Does.Contain("-e SKIP_SETCAP=true"));
            Assert.That(docker, Does.Contain($"-v {paths.VaultConfig}:/sandbox/vault.hcl:ro,z"));
            Assert.That(config, Does.Contain("path = \"/openbao/file\""));
            Assert.That(config, Does.Contain("cluster_address = \"127.0.0.1:20001\"").And.Contain("cluster_addr  = \"https://127.0.0.1:20001\""), "the reserved cluster port, never the API port + 1");
            Assert.That(state.VaultClusterPort, Is.EqualTo(20_001), "kept for every restart");
            Assert.That(File.GetUnixFileMode(paths.VaultConfig) & UnixFileMode.OtherRead, Is.EqualTo(UnixFileMode.OtherRead), "readable by the container's user");
            Assert.That(state.Volumes, Is.EquivalentTo(new[] { "sandbox-bao-vault-data", "sandbox-bao-vault-openbao-logs" }), "recorded for down and sweep");
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.Timeout));
            Assert.That(e.Message, Does.Contain("sandbox-bao-vault is running, but Vault does not answer on http://127.0.0.1:1").And.Contain("Docker Desktop").And.Contain("docker logs sandbox-bao-vault"));
            Assert.That(Calls(), Has.Some.StartWith("docker inspect --type container"));
        });
    }

    [TestCase("registry.lab.test/mirror/vault:2", "OpenBao v2.1.0 (f00dcafe), built 2024-12-02T12:00:00Z", "openbao", "/openbao/file")]
    [TestCase("openbao/openbao:2.1.0", "Vault v1.21.0 (0123abcd), built 2025-10-21T19:30:00Z", "vault", "/vault/file")]
    [TestCase("hashicorp/vault:1.21.0", "Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)", "double", "/vault/file")]
    [CancelAfter(30_000)]
    public async Task StartVault_TakesTheKindFromWhatTheImagesBinarySays_NeverFromTheImagesName(string image, string says, string kind, string storage, CancellationToken cancellationToken)
    {
        WriteFake(running: "true", vaultSays: says);
        await using var home = new SandboxTestHome();
        var paths = new SandboxPaths(home.Folder, "kind");
        Directory.CreateDirectory(paths.LogsFolder);
        var state = new SandboxState { Name = "kind", Runtime = RuntimeKind.Docker, Labels = SandboxState.LabelsFor("s-test", paths) };
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, VaultImage = image, VaultStartTimeout = TimeSpan.FromSeconds(1) };
        var run = new SandboxRun(paths, state, options, home.Guard, NullLogger.Instance, TimeProvider.System);
        var runtime = new DockerRuntime(_tools, home.Guard) { PortSource = () => 1 };

        // Nothing answers on port 1, so the start ends in a timeout; what matters is what it chose before.
        Assert.ThrowsAsync<SandboxRuntimeException>(() => runtime.StartVaultAsync(run, cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(state.VaultKind, Is.EqualTo(kind));
            Assert.That(Calls(), Has.Some.EqualTo($"docker run --rm --network none -e SKIP_SETCAP=true -e SKIP_CHOWN=true {image} version"));
            Assert.That(Calls().Single(c => c.StartsWith("docker run -d ", StringComparison.Ordinal)), Does.Contain($"-v sandbox-kind-vault-data:{storage}"));
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_WithAnImageWhoseBinaryIsNotAVault_NamesWhatItSaidAndTheFix_AndStartsNothing(CancellationToken cancellationToken)
    {
        WriteFake(vaultSays: "postgres (PostgreSQL) 15.14");

        var problem = (await PreflightAsync(cancellationToken)).Problems.Single();

        Assert.Multiple(() =>
        {
            Assert.That(problem.Detail, Does.Contain("is not a Vault").And.Contain("printed 'postgres (PostgreSQL) 15.14'"));
            Assert.That(problem.HowToGet, Does.Contain("--vault-image").And.Contain(DockerRuntime.VaultImageVariable));
        });
        AssertOnlyReadOnlyCalls();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Preflight_SaysWhichVaultTheImageHolds_AsItsBinarySaysIt(CancellationToken cancellationToken)
    {
        WriteFake(vaultSays: "Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)");

        var preflight = await PreflightAsync(cancellationToken);

        Assert.That(preflight.Found, Has.Some.Contains("Sandbox Vault double (NOT HashiCorp Vault) 0.1.0"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Wipe_RemovesTheContainerWithItsAnonymousVolumes(CancellationToken cancellationToken)
    {
        WriteFake();
        await using var home = new SandboxTestHome();
        var paths = new SandboxPaths(home.Folder, "wipe");
        var run = new SandboxRun(paths, new SandboxState { Name = "wipe", Runtime = RuntimeKind.Docker }, new SandboxOptions(), home.Guard, NullLogger.Instance, TimeProvider.System);

        await new DockerRuntime(_tools, home.Guard).WipeVaultStorageAsync(run, cancellationToken);

        Assert.That(Calls(), Is.EqualTo(new[] { "docker rm -f -v sandbox-wipe-vault", "docker volume rm -f sandbox-wipe-vault-data" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task StopPostgres_IsAFastShutdown_AndKillIsSigkillOfTheWholeContainer_AsAPowerCut(CancellationToken cancellationToken)
    {
        WriteFake();
        await using var home = new SandboxTestHome();
        var run = new SandboxRun(new SandboxPaths(home.Folder, "cut"), new SandboxState { Name = "cut", Runtime = RuntimeKind.Docker }, new SandboxOptions(), home.Guard, NullLogger.Instance, TimeProvider.System);
        var runtime = new DockerRuntime(_tools, home.Guard);

        await runtime.StopPostgresAsync(run, kill: false, cancellationToken);
        await runtime.StopPostgresAsync(run, kill: true, cancellationToken);

        Assert.That(Calls(), Is.EqualTo(new[] { "docker stop -t 10 sandbox-cut-postgres", "docker kill --signal KILL sandbox-cut-postgres" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task TemplateBuild_OnADaemonWithoutTheTemplate_RunsExactlyTheCommandsItsPlanShows(CancellationToken cancellationToken)
    {
        const string Key = "0123456789abcdef";
        var calls = new List<string>();
        // A daemon without the template, as docker answers: 'volume ls' prints nothing when its filter matches
        // nothing; the build container's log holds the official entrypoint's last init line, then the server's
        // ready line (docker-library/postgres 15 docker-entrypoint.sh _main; PostgreSQL 15 postmaster.c), which
        // docker logs passes on stderr as the container wrote them; a server stopped by its STOPSIGNAL (SIGINT,
        // a fast shutdown) exits 0; every other call succeeds and prints nothing.
        Task<(int Code, string Output, string Error)> Docker(string[] args, CancellationToken _)
        {
            calls.Add(string.Join(' ', args));
            return Task.FromResult(args switch
            {
                ["logs", ..] => (0, string.Empty, $"{PostgresTemplateVolume.InitCompleteLine}\n2026-01-01 00:00:00 UTC [1] LOG:  {PostgresTemplateVolume.ReadyLine}\n"),
                ["inspect", .., "{{.State.ExitCode}}", _] => (0, "0\n", string.Empty),
                _ => (0, string.Empty, string.Empty),
            });
        }

        var saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(_tools, "cache"));
        try
        {
            var built = await PostgresTemplateVolume.EnsureAsync(Docker, "postgres:15", Key, "POSTGRES_PASSWORD=throwaway\n", cancellationToken);
            var planned = new List<string>();
            PostgresTemplateVolume.Plan(args => planned.Add(string.Join(' ', args)), "postgres:15", Key);

            Assert.Multiple(() =>
            {
                Assert.That(built, Is.True);
                // The env file's name is random (a new one per build); the plan shows that part as a placeholder.
                Assert.That(calls.Select(c => System.Text.RegularExpressions.Regex.Replace(c, $@"{Key}\.[0-9a-f]{{32}}\.env ", $"{Key}.<random>.env ")), Is.EqualTo(planned));
                Assert.That(Directory.EnumerateFiles(PostgresTemplateVolume.LockFolder(), "*.env"), Is.Empty, "the env file with the throwaway password is gone");
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }

    [Test]
    [CancelAfter(5_000)]
    public void PostgresEnvironment_AsksForPasswordsOverTcp_FromLoopbackToo(CancellationToken cancellationToken)
    {
        var env = DockerRuntime.PostgresEnvironment("pw", 5544).Split('\n');

        Assert.That(env, Does.Contain("POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256"), "initdb's 127.0.0.1/::1 lines");
        Assert.That(env, Does.Contain("POSTGRES_HOST_AUTH_METHOD=scram-sha-256"), "the line the entrypoint appends");
        Assert.That(env, Does.Contain("PGPORT=5544"));
    }

    private async Task<RuntimePreflight> PreflightAsync(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        return await new DockerRuntime(_tools, home.Guard).PreflightAsync(new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "lab" }, cancellationToken);
    }

    private string[] Calls()
    {
        var log = Path.Combine(_tools, "calls.log");
        return File.Exists(log) ? File.ReadAllLines(log) : [];
    }

    /// <summary>Preflight asks; it never creates, runs or removes anything.</summary>
    private void AssertOnlyReadOnlyCalls()
    {
        // 'run --rm --network none IMAGE version' asks an image what it is; the container removes itself and touches no network.
        string[] readOnly = ["docker version", "docker info", "docker image inspect", "docker volume ls", "docker ps", "docker run --rm --network none -e SKIP_SETCAP=true -e SKIP_CHOWN=true "];
        Assert.That(Calls().Where(c => !readOnly.Any(r => c.StartsWith(r, StringComparison.Ordinal))), Is.Empty);
    }

    private void WriteFake(string version = "1.41", int versionExit = 0, string versionErr = "", string info = Healthy, string volumes = "", string imageVolumes = "", string running = "false", string vaultSays = "Vault v1.21.0 (0123abcd), built 2025-10-21T19:30:00Z")
    {
        // Each fake daemon has images of its own ID, so an answer remembered per image ID by one test is not another's.
        var imageId = "sha256:fake-" + Guid.NewGuid().ToString("N");
        // Canned answers per subcommand; every call is appended to calls.log. The values contain no single quotes.
        var script = $$"""
            #!/bin/bash
            echo "docker $*" >> '{{_tools}}/calls.log'
            case "$1 $2" in
              "version "*) if [ {{versionExit}} -ne 0 ]; then echo '{{versionErr}}' >&2; exit {{versionExit}}; fi; echo '{{version}}' ;;
              "info "*) echo '{{info}}' ;;
              # One inspect for the ID and the VOLUMEs ('ID|/a /b '), as the runtime asks before creating Vault's container.
              "image inspect") case "$*" in *.Id*Volumes*) printf '%s|%s\n' '{{imageId}}' '{{imageVolumes}}' ;; *Volumes*) printf '%s\n' '{{imageVolumes}}' ;; *) echo '{{imageId}}' ;; esac ;;
              # The official entrypoints run 'vault version' / 'bao version' for a first argument 'version'.
              "run --rm") case "$*" in *" version") echo '{{vaultSays}}' ;; esac ;;
              "volume ls") printf '{{volumes}}\n' ;;
              "ps -a") ;;
              "inspect --type") case "$*" in *State.Running*) echo '{{running}}' ;; *) echo 'Error: No such container' >&2; exit 1 ;; esac ;;
              *) ;;
            esac
            exit 0
            """;
        var path = Path.Combine(_tools, "docker");
        File.WriteAllText(path, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
