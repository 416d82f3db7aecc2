namespace Sandbox.Harness.Runtimes.Process;

/// <summary>What a Vault binary said of itself in answer to <c>version</c>, as <see cref="VaultVersionProbe.Read"/> reads it.</summary>
/// <param name="Kind">HashiCorp Vault, OpenBao or the Sandbox double.</param>
/// <param name="Version">The version as printed, without the leading <c>v</c> (<c>1.14.0+ent</c>), or null when the line had none.</param>
/// <param name="Number">The version's leading <c>major.minor.patch</c>, or null when it does not start with one.</param>
/// <param name="Line">The line it was read from (cut to 120 characters), for messages.</param>
internal sealed record VaultVersionReport(VaultKind Kind, string? Version, Version? Number, string Line);
