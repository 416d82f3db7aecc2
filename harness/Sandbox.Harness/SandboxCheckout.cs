namespace Sandbox.Harness;

/// <summary>Finds the Sandbox checkout (the folder holding <c>Sandbox.sln</c>) above a folder.</summary>
internal static class SandboxCheckout
{
    /// <summary>The solution file that marks the checkout's root.</summary>
    public const string SolutionFile = "Sandbox.sln";

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds <see cref="SolutionFile"/>.</summary>
    /// <param name="start">Where to start looking, e.g. <see cref="AppContext.BaseDirectory"/>.</param>
    /// <returns>The checkout root, or null when there is none above <paramref name="start"/>.</returns>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
