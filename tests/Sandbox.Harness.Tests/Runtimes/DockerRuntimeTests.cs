using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Docker;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The docker runtime against this machine's daemon (scripts/start-docker.sh) with the LOCAL
/// STAND-IN images from tests/standins/build-images.sh (sandbox-standin/postgres:15 and
/// sandbox-standin/vault-double:0.1.0, the Vault double packaged as an image: NOT HashiCorp Vault).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DockerRuntimeTests
{
    private const string StandinVault = "sandbox-standin/vault-double:0.1.0";
    private const string StandinPostgres = "sandbox-standin/postgres:15";

    [SetUp]
    public async Task SetUp()
    {
        var daemon = await RunAsync("version", "--format", "{{.Server.APIVersion}}");
        Requires.That(daemon.ExitCode == 0, "a Docker daemon", "scripts/start-docker.sh");
        Requires.That((await RunAsync("image", "inspect", StandinVault)).ExitCode == 0 && (await RunAsync("image", "inspect", StandinPostgres)).ExitCode == 0,
            "the stand-in images", "tests/standins/build-images.sh");
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Preflight_WithAnAbsentImage_NamesItAndHowToLoadIt_AndUpStartsNothing(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "dock-noimage", VaultImage = "sandbox-absent/vault:9.9.9", PostgresImage = StandinPostgres };

        var preflight = await new DockerRuntime(guard: home.Guard).PreflightAsync(options, cancellationToken);
        var e = Assert.ThrowsAsync<SandboxPreflightException>(() => home.Manager.UpAsync(options, cancellationToken));

        Assert.Multiple(async () =>
        {
            Assert.That(preflight.Usable, Is.False);
            Assert.That(preflight.Found, Has.Some.StartsWith("Docker daemon: API "));
            Assert.That(preflight.Problems.Single().What, Does.Contain("sandbox-absent/vault:9.9.9"));
            Assert.That(preflight.Problems.Single().HowToGet, Does.Contain("docker load -i"));
            Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That((await RunAsync("ps", "-a", "-q", "--filter", "label=sandbox.name=dock-noimage")).StandardOutput.Trim(), Is.Empty);
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Up_WhenVaultsContainerDoesNotServe_RemovesEveryLabelledContainerAndVolume(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        // A Vault image whose binary answers 'version' as the double does, but whose server exits at once.
        const string exits = "sandbox-test/vault-server-exits:1";
        var dockerfile = $$"""
            FROM {{StandinVault}}
            ENTRYPOINT ["/bin/sh", "-c", "case \"$1\" in version) exec docker-entrypoint.sh version ;; esac; echo 'vault server: exits at once' >&2; exit 3", "sh"]
            """;
        var built = await Cli.Wrap("docker").WithArguments(["build", "-q", "-t", exits, "-"]).WithStandardInputPipe(PipeSource.FromString(dockerfile))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(built.ExitCode, Is.Zero, built.StandardError);
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "dock-fails", VaultImage = exits, PostgresImage = StandinPostgres, VaultStartTimeout = TimeSpan.FromSeconds(30) };

        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => home.Manager.UpAsync(options, cancellationToken));

        Assert.Multiple(async () =>
        {
            Assert.That(e!.Message, Does.Contain("StartVault").Or.Contain("StartPostgres"));
            Assert.That(e.Message, Does.Contain("torn down"));
            Assert.That((await RunAsync("ps", "-a", "-q", "--filter", "label=sandbox.name=dock-fails")).StandardOutput.Trim(), Is.Empty, "no container left");
            Assert.That((await RunAsync("volume", "ls", "-q", "--filter", "label=sandbox.name=dock-fails")).StandardOutput.Trim(), Is.Empty, "no volume left");
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", "dock-fails")), Is.False);
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task Up_WithAnImageWhoseBinaryIsNotAVault_IsRefusedBeforeAnythingStarts_NamingWhatItSaid(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        // The PostgreSQL stand-in named as the Vault image: its entrypoint cannot run 'version'.
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "dock-notvault", VaultImage = StandinPostgres, PostgresImage = StandinPostgres };

        var e = Assert.ThrowsAsync<SandboxPreflightException>(() => home.Manager.UpAsync(options, cancellationToken));

        Assert.Multiple(async () =>
        {
            Assert.That(e!.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
            Assert.That(e.Message, Does.Contain($"the image {StandinPostgres}").And.Contain("is not a Vault").And.Contain("exited 127"));
            Assert.That((await RunAsync("ps", "-a", "-q", "--filter", "label=sandbox.name=dock-notvault")).StandardOutput.Trim(), Is.Empty);
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", "dock-notvault")), Is.False);
        });
    }

    [Test]
    [CancelAfter(300000)]
    public async Task StandIns_Up_RestartKeepsTheVolumeAndComesBackSealed_Down_LeavesNothing(CancellationToken cancellationToken)
    {
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts (this machine's image exits at once without output)", "tests/standins/build-images.sh --force");
        await using var home = new SandboxTestHome();
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "dock-e2e", VaultImage = StandinVault, PostgresImage = StandinPostgres };

        await using (var sbx = await home.Manager.UpAsync(options, cancellationToken))
        {
            Assert.That(sbx.Vault.Describe(), Does.Contain("NOT HashiCorp Vault").And.Contain(StandinVault));
            await sbx.Root.EnableSecretsEngineAsync("kvv2", Sandbox.Harness.Vault.Models.MountRequest.KvV2(), cancellationToken);
            await sbx.RestartVaultAsync(kill: false, cancellationToken);
            Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True);
            await sbx.UnsealFromKeyFileAsync(cancellationToken);
            Assert.That((await sbx.Root.ListSecretsEnginesAsync(cancellationToken)).Keys, Has.Member("kvv2/"), "the volume kept the data");

            // Every mount is the read-only config or a labelled named volume: no anonymous volume to leak.
            var mounts = (await RunAsync("inspect", "--type", "container", "--format", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}};{{end}}", "sandbox-dock-e2e-vault")).StandardOutput;
            Assert.That(mounts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Is.EquivalentTo(new[]
            {
                "bind  /sandbox/vault.hcl false",
                "volume sandbox-dock-e2e-vault-data /vault/file true",
                "volume sandbox-dock-e2e-vault-vault-logs /vault/logs true",
            }));

            var owners = (await RunAsync("exec", "sandbox-dock-e2e-vault", "stat", "-c", "%U", "/proc/1", "/vault/file")).StandardOutput;
            Assert.That(owners.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "vault", "vault" }), "the entrypoint dropped to vault, which owns the storage");

            var copy = Path.Combine(home.Folder, "storage-copy");
            await sbx.CopyVaultStorageAsync(copy, cancellationToken);
            Assert.That(Directory.GetFiles(copy, "*", SearchOption.AllDirectories), Is.Not.Empty, "docker cp brought Vault's storage out of the container");
        }

        Assert.That((await RunAsync("ps", "-a", "-q", "--filter", "label=sandbox.name=dock-e2e")).StandardOutput.Trim(), Is.Empty);
        Assert.That((await RunAsync("volume", "ls", "-q", "--filter", "label=sandbox.name=dock-e2e")).StandardOutput.Trim(), Is.Empty);
    }

    [Test]
    [CancelAfter(300000)]
    public async Task StandIns_TwoUpsAtOnce_AfterACrashedTemplateBuild_BuildItOnce_EachWithItsOwnPassword_AndDownAndSweepKeepIt(CancellationToken cancellationToken)
    {
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts", "tests/standins/build-images.sh --force");
        var imageId = (await RunAsync("image", "inspect", "--format", "{{.Id}}", StandinPostgres)).StandardOutput.Trim();
        var key = PostgresTemplateVolume.Key(imageId, DockerRuntime.PostgresTemplateSettings);
        var template = PostgresTemplateVolume.VolumeName(key);
        // A crashed build: the template volume exists (with a half-made cluster), its "ready" volume does not.
        var removed = await RunAsync("volume", "rm", "-f", PostgresTemplateVolume.ReadyVolumeName(key), template);
        Assert.That(removed.ExitCode, Is.Zero, $"no sandbox may use the template while this test runs: {removed.StandardError}");
        await RunAsync(["volume", "create", .. PostgresTemplateVolume.Labels(key, StandinPostgres), template]);
        await RunAsync("run", "--rm", "--user", "postgres", "--entrypoint", "/bin/sh", "-v", $"{template}:/var/lib/postgresql/data", StandinPostgres, "-c", "echo 15 > /var/lib/postgresql/data/PG_VERSION");
        await using var home = new SandboxTestHome();
        SandboxOptions Options(string name) => new() { Runtime = RuntimeKind.Docker, Name = name, VaultImage = StandinVault, PostgresImage = StandinPostgres };

        var both = await Task.WhenAll(home.Manager.UpAsync(Options("dock-tpl-a"), cancellationToken), home.Manager.UpAsync(Options("dock-tpl-b"), cancellationToken));
        await using var a = both[0];
        await using var b = both[1];

        var templates = (await RunAsync("volume", "ls", "--filter", $"label={PostgresTemplateVolume.KeyLabel}={key}", "--format", "{{.Name}} {{.Label \"sandbox.managed\"}} {{.Label \"sandbox.template\"}} home={{.Label \"sandbox.home\"}}")).StandardOutput;
        Assert.Multiple(async () =>
        {
            Assert.That(templates.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(new[] { $"{template} true postgres home=", $"{PostgresTemplateVolume.ReadyVolumeName(key)} true postgres home=" }), "one template, labelled, of no home");
            Assert.That((await RunAsync("ps", "-a", "-q", "--filter", $"name={PostgresTemplateVolume.BuildContainerName(key)}")).StandardOutput.Trim(), Is.Empty, "the build container is gone");
            Assert.That(a.Postgres.SuperuserPassword, Is.Not.EqualTo(b.Postgres.SuperuserPassword));
            Assert.That(await LoginAsync(home, a.Postgres.ConnectionString(), cancellationToken), Is.Null, "a's own password");
            Assert.That(await LoginAsync(home, b.Postgres.ConnectionString(), cancellationToken), Is.Null, "b's own password");
            var crossed = new Npgsql.NpgsqlConnectionStringBuilder(a.Postgres.ConnectionString()) { Password = b.Postgres.SuperuserPassword }.ConnectionString;
            Assert.That(await LoginAsync(home, crossed, cancellationToken), Is.EqualTo("28P01"), "b's password does not open a's server: no shared password");
        });

        await a.DisposeAsync();
        await b.DisposeAsync();
        await home.Manager.SweepAsync(cancellationToken);
        var left = (await RunAsync("volume", "ls", "-q", "--filter", $"label={PostgresTemplateVolume.KeyLabel}={key}")).StandardOutput;
        Assert.That(left.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), "down and sweep keep the template (a cache of no home)");
    }

    [TestCase((int)UpStep.StartVault)]
    [TestCase((int)UpStep.Initialize)]
    [CancelAfter(300000)]
    public async Task StandIns_UpAbandonedAtAStep_WhilePostgresStillComesUp_SweepRemovesEveryContainerAndVolume_AndKeepsTheTemplate(int abandonedAt, CancellationToken cancellationToken)
    {
        var step = (UpStep)abandonedAt;
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts", "tests/standins/build-images.sh --force");
        await using var home = new SandboxTestHome();
        var name = "dock-crash-" + step.ToString().ToLowerInvariant();
        var options = new SandboxOptions
        {
            Runtime = RuntimeKind.Docker, Name = name, VaultImage = StandinVault, PostgresImage = StandinPostgres,
            StepHook = (s, _) => s == step ? throw new SimulatedCrashException(s) : Task.CompletedTask,
        };

        Assert.ThrowsAsync<SimulatedCrashException>(() => home.Manager.UpAsync(options, cancellationToken));
        Assert.That((await RunAsync("ps", "-a", "-q", "--filter", $"label=sandbox.name={name}")).StandardOutput.Trim(), Is.Not.Empty, "the abandoned run left its containers");

        await home.Manager.SweepAsync(cancellationToken);

        var imageId = (await RunAsync("image", "inspect", "--format", "{{.Id}}", StandinPostgres)).StandardOutput.Trim();
        var key = PostgresTemplateVolume.Key(imageId, DockerRuntime.PostgresTemplateSettings);
        Assert.Multiple(async () =>
        {
            Assert.That((await RunAsync("ps", "-a", "-q", "--filter", $"label=sandbox.name={name}")).StandardOutput.Trim(), Is.Empty, "no container left");
            Assert.That((await RunAsync("volume", "ls", "-q", "--filter", $"label=sandbox.name={name}")).StandardOutput.Trim(), Is.Empty, "no volume left");
            Assert.That((await RunAsync("volume", "inspect", PostgresTemplateVolume.VolumeName(key), PostgresTemplateVolume.ReadyVolumeName(key))).ExitCode, Is.Zero, "the template stays");
        });
    }

    [Test]
    [CancelAfter(300000)]
    public async Task StandIns_PostgresRefusesAWrongPasswordFromLoopback(CancellationToken cancellationToken)
    {
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts", "tests/standins/build-images.sh --force");
        await using var home = new SandboxTestHome();
        var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "dock-pgauth", VaultImage = StandinVault, PostgresImage = StandinPostgres };
        await using var sbx = await home.Manager.UpAsync(options, cancellationToken);

        var wrong = new Npgsql.NpgsqlConnectionStringBuilder(sbx.Postgres.ConnectionString()) { Password = "not-the-password", Pooling = false }.ConnectionString;
        var source = home.Guard.CreateNpgsqlDataSource(wrong, "test");
        await using (source)
        {
            var e = Assert.ThrowsAsync<Npgsql.PostgresException>(async () => await (await source.OpenConnectionAsync(cancellationToken)).DisposeAsync())!;
            Assert.That(e.SqlState, Is.EqualTo("28P01"), "password authentication failed, from 127.0.0.1 with host networking");
        }
    }

    [Test]
    [CancelAfter(120000)]
    public async Task StandinVaultImage_KeepsTheEntrypointContract_DiesAtSetcapUnlessSkipSetcap(CancellationToken cancellationToken)
    {
        var setcap = await RunAsync("run", "--rm", "--network", "none", StandinVault, "version");
        var skipped = await RunAsync("run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", "--entrypoint", "/bin/sh", StandinVault, "-c", "docker-entrypoint.sh version && docker-entrypoint.sh id -un");
        var dev = await RunAsync("run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", StandinVault);
        var image = await RunAsync("image", "inspect", "--format", "{{json .Config.Cmd}} {{range $v, $_ := .Config.Volumes}}{{$v}} {{end}}", StandinVault);

        Assert.Multiple(() =>
        {
            Assert.That(setcap.ExitCode, Is.Not.Zero, "without SKIP_SETCAP the entrypoint dies at setcap");
            Assert.That(setcap.StandardError, Does.Contain("setcap"));
            Assert.That(skipped.ExitCode, Is.Zero, skipped.StandardError);
            Assert.That(skipped.StandardOutput, Does.Contain("NOT HashiCorp Vault"));
            Assert.That(dev.ExitCode, Is.Not.Zero, "the default command is server -dev, which the double refuses");
            Assert.That(dev.StandardError, Does.Contain("-dev"));
            Assert.That(image.StandardOutput.Trim(), Is.EqualTo("[\"server\",\"-dev\"] /vault/file /vault/logs"));
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task StandinVaultImage_Server_DropsToTheVaultUser_AndChownsARootOwnedFileVolume_UnlessSkipChown(CancellationToken cancellationToken)
    {
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts", "tests/standins/build-images.sh --force");
        var id = Guid.NewGuid().ToString("N")[..8];
        var (volume, skipped, container) = ($"sandbox-test-vaultfile-{id}", $"sandbox-test-vaultskip-{id}", $"sandbox-test-vaultuser-{id}");
        try
        {
            // hashicorp/vault .release/docker/docker-entrypoint.sh: "If the file dir is bind mounted then chown it" (chown -R), then su-exec vault.
            const string RootOwned = "chown 0:0 /vault/file && : >/vault/file/left-by-root && stat -c %U /vault/file";
            var before = await RunAsync("run", "--rm", "--network", "none", "-v", $"{volume}:/vault/file", "--entrypoint", "/bin/sh", StandinVault, "-c", RootOwned);
            var skip = await RunAsync("run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", "-e", "SKIP_CHOWN=true", "-v", $"{skipped}:/vault/file", "--entrypoint", "/bin/sh", StandinVault,
                "-c", $"{RootOwned} >/dev/null && docker-entrypoint.sh version >/dev/null && stat -c %U /vault/file");
            var started = await RunAsync("run", "-d", "--name", container, "--network", "none", "-e", "SKIP_SETCAP=true", "-e", $"CFG={ServerConfig}", "-v", $"{volume}:/vault/file",
                "--entrypoint", "/bin/sh", StandinVault, "-c", "mkdir -p /sandbox && printf '%s\\n' \"$CFG\" >/sandbox/vault.hcl && exec docker-entrypoint.sh server -config=/sandbox/vault.hcl");
            Assert.That(started.ExitCode, Is.Zero, started.StandardError);
            await WaitForLogAsync(container, "server started", cancellationToken);

            var status = await RunAsync("exec", container, "cat", "/proc/1/status");
            var command = await RunAsync("exec", container, "cat", "/proc/1/cmdline");
            var owners = await RunAsync("exec", container, "stat", "-c", "%U:%G %n", "/vault/file", "/vault/file/left-by-root");
            Assert.Multiple(() =>
            {
                Assert.That(before.StandardOutput.Trim(), Is.EqualTo("root"), "the volume is root-owned before the entrypoint runs");
                Assert.That(command.StandardOutput.Replace('\0', ' '), Does.Contain("/app/Sandbox.VaultDouble.dll server -config=/sandbox/vault.hcl"), "PID 1 is the server itself (exec all the way)");
                Assert.That(status.StandardOutput, Does.Contain("Uid:\t100\t100\t100\t100").And.Contain("Gid:\t1000\t1000\t1000\t1000"), "every uid and gid of the server is vault's (100:1000): no way back to root");
                Assert.That(owners.StandardOutput, Is.EqualTo("vault:vault /vault/file\nvault:vault /vault/file/left-by-root\n"), "chown -R of /vault/file to the vault user");
                Assert.That(skip.StandardOutput.Trim(), Is.EqualTo("root"), "SKIP_CHOWN leaves /vault/file as it was");
            });
        }
        finally
        {
            await RunAsync("rm", "-f", container);
            await RunAsync("volume", "rm", "-f", volume, skipped);
        }
    }

    [Test]
    [CancelAfter(180000)]
    public async Task StandinVaultImage_Server_AlwaysAddsTheConfigFolder_AndVaultLocalConfigBecomesLocalJson(CancellationToken cancellationToken)
    {
        Requires.That(await StandinVaultServesAsync(cancellationToken), "a stand-in Vault image whose server starts", "tests/standins/build-images.sh --force");
        var container = $"sandbox-test-vaultconfig-{Guid.NewGuid().ToString("N")[..8]}";
        string[] Shell(string script) => ["--network", "none", "-e", "SKIP_SETCAP=true", "-e", $"CFG={ServerConfig}", "--entrypoint", "/bin/sh", StandinVault, "-c", script];
        const string InConfigFolder = "printf '%s\\n' \"$CFG\" >/vault/config/mounted.hcl && ";
        try
        {
            // hashicorp/vault .release/docker/docker-entrypoint.sh: `server ARGS` runs `vault server -config=/vault/config ... ARGS`.
            var onlyFolder = await RunAsync(["run", "-d", "--name", container, .. Shell(InConfigFolder + "exec docker-entrypoint.sh server")]);
            Assert.That(onlyFolder.ExitCode, Is.Zero, onlyFolder.StandardError);
            await WaitForLogAsync(container, "server started", cancellationToken);
            var command = await RunAsync("exec", container, "cat", "/proc/1/cmdline");
            var both = await RunAsync(["run", "--rm", .. Shell(InConfigFolder + "mkdir -p /sandbox && printf '%s\\n' \"$CFG\" >/sandbox/vault.hcl && exec docker-entrypoint.sh server -config=/sandbox/vault.hcl")]);

            // Same script: VAULT_LOCAL_CONFIG is written to /vault/config/local.json whatever the command, so `server` reads it too.
            const string Json = "{\"disable_mlock\": true}";
            var written = await RunAsync("run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", "-e", $"VAULT_LOCAL_CONFIG={Json}", "--entrypoint", "/bin/sh", StandinVault,
                "-c", "docker-entrypoint.sh version >/dev/null && cat /vault/config/local.json");
            var local = await RunAsync("run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", "-e", $"VAULT_LOCAL_CONFIG={Json}", StandinVault, "server");

            Assert.Multiple(() =>
            {
                Assert.That(command.StandardOutput.Replace('\0', ' '), Does.Contain("server -config=/vault/config/mounted.hcl"), "with no -config of its own, `server` reads the config folder");
                Assert.That(both.ExitCode, Is.Not.Zero, "a -config next to a file in /vault/config: both are read (the double refuses two)");
                Assert.That(both.StandardError, Does.Contain("/vault/config/mounted.hcl /sandbox/vault.hcl"));
                Assert.That(written.ExitCode, Is.Zero, written.StandardError);
                Assert.That(written.StandardOutput.Trim(), Is.EqualTo(Json), "VAULT_LOCAL_CONFIG lands in /vault/config/local.json");
                Assert.That(local.ExitCode, Is.Not.Zero, "the double reads HCL only");
                Assert.That(local.StandardError, Does.Contain("/vault/config/local.json").And.Contain("VAULT_LOCAL_CONFIG").And.Contain("HCL"));
            });
        }
        finally
        {
            await RunAsync("rm", "-f", container);
        }
    }

    [Test]
    [CancelAfter(600000)]
    public async Task StandinPostgresImage_KeepsTheOfficialContract_PasswordRequired_LoopbackTrustedUnlessTold(CancellationToken cancellationToken)
    {
        var nopassword = await RunAsync("run", "--rm", "--network", "none", StandinPostgres);
        Assert.That(nopassword.ExitCode, Is.Not.Zero);
        Assert.That(nopassword.StandardError, Does.Contain("superuser password is not specified"));

        // Inside one container: initialise with and without --auth-host, then try a wrong password over TCP on loopback.
        const string Probe = "docker-entrypoint.sh postgres -c port=5999 -c listen_addresses=127.0.0.1 >/tmp/pg.log 2>&1 & i=0; while [ $i -lt 960 ] && ! pg_isready -h 127.0.0.1 -p 5999 -q; do sleep 0.25; i=$((i+1)); done; PGPASSWORD=wrong psql -h 127.0.0.1 -p 5999 -U postgres -d postgres -tAc 'select 1' 2>&1";
        var trusted = await RunAsync("run", "--rm", "--network", "none", "-e", "POSTGRES_PASSWORD=right", "--entrypoint", "/bin/sh", StandinPostgres, "-c", Probe);
        var scram = await RunAsync("run", "--rm", "--network", "none", "-e", "POSTGRES_PASSWORD=right", "-e", "POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256", "--entrypoint", "/bin/sh", StandinPostgres, "-c", Probe);
        var image = await RunAsync("image", "inspect", "--format", "{{.Config.StopSignal}} {{range $v, $_ := .Config.Volumes}}{{$v}} {{end}}", StandinPostgres);

        Assert.Multiple(() =>
        {
            Assert.That(trusted.StandardOutput.Trim(), Is.EqualTo("1"), "as postgres:15: initdb without --auth trusts loopback, any password logs in");
            Assert.That(scram.StandardOutput, Does.Contain("password authentication failed"), "with --auth-host=scram-sha-256 a wrong password is refused");
            Assert.That(image.StandardOutput.Trim(), Is.EqualTo("SIGINT /var/lib/postgresql/data"));
        });
    }

    [Test]
    [CancelAfter(300000)]
    public async Task StandinPostgresImage_InitialisesWithoutATcpListener_AndPassesCArgumentsToBothServers(CancellationToken cancellationToken)
    {
        // docker-library/postgres 15/bookworm/docker-entrypoint.sh, docker_temp_server_start: the temporary server gets
        // "$@" (the -c arguments) followed by -c listen_addresses='' -p ${PGPORT:-5432}; `exec "$@"` then starts the real one.
        // The init script probes while that temporary server runs: TCP on both ports, then the socket, then its settings.
        const string InitProbe = """
            pg_isready -q -h 127.0.0.1 -p 5432 && r=0 || r=$?; echo "init tcp 5432: $r"
            pg_isready -q -h 127.0.0.1 -p 5999 && r=0 || r=$?; echo "init tcp 5999: $r"
            pg_isready -q -h /var/run/postgresql -p 5432 && r=0 || r=$?; echo "init socket 5432: $r"
            echo "init settings: $(psql -h /var/run/postgresql -p 5432 -U postgres -d postgres -Atc "select current_setting('listen_addresses') || '|' || current_setting('port') || '|' || current_setting('max_connections')")"
            """;
        const string Script = "printf '%s\\n' \"$PROBE\" >/docker-entrypoint-initdb.d/probe.sh && "
            + "{ docker-entrypoint.sh postgres -c listen_addresses=127.0.0.1 -c port=5999 -c max_connections=37 >/tmp/pg.log 2>&1 & } && "
            + "i=0; while [ $i -lt 960 ] && ! pg_isready -q -h 127.0.0.1 -p 5999; do sleep 0.25; i=$((i+1)); done; "
            + "echo \"server settings: $(psql -h 127.0.0.1 -p 5999 -U postgres -d postgres -Atc \"select current_setting('listen_addresses') || '|' || current_setting('port') || '|' || current_setting('max_connections')\")\"; cat /tmp/pg.log";
        var result = await Cli.Wrap("docker")
            .WithArguments(["run", "--rm", "--network", "none", "-e", "POSTGRES_PASSWORD=right", "-e", $"PROBE={InitProbe}", "--entrypoint", "/bin/sh", StandinPostgres, "-c", Script])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);

        var output = result.StandardOutput;
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("init socket 5432: 0"), "the temporary server answers on its socket while the init scripts run\n" + output + result.StandardError);
            Assert.That(output, Does.Contain("init tcp 5432: 2").And.Contain("init tcp 5999: 2"), "pg_isready: 2 = no response: nothing listens on TCP during init");
            Assert.That(output, Does.Contain("init settings: |5432|37"), "listen_addresses='' and -p 5432 win over the -c arguments; max_connections=37 reaches the temporary server");
            Assert.That(output, Does.Contain("server settings: 127.0.0.1|5999|37"), "every -c argument reaches the real server");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Sweep_RemovesContainersAndVolumesLabelledForThisHome_WhoseRunFolderIsGone_AndLeavesOtherHomesAlone(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var mine = SandboxPaths.IdOfHome(home.Folder);
        var other = SandboxPaths.IdOfHome(home.Folder + "-elsewhere");
        string[] Labels(string homeId) => ["--label", "sandbox.managed=true", "--label", $"sandbox.home={homeId}", "--label", "sandbox.name=gone-one"];
        var ours = (await RunAsync(["create", .. Labels(mine), StandinPostgres])).StandardOutput.Trim();
        var theirs = (await RunAsync(["create", .. Labels(other), StandinPostgres])).StandardOutput.Trim();
        var ourVolume = "sandbox-test-leftover-" + Guid.NewGuid().ToString("N")[..8];
        await RunAsync(["volume", "create", .. Labels(mine), ourVolume]);
        try
        {
            var swept = await home.Manager.SweepAsync(cancellationToken);

            Assert.Multiple(async () =>
            {
                Assert.That(swept.Select(s => s.Name), Does.Contain($"container {ours[..12]}").Or.Contain($"container {ours}"));
                Assert.That(swept.Select(s => s.Name), Does.Contain($"volume {ourVolume}"));
                Assert.That(swept.All(s => s.Removed), Is.True);
                Assert.That((await RunAsync(["inspect", ours])).ExitCode, Is.Not.Zero, "our leftover container is gone");
                Assert.That((await RunAsync(["inspect", theirs])).ExitCode, Is.Zero, "another home's container is untouched");
            });
        }
        finally
        {
            await RunAsync(["rm", "-f", ours, theirs]);
            await RunAsync(["volume", "rm", "-f", ourVolume]);
        }
    }

    /// <summary>Null when the login works, else the server's SQLSTATE.</summary>
    private static async Task<string?> LoginAsync(SandboxTestHome home, string connectionString, CancellationToken cancellationToken)
    {
        var source = home.Guard.CreateNpgsqlDataSource(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, "test");
        await using (source)
        {
            try
            {
                await (await source.OpenConnectionAsync(cancellationToken)).DisposeAsync();
                return null;
            }
            catch (Npgsql.PostgresException e)
            {
                return e.SqlState;
            }
        }
    }

    /// <summary>A config for the Vault stand-in's server: file storage on /vault/file, loopback inside the container.</summary>
    private const string ServerConfig = """
        storage "file" {
          path = "/vault/file"
        }
        listener "tcp" {
          address     = "127.0.0.1:8200"
          tls_disable = true
        }
        disable_mlock = true
        """;

    /// <summary>Waits until the container's log holds <paramref name="text"/>; fails with the log when the container stops first.</summary>
    private static async Task WaitForLogAsync(string container, string text, CancellationToken cancellationToken)
    {
        while (true)
        {
            var logs = await RunAsync("logs", container);
            if ((logs.StandardOutput + logs.StandardError).Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            var running = await RunAsync("inspect", "--format", "{{.State.Running}}", container);
            if (running.StandardOutput.Trim() != "true")
            {
                Assert.Fail($"container {container} stopped before its log said '{text}':\n{logs.StandardOutput}{logs.StandardError}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static async Task<bool> StandinVaultServesAsync(CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("docker").WithArguments(["run", "--rm", "--entrypoint", "/bin/sh", StandinVault, "-c", "dotnet /app/Sandbox.VaultDouble.dll version"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        return result.StandardOutput.Contains("sandbox-double", StringComparison.Ordinal);
    }

    private static async Task<BufferedCommandResult> RunAsync(params string[] args) =>
        await Cli.Wrap("docker").WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
}
