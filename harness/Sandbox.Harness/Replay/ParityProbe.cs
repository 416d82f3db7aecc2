namespace Sandbox.Harness.Replay;

/// <summary>One request of the name parity check and its outcome.</summary>
/// <param name="Who">The identity, e.g. <c>kubernetes role webapp</c> or <c>jwt role gitea_cicd_webapp (expired token)</c>.</param>
/// <param name="Operation"><c>read</c>, <c>write</c>, <c>list</c> or <c>login</c>.</param>
/// <param name="Path">The Vault path, e.g. <c>kvv2/data/webapp/config</c>.</param>
/// <param name="Expected">What the topology's names should allow.</param>
/// <param name="Actual">What Vault did.</param>
/// <param name="Detail">The status or error text (never a token or a secret value).</param>
internal sealed record ParityProbe(string Who, string Operation, string Path, ProbeAccess Expected, ProbeAccess Actual, string Detail = "")
{
    /// <summary>True when Vault did what the names promise.</summary>
    public bool Passed => Expected == Actual;

    /// <summary>The failure in words, e.g. <c>NO access expected but got it</c>; empty when passed.</summary>
    public string Verdict => (Expected, Actual) switch
    {
        _ when Passed => "",
        (ProbeAccess.Denied, ProbeAccess.Granted) => "NO access expected but got it",
        (ProbeAccess.Granted, ProbeAccess.Denied) => "access expected but was denied",
        _ => $"expected {Expected.ToString().ToLowerInvariant()}, got {Actual.ToString().ToLowerInvariant()}",
    };

    /// <summary>One line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"{(Passed ? "ok  " : "FAIL")}  {Who}: {Operation} {Path} -> {Actual.ToString().ToLowerInvariant()}{(Passed ? "" : " (" + Verdict + ")")}{(Detail.Length == 0 ? "" : " [" + Detail + "]")}";
}
