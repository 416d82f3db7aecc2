using Sandbox.Harness.Guard;
using Sandbox.Harness.Tofu.Internal;

namespace Sandbox.Harness.Tofu;

/// <summary>
/// Reads the Vault configuration of an OpenTofu root module statically (no <c>tofu</c> binary,
/// no provider, no state, no network) and turns it into a topology that <c>sandbox replay</c>
/// accepts: mounts, auth methods, per-app Kubernetes and JWT roles, policies, database
/// connection and roles, transit keys and the names of kv v2 secrets. Secrets and production
/// endpoints are never read. docs/tofu-import.md describes the mapping.
/// </summary>
internal static class TofuImporter
{
    internal const string PolicyFolderToken = "@@policies@@";

    /// <summary>Imports a root module.</summary>
    /// <param name="directory">The folder of the root module.</param>
    /// <param name="guard">The guard every file read goes through.</param>
    /// <param name="options">Variables and the caller's name.</param>
    /// <returns>The topology and the report of what was left out.</returns>
    /// <exception cref="TofuException">The code is invalid (syntax, remote module, cycle, duplicate path, ...).</exception>
    /// <exception cref="GuardBlockedException">A file it names is denylisted.</exception>
    public static TofuImportResult Import(string directory, SandboxGuard guard, TofuImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(guard);
        options ??= new TofuImportOptions();
        var evaluator = new TofuEvaluator(guard, options.Caller, directory);
        var model = evaluator.Evaluate(options.Vars, options.VarFiles);
        return new TopologyBuilder(model, Path.GetFullPath(directory)).Build();
    }
}
