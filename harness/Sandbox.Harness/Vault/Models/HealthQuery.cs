namespace Sandbox.Harness.Vault.Models;

/// <summary>
/// Query parameters of <c>GET sys/health</c> that change which status code Vault answers with.
/// Null properties are not sent.
/// </summary>
internal sealed record HealthQuery
{
    /// <summary>Answer a standby with the active code.</summary>
    public bool? StandbyOk { get; init; }

    /// <summary>Answer a performance standby with the active code (HashiCorp Vault only).</summary>
    public bool? PerfStandbyOk { get; init; }

    /// <summary>The code for an active node (default 200).</summary>
    public int? ActiveCode { get; init; }

    /// <summary>The code for a standby (default 429).</summary>
    public int? StandbyCode { get; init; }

    /// <summary>The code for a DR secondary (default 472, HashiCorp Vault only).</summary>
    public int? DrSecondaryCode { get; init; }

    /// <summary>The code for a performance standby (default 473, HashiCorp Vault only).</summary>
    public int? PerformanceStandbyCode { get; init; }

    /// <summary>The code for a sealed node (default 503).</summary>
    public int? SealedCode { get; init; }

    /// <summary>The code for an uninitialized node (default 501).</summary>
    public int? UninitCode { get; init; }

    internal string? ToQueryString()
    {
        var parts = new List<string>();
        Add(parts, "standbyok", StandbyOk);
        Add(parts, "perfstandbyok", PerfStandbyOk);
        Add(parts, "activecode", ActiveCode);
        Add(parts, "standbycode", StandbyCode);
        Add(parts, "drsecondarycode", DrSecondaryCode);
        Add(parts, "performancestandbycode", PerformanceStandbyCode);
        Add(parts, "sealedcode", SealedCode);
        Add(parts, "uninitcode", UninitCode);
        return parts.Count == 0 ? null : string.Join('&', parts);
    }

    private static void Add(List<string> parts, string name, bool? value)
    {
        if (value is { } v)
        {
            parts.Add($"{name}={(v ? "true" : "false")}");
        }
    }

    private static void Add(List<string> parts, string name, int? value)
    {
        if (value is { } v)
        {
            parts.Add(FormattableString.Invariant($"{name}={v}"));
        }
    }
}
