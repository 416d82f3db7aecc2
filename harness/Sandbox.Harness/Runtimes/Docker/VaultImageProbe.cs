using System.Collections.Concurrent;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Runtimes.Docker;

/// <summary>
/// What a Vault image's binary says it is: <c>docker run --rm --network none IMAGE version</c>, read with
/// <see cref="VaultVersionProbe.Parse"/>. The kind (and so the storage layout) never comes from the
/// image's name. The official entrypoints (hashicorp/vault and openbao/openbao,
/// <c>.release/docker/docker-entrypoint.sh</c>) turn a first argument that is a subcommand of the binary
/// into <c>vault version</c> / <c>bao version</c>; <c>SKIP_SETCAP</c> and <c>SKIP_CHOWN</c> keep them from
/// touching capabilities or volumes for a question. The answer is kept per image ID (a content hash, so
/// it cannot go stale): in memory, and in <c>$XDG_CACHE_HOME/sandbox/vault-images/</c> so that a
/// second <c>up</c> on the same image starts no container to ask.
/// </summary>
internal static class VaultImageProbe
{
    private const string Caller = "sandbox-docker-runtime";
    private static readonly ConcurrentDictionary<string, Answer> Answers = new(StringComparer.Ordinal);

    /// <summary>What an image said, and how it was asked.</summary>
    /// <param name="Kind">Vault, OpenBao, the double, or Unknown.</param>
    /// <param name="Version">The version it reported, without the leading v.</param>
    /// <param name="Said">Its first output line, or why there is none (for messages).</param>
    internal sealed record Answer(VaultKind Kind, string? Version, string Said);

    /// <summary>A docker call: argv in, exit code and both outputs out.</summary>
    internal delegate Task<(int Code, string Output, string Error)> DockerCall(string[] args, CancellationToken cancellationToken);

    /// <summary>The arguments of the question: no network, no capabilities, no chown.</summary>
    /// <param name="image">The image.</param>
    internal static string[] Arguments(string image) =>
        ["run", "--rm", "--network", "none", "-e", "SKIP_SETCAP=true", "-e", "SKIP_CHOWN=true", image, "version"];

    /// <summary>The folder of remembered answers.</summary>
    internal static string CacheFolder() => Path.Combine(Path.GetDirectoryName(PostgresTemplate.DefaultRoot())!, "vault-images");

    /// <summary>Asks the image (or remembers its answer by image ID).</summary>
    /// <param name="docker">Runs docker.</param>
    /// <param name="guard">The file guard for the cache.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="imageId">Its ID when already known (<c>docker image inspect</c>), else null.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    internal static async Task<Answer> AskAsync(DockerCall docker, SandboxGuard guard, string image, string? imageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(guard);
        if (imageId is null)
        {
            var inspect = await docker(["image", "inspect", "--format", "{{.Id}}", image], cancellationToken).ConfigureAwait(false);
            if (inspect.Code != 0)
            {
                return new Answer(VaultKind.Unknown, null, $"the image is not present ({FirstLine(inspect.Error)})");
            }

            imageId = inspect.Output.Trim();
        }

        if (Answers.TryGetValue(imageId, out var known))
        {
            return known;
        }

        var file = CacheFile(imageId);
        if (file is not null)
        {
            if (guard.FileExists(file, Caller) && Parse(await guard.ReadAllTextAsync(file, Caller, cancellationToken).ConfigureAwait(false)) is { Kind: not VaultKind.Unknown } remembered)
            {
                return Answers[imageId] = remembered;
            }
        }

        var result = await docker(Arguments(image), cancellationToken).ConfigureAwait(false);
        var answer = result.Code == 0
            ? Parse(result.Output)
            : new Answer(VaultKind.Unknown, null, $"exited {result.Code}: {FirstLine(result.Error.Length > 0 ? result.Error : result.Output)}");
        if (answer.Kind == VaultKind.Unknown)
        {
            return answer;
        }

        Answers[imageId] = answer;
        if (file is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temporary = file + "." + Environment.ProcessId + ".tmp";
            guard.EnsureFileAllowed(temporary, Caller);
            await File.WriteAllTextAsync(temporary, answer.Said + "\n", cancellationToken).ConfigureAwait(false);
            File.Move(temporary, file, overwrite: true);
        }

        return answer;
    }

    private static Answer Parse(string output)
    {
        var (kind, version) = VaultVersionProbe.Parse(output);
        return new Answer(kind, version, FirstLine(output));
    }

    // sha256:<64 hex> becomes a file name; anything else (a daemon that names images otherwise) is not cached on disk.
    private static string? CacheFile(string imageId)
    {
        var hex = imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId["sha256:".Length..] : imageId;
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower) ? Path.Combine(CacheFolder(), hex) : null;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";
        return line.Length <= 120 ? line : line[..120] + "…";
    }
}
