using System.Net;

namespace Sandbox.Harness.Vault.Internal;

/// <summary>One HTTP answer from Vault, read completely inside the attempt that produced it.</summary>
internal sealed record VaultRawResponse(HttpStatusCode StatusCode, byte[] Body)
{
    public int Code => (int)StatusCode;

    public bool IsSuccess => Code is >= 200 and <= 299;

    public bool HasBody => Body.Length > 0;
}
