using System.Net;

namespace Sandbox.Harness.Vault.Models;

/// <summary>
/// The answer of <c>sys/health</c>: its status code is the health verdict (200 active, 429 standby,
/// 472 DR secondary, 473 performance standby, 501 not initialized, 503 sealed, or an override),
/// so every code is returned here rather than thrown.
/// </summary>
/// <param name="StatusCode">The HTTP status code Vault answered with.</param>
/// <param name="Status">The parsed body; null when the answer had no body (HEAD, or a proxy error page).</param>
internal sealed record HealthResult(HttpStatusCode StatusCode, HealthStatus? Status)
{
    /// <summary>The status code as a number.</summary>
    public int Code => (int)StatusCode;

    /// <summary>True for 200: initialized, unsealed and active.</summary>
    public bool IsActive => Code == 200;
}
