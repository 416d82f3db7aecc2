using System.Text.Json;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Runtimes.Internal;

/// <summary>Reads and writes <c>sandbox.json</c> atomically (temp file + rename), through the file guard.</summary>
internal static class SandboxStateStore
{
    /// <summary>Who reads and writes the state file, for the guard's audit log.</summary>
    private const string Caller = "sandbox-state";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync(SandboxPaths paths, SandboxState state, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.RunFolder);
        var temp = Path.Combine(paths.RunFolder, $".sandbox.json.{Guid.NewGuid():N}.tmp");
        var guard = SandboxGuard.ForFiles;
        guard.EnsureFileAllowed(paths.StateFile, Caller);
        await using (var stream = guard.OpenFile(temp, FileMode.CreateNew, FileAccess.Write, Caller))
        {
            await JsonSerializer.SerializeAsync(stream, state, Json, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, paths.StateFile, overwrite: true);
    }

    public static async Task<SandboxState?> TryReadAsync(SandboxPaths paths, CancellationToken cancellationToken)
    {
        var guard = SandboxGuard.ForFiles;
        if (!guard.FileExists(paths.StateFile, Caller))
        {
            return null;
        }

        try
        {
            await using var stream = guard.OpenFile(paths.StateFile, FileMode.Open, FileAccess.Read, Caller);
            var state = await JsonSerializer.DeserializeAsync<SandboxState>(stream, Json, cancellationToken).ConfigureAwait(false);
            if (state is null || state.Name != paths.Name)
            {
                throw SandboxRuntimeException.BadState(paths.StateFile, $"its name is '{state?.Name}', not the folder's '{paths.Name}'");
            }

            return state;
        }
        catch (JsonException e)
        {
            throw SandboxRuntimeException.BadState(paths.StateFile, $"not valid JSON (line {e.LineNumber + 1})");
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The names of the sandboxes under <c>home/.sandbox</c>: every folder that holds a state file
    /// (<c>sandbox.json</c>). A folder is never taken for a sandbox by its name alone: reports,
    /// caches or anything else a user keeps there are not sandboxes.
    /// </summary>
    public static IReadOnlyList<string> ListNames(string home)
    {
        var root = Path.Combine(home, SandboxPaths.RunsFolderName);
        if (!Directory.Exists(root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(root).Select(Path.GetFileName).Where(SandboxName.IsValid).Select(n => n!)
            .Where(n => File.Exists(Path.Combine(root, n, SandboxPaths.StateFileName))).Order(StringComparer.Ordinal)];
    }
}
