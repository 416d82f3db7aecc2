namespace Sandbox.Harness.Vault.Models;

/// <summary>The answer of <c>transit/encrypt/:name</c>.</summary>
/// <param name="Ciphertext">The ciphertext, <c>vault:v&lt;N&gt;:&lt;base64&gt;</c>.</param>
/// <param name="KeyVersion">The key version that encrypted it.</param>
internal sealed record TransitCiphertext(string Ciphertext, int KeyVersion);
