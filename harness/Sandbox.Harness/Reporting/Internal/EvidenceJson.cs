using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sandbox.Harness.Reporting.Internal;

/// <summary>The one JSON shape every evidence file uses: camelCase, indented, enums as their documented strings.</summary>
internal static class EvidenceJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Keep "—" and "<app>" readable in the files; they are data, never embedded in HTML unescaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
