using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Vault.Internal;

/// <summary>Vault's common response envelope (spec §0). Unknown fields are ignored.</summary>
internal sealed record Envelope<T>
{
    public string? RequestId { get; init; }

    public string? LeaseId { get; init; }

    public bool Renewable { get; init; }

    public long LeaseDuration { get; init; }

    public T? Data { get; init; }

    public List<string>? Warnings { get; init; }

    public VaultAuthInfo? Auth { get; init; }

    public List<string>? Errors { get; init; }
}
