namespace Sandbox.Harness.Tofu;

/// <summary>Options of <see cref="TofuImporter.Import"/>.</summary>
internal sealed class TofuImportOptions
{
    /// <summary>
    /// <c>-var NAME=VALUE</c> values for the root module, in order (a later one wins). A variable
    /// typed as a string takes the text as is; any other type parses it as an HCL expression.
    /// The default value is none.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Vars { get; init; } = [];

    /// <summary><c>-var-file</c> paths, read after <c>terraform.tfvars</c> and <c>*.auto.tfvars</c>. The default value is none.</summary>
    public IReadOnlyList<string> VarFiles { get; init; } = [];

    /// <summary>Who reads the files, for the guard's audit log. The default value is <c>sandbox topology import</c>.</summary>
    public string Caller { get; init; } = "sandbox topology import";
}
