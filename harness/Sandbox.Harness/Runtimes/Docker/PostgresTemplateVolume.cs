using System.Security.Cryptography;
using System.Text;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Runtimes.Docker;

/// <summary>
/// The docker runtime's template PostgreSQL cluster: a named volume per PostgreSQL image ID (and per
/// initialisation settings), initialised once by the image's own entrypoint, then copied into each
/// sandbox's data volume when its container first starts (<see cref="StartScript"/>), instead of
/// every sandbox running the entrypoint's initdb, temporary server and its stop (about 5 s under load).
/// <list type="bullet">
/// <item><c>sandbox-pgtemplate-&lt;key&gt;</c> holds the cluster; <c>sandbox-pgtemplate-&lt;key&gt;-ready</c>, an
/// empty volume created last, says it is complete (a volume's labels cannot change after creation, so
/// completeness is a second volume). Both are labelled <c>sandbox.managed=true</c>,
/// <c>sandbox.template=postgres</c>, <c>sandbox.template-key</c>, and no <c>sandbox.home</c>: they are a
/// cache shared by every home on the daemon, which <c>sweep</c> leaves alone.</item>
/// <item>Several sandboxes starting at once build it once: the builder holds an exclusive lock file in the
/// user's cache folder, checks again under it, removes a crashed build's leftovers, and builds.</item>
/// <item>The template's superuser password is random and thrown away: each sandbox sets its own in
/// single-user mode before its server first starts, so no two sandboxes share one and nothing ever
/// listens with the template's.</item>
/// </list>
/// </summary>
internal static class PostgresTemplateVolume
{
    /// <summary>The label that marks a template volume (value <c>postgres</c>).</summary>
    public const string TemplateLabel = "sandbox.template";

    /// <summary>The label with the template's key.</summary>
    public const string KeyLabel = "sandbox.template-key";

    /// <summary>Where the template volume is mounted (read-only) in a sandbox's PostgreSQL container.</summary>
    public const string MountPath = "/sandbox/postgres-template";

    /// <summary>Where the start script is mounted in a sandbox's PostgreSQL container.</summary>
    public const string ScriptPath = "/sandbox/postgres-start.sh";

    /// <summary>
    /// The line the official entrypoint prints once initdb and the temporary server are done and the
    /// temporary server is stopped (docker-library/postgres 15/bookworm/docker-entrypoint.sh, <c>_main</c>:
    /// "PostgreSQL init process complete; ready for start up."); the stand-in prints it too.
    /// </summary>
    public const string InitCompleteLine = "PostgreSQL init process complete; ready for start up.";

    /// <summary>What the server logs once it accepts connections (PostgreSQL 15 postmaster.c).</summary>
    public const string ReadyLine = "database system is ready to accept connections";

    /// <summary>How long a sandbox waits for another one that builds the template. The default value is 5 minutes.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long the build may take (initdb, temporary server, real server). The default value is 3 minutes.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The start script of a sandbox's PostgreSQL container (its entrypoint; the container runs as the
    /// image's <c>postgres</c> user). On an empty data volume it copies the template (<c>cp -a</c>: modes
    /// and owner kept), makes the folder 0700 as PostgreSQL demands, and sets the sandbox's own superuser
    /// password in single-user mode (<c>postgres --single</c>: no listener at all, not even the unix
    /// socket), the statement built from <c>POSTGRES_USER</c>/<c>POSTGRES_PASSWORD</c> of the env file
    /// and given on stdin, never on a command line. Then it hands over to the image's own entrypoint,
    /// which finds a cluster in PGDATA and skips its initialisation (docker-library/postgres 15
    /// docker-entrypoint.sh: <c>docker_setup_env</c> sets DATABASE_ALREADY_EXISTS when
    /// <c>$PGDATA/PG_VERSION</c> is not empty; as a non-root user it only runs
    /// <c>chmod 700 "$PGDATA" || :</c> and then <c>exec postgres "$@"</c>). A restart finds the cluster
    /// and goes straight to the entrypoint. Errors of the single-user statement stop the container.
    /// </summary>
    public const string StartScript = """
        #!/bin/sh
        # Written by Sandbox (docker runtime): a new sandbox's PostgreSQL starts from the template cluster.
        set -e
        if [ ! -s "$PGDATA/PG_VERSION" ]; then
          if [ ! -s /sandbox/postgres-template/PG_VERSION ]; then
            echo "sandbox: no template cluster at /sandbox/postgres-template" >&2
            exit 1
          fi
          cp -a /sandbox/postgres-template/. "$PGDATA/"
          rm -f "$PGDATA/postmaster.pid"
          chmod 700 "$PGDATA"
          out=$(printf "ALTER ROLE \"%s\" PASSWORD '%s';\n" "${POSTGRES_USER:-postgres}" "$POSTGRES_PASSWORD" \
            | postgres --single -D "$PGDATA" -c fsync=off -c listen_addresses= postgres 2>&1 >/dev/null) || { echo "$out" >&2; exit 1; }
          case "$out" in
            *ERROR*|*FATAL*) echo "$out" >&2; exit 1 ;;
          esac
        fi
        exec docker-entrypoint.sh "$@"

        """;

    /// <summary>The template's key: a hash of the image ID and the initialisation settings (no secret in them).</summary>
    /// <param name="imageId">The PostgreSQL image's ID (<c>sha256:…</c>, a content hash).</param>
    /// <param name="settings">The settings the entrypoint initialises with (the env file without the password).</param>
    /// <returns>16 hex digits.</returns>
    public static string Key(string imageId, string settings) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(imageId + "\n" + settings)))[..16];

    /// <summary>The template volume's name.</summary>
    /// <param name="key">The key.</param>
    public static string VolumeName(string key) => "sandbox-pgtemplate-" + key;

    /// <summary>The name of the empty volume that says the template is complete.</summary>
    /// <param name="key">The key.</param>
    public static string ReadyVolumeName(string key) => VolumeName(key) + "-ready";

    /// <summary>The name of the container that builds the template.</summary>
    /// <param name="key">The key.</param>
    public static string BuildContainerName(string key) => VolumeName(key) + "-build";

    /// <summary>The labels of the template's volumes and build container.</summary>
    /// <param name="key">The key.</param>
    /// <param name="image">The image reference it was built from (for people reading <c>docker volume ls</c>).</param>
    public static string[] Labels(string key, string image) =>
        ["--label", "sandbox.managed=true", "--label", $"{TemplateLabel}=postgres", "--label", $"{KeyLabel}={key}", "--label", $"sandbox.template-image={image}"];

    /// <summary>The folder of the build locks: <c>$XDG_CACHE_HOME/sandbox/docker-postgres-template</c>, else under <c>~/.cache</c>.</summary>
    public static string LockFolder() => Path.Combine(Path.GetDirectoryName(PostgresTemplate.DefaultRoot())!, "docker-postgres-template");

    /// <summary>
    /// What a plan shows for the template's key. The key hashes the PostgreSQL image's ID, which only
    /// <c>docker image inspect</c> can tell, and a plan runs nothing.
    /// </summary>
    public const string PlannedKey = "<key-from-image-id>";

    /// <summary>
    /// Records, in order, the docker commands <see cref="EnsureAsync"/> runs when the template is not
    /// there yet (a first <c>up</c> on this daemon): the check, the check again under the lock, the
    /// removal of a crashed build's leftovers, the volume, the build container, one look at its logs
    /// (a real build repeats it, with a <c>{{.State.Running}}</c> inspect between, until the server is
    /// ready), its stop, exit code and removal, and the volume that says the template is complete.
    /// Neither the lock nor the env file is made: the env file's name is shown with a placeholder
    /// for its random part. Where the template exists, a real run stops after the first check.
    /// </summary>
    /// <param name="record">Records one docker command (after the guard judged it).</param>
    /// <param name="image">The PostgreSQL image.</param>
    /// <param name="key">The template's key (<see cref="PlannedKey"/> in a plan).</param>
    public static void Plan(Action<string[]> record, string image, string key)
    {
        ArgumentNullException.ThrowIfNull(record);
        record(ListArguments(key));
        record(ListArguments(key));
        record(RemoveBuildArguments(key));
        record(RemoveVolumeArguments(key));
        record(CreateArguments(key, image, VolumeName(key)));
        record(RunArguments(key, image, Path.Combine(LockFolder(), $"{key}.<random>.env")));
        record(LogsArguments(key));
        record(StopArguments(key));
        record(ExitCodeArguments(key));
        record(RemoveStoppedArguments(key));
        record(CreateArguments(key, image, ReadyVolumeName(key)));
    }

    /// <summary>
    /// Makes sure the template of <paramref name="key"/> is complete, building it when not.
    /// </summary>
    /// <param name="docker">Runs one docker command: exit code, stdout, stderr.</param>
    /// <param name="image">The PostgreSQL image.</param>
    /// <param name="key">The template's key.</param>
    /// <param name="environment">The init environment (an env file's text, with a throwaway password).</param>
    /// <param name="cancellationToken">Cancels the wait or the build.</param>
    /// <returns>True when this call built it.</returns>
    /// <exception cref="SandboxRuntimeException">The build failed or another builder held the lock too long.</exception>
    public static async Task<bool> EnsureAsync(
        Func<string[], CancellationToken, Task<(int Code, string Output, string Error)>> docker,
        string image,
        string key,
        string environment,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        if (await IsCompleteAsync(docker, key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var folder = LockFolder();
        Directory.CreateDirectory(folder);
        FileStream held;
        try
        {
            held = await PostgresTemplate.AcquireAsync(Path.Combine(folder, key + ".lock"), LockTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresServerException e)
        {
            throw SandboxRuntimeException.LaunchFailed("PostgreSQL template (docker)", e.Message);
        }

        using (held)
        {
            // Another sandbox may have built it while this one waited.
            if (await IsCompleteAsync(docker, key, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await BuildAsync(docker, image, key, environment, folder, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private static async Task<bool> IsCompleteAsync(Func<string[], CancellationToken, Task<(int Code, string Output, string Error)>> docker, string key, CancellationToken cancellationToken)
    {
        var listed = await docker(ListArguments(key), cancellationToken).ConfigureAwait(false);
        var names = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return listed.Code == 0 && names.Contains(VolumeName(key)) && names.Contains(ReadyVolumeName(key));
    }

    private static async Task BuildAsync(
        Func<string[], CancellationToken, Task<(int Code, string Output, string Error)>> docker,
        string image,
        string key,
        string environment,
        string folder,
        CancellationToken cancellationToken)
    {
        var volume = VolumeName(key);

        // A crashed build's leftovers (under the lock nobody else builds this key; an incomplete template is never mounted).
        await docker(RemoveBuildArguments(key), cancellationToken).ConfigureAwait(false);
        var removed = await docker(RemoveVolumeArguments(key), cancellationToken).ConfigureAwait(false);
        if (removed.Code != 0)
        {
            throw Failed(key, $"'docker volume rm -f {volume}' (an incomplete template) failed: {FirstLine(removed.Error)}; remove what uses it, then retry");
        }

        await Must(docker, CreateArguments(key, image, volume), key, cancellationToken).ConfigureAwait(false);

        // The env file carries a throwaway password (0600, deleted once docker read it).
        var envFile = Path.Combine(folder, $"{key}.{Guid.NewGuid():N}.env");
        await File.WriteAllTextAsync(envFile, string.Empty, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(envFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            await File.WriteAllTextAsync(envFile, environment, cancellationToken).ConfigureAwait(false);
            await Must(docker, RunArguments(key, image, envFile), key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(envFile);
        }

        // Wait for the entrypoint's "init process complete" and, after it, the real server's readiness,
        // so that the stop below is the real server's clean (fast) shutdown.
        var deadline = DateTime.UtcNow + BuildTimeout;
        while (true)
        {
            var logs = await docker(LogsArguments(key), cancellationToken).ConfigureAwait(false);
            var text = logs.Output + logs.Error;
            var complete = text.IndexOf(InitCompleteLine, StringComparison.Ordinal);
            if (complete >= 0 && text.IndexOf(ReadyLine, complete, StringComparison.Ordinal) >= 0)
            {
                break;
            }

            var running = await docker(RunningArguments(key), cancellationToken).ConfigureAwait(false);
            if (running.Output.Trim() != "true" || DateTime.UtcNow > deadline)
            {
                var tail = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(5));
                await docker(RemoveBuildArguments(key), CancellationToken.None).ConfigureAwait(false);
                throw Failed(key, $"the image's entrypoint did not initialise a cluster{(running.Output.Trim() == "true" ? $" within {BuildTimeout.TotalSeconds:0} s" : " (its container exited)")}; its last lines: {tail}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }

        await Must(docker, StopArguments(key), key, cancellationToken).ConfigureAwait(false);
        var exit = await docker(ExitCodeArguments(key), cancellationToken).ConfigureAwait(false);
        await docker(RemoveStoppedArguments(key), cancellationToken).ConfigureAwait(false);
        if (exit.Output.Trim() != "0")
        {
            throw Failed(key, $"the template's server did not shut down cleanly (exit code {exit.Output.Trim()})");
        }

        // Last: the template is complete.
        await Must(docker, CreateArguments(key, image, ReadyVolumeName(key)), key, cancellationToken).ConfigureAwait(false);
    }

    // The build's docker calls, one place for the build and its plan.
    private static string[] ListArguments(string key) => ["volume", "ls", "--filter", $"label={KeyLabel}={key}", "--format", "{{.Name}}"];

    private static string[] RemoveBuildArguments(string key) => ["rm", "-f", "-v", BuildContainerName(key)];

    private static string[] RemoveVolumeArguments(string key) => ["volume", "rm", "-f", VolumeName(key)];

    private static string[] CreateArguments(string key, string image, string volume) => ["volume", "create", .. Labels(key, image), volume];

    // No network at all, and no TCP listener either (listen_addresses empty): nothing reaches the
    // template's server while it runs; the image's entrypoint initialises as it would for any user.
    private static string[] RunArguments(string key, string image, string envFile) =>
        ["run", "-d", "--name", BuildContainerName(key), "--network", "none", .. Labels(key, image), "--env-file", envFile, "-v", $"{VolumeName(key)}:/var/lib/postgresql/data", image, "-c", "listen_addresses="];

    private static string[] LogsArguments(string key) => ["logs", BuildContainerName(key)];

    private static string[] RunningArguments(string key) => ["inspect", "--type", "container", "--format", "{{.State.Running}}", BuildContainerName(key)];

    // STOPSIGNAL SIGINT (the image's): fast shutdown, a clean checkpoint; exit code 0.
    private static string[] StopArguments(string key) => ["stop", "-t", "60", BuildContainerName(key)];

    private static string[] ExitCodeArguments(string key) => ["inspect", "--type", "container", "--format", "{{.State.ExitCode}}", BuildContainerName(key)];

    private static string[] RemoveStoppedArguments(string key) => ["rm", "-v", BuildContainerName(key)];

    private static async Task Must(Func<string[], CancellationToken, Task<(int Code, string Output, string Error)>> docker, string[] args, string key, CancellationToken cancellationToken)
    {
        var result = await docker(args, cancellationToken).ConfigureAwait(false);
        if (result.Code != 0)
        {
            throw Failed(key, $"'docker {string.Join(' ', args.Take(2))}' exit code {result.Code}: {FirstLine(result.Error)}");
        }
    }

    private static SandboxRuntimeException Failed(string key, string detail) =>
        SandboxRuntimeException.LaunchFailed($"PostgreSQL template volume {VolumeName(key)} (docker)", detail);

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";
}
