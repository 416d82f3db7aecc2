namespace Sandbox.Harness.Runtimes.Process;

/// <summary>How the process runtime starts Vault: a vault/bao binary, or <c>dotnet Sandbox.VaultDouble.dll</c>.</summary>
/// <param name="Kind">Which Vault.</param>
/// <param name="FileName">The executable (the binary, or dotnet).</param>
/// <param name="PrefixArguments">Arguments before <c>server -config FILE</c> (the double's assembly).</param>
/// <param name="Source">The binary or assembly path, for reports.</param>
internal sealed record VaultLaunch(VaultKind Kind, string FileName, IReadOnlyList<string> PrefixArguments, string Source);
