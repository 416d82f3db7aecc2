namespace Sandbox.Harness.Tofu;

/// <summary>
/// OpenTofu code that cannot be imported: an HCL syntax error, a remote module, a cycle between
/// locals, a <c>for_each</c> over something that is not a collection, two resources producing one
/// Vault path, or a topology the code does not describe. The message names the file, the line and
/// column, the problem and the fix. Nothing is written when it is thrown.
/// </summary>
internal sealed class TofuException : PositionedInputException
{
    private TofuException(string file, int line, int column, string problem, string fix)
        : base(file, line, column, problem, fix)
    {
    }

    internal static TofuException At(string file, int line, int column, string problem, string fix) => new(file, line, column, problem, fix);

    internal static TofuException Syntax(string file, int line, int column, string problem, string fix) =>
        new(file, line, column, "HCL syntax error: " + problem, fix);

    internal static TofuException NoDirectory(string dir) =>
        new(dir, 0, 0, "the OpenTofu directory does not exist", "give the folder holding the root module's .tf files (e.g. --tofu fixtures/tofu/vault).");

    internal static TofuException NoTfFiles(string dir) =>
        new(dir, 0, 0, "the folder holds no .tf file", "give the folder of the root module (where the provider \"vault\" block and the module calls are).");

    internal static TofuException RemoteModule(string file, int line, int column, string module, string source) =>
        new(file, line, column, $"module \"{module}\" has the remote source \"{source}\"; the import reads no network",
            $"vendor the module into the repository and call it with a local path (source = \"./modules/{module}\"), or import a folder that does not call it.");

    internal static TofuException ModuleMissing(string file, int line, int column, string module, string dir) =>
        new(file, line, column, $"module \"{module}\": the folder \"{dir}\" does not exist or holds no .tf file",
            "correct the module's source path (relative to the calling module's folder).");

    internal static TofuException LocalsCycle(string file, int line, int column, IEnumerable<string> cycle) =>
        new(file, line, column, $"the locals refer to each other in a cycle: {string.Join(" -> ", cycle)}",
            "break the cycle: one of these locals must be computed without the others.");

    internal static TofuException NotACollection(string file, int line, int column, string address, string found) =>
        new(file, line, column, $"for_each of {address} is {found}, not a map or a set of strings",
            "give for_each a map, or a set of strings (wrap a list in toset(...)).");

    internal static TofuException BadCount(string file, int line, int column, string address, string found) =>
        new(file, line, column, $"count of {address} is {found}, not a whole number of zero or more",
            "give count a whole number, e.g. length(var.apps).");

    internal static TofuException DuplicatePath(string file, int line, int column, string what, string address, string firstAddress, string firstAt) =>
        new(file, line, column, $"{address} produces {what}, which {firstAddress} ({firstAt}) produces too",
            "give each resource its own name or path; Vault would have one overwrite the other.");

    internal static TofuException BadVar(string given, string problem) =>
        new("(command line)", 0, 0, $"--var \"{given}\": {problem}", "write --var NAME=VALUE with a variable the root module declares.");

    internal static TofuException Unrepresentable(string dir, string problem, string fix) => new(dir, 0, 0, problem, fix);
}
