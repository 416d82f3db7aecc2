namespace Sandbox.Harness.Vault.Models;

/// <summary>The <c>data</c> of a LIST answer.</summary>
internal sealed record VaultKeyList
{
    public IReadOnlyList<string>? Keys { get; init; }
}
