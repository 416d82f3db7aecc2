using System.Net;

namespace Sandbox.Harness.Vault;

/// <summary>
/// Vault answered 503 <c>Vault is sealed</c>: the operation needs an unsealed Vault.
/// </summary>
public sealed class VaultSealedException : VaultApiException
{
    private VaultSealedException(string message, IReadOnlyList<string> errors, string method, string path)
        : base(message, HttpStatusCode.ServiceUnavailable, errors, method, path)
    {
    }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.VaultSealed;

    internal static VaultSealedException Create(string method, string path, IReadOnlyList<string> errors) => new(
        $"""
        Vault is sealed, so {method} {path} was refused (HTTP 503).
        Unseal it with the sandbox key file (for example 'sandbox up' again, or VaultClient.UnsealAsync), then retry.
        """,
        errors, method, path);
}
