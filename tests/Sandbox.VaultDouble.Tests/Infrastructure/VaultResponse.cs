using System.Net;
using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>A raw answer: status, body text and parsed JSON (null when empty or not JSON).</summary>
public sealed record VaultResponse(HttpStatusCode Status, string Text, JsonNode? Json)
{
    public int Code => (int)Status;

    public JsonNode? Data => Json?["data"];

    public IReadOnlyList<string> Errors => Json?["errors"] is JsonArray a ? a.Select(e => e!.GetValue<string>()).ToList() : [];

    public IReadOnlyList<string> Warnings => Json?["warnings"] is JsonArray a ? a.Select(e => e!.GetValue<string>()).ToList() : [];

    public override string ToString() => $"{Code} {Text}";
}
