using System.Text;
using System.Text.Json;

namespace Sandbox.Harness.Policies.Internal;

/// <summary>
/// Reads JSON into the same <see cref="HclNode"/> tree as the HCL parser, keeping the line and
/// column of every value (which <see cref="JsonDocument"/> would lose), so that errors in a
/// JSON policy point at the right place.
/// </summary>
internal static class JsonNodeReader
{
    public static HclNode Read(string text, string source, Func<string, int, int, string, string, Exception> error)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        (int Line, int Col) Pos(long offset)
        {
            var idx = lineStarts.BinarySearch((int)offset);
            if (idx < 0)
            {
                idx = ~idx - 1;
            }

            return (idx + 1, (int)offset - lineStarts[idx] + 1);
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read())
            {
                throw error(source, 1, 1, "empty JSON document", "write a JSON object such as {\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}.");
            }

            var node = ReadValue(ref reader, Pos);
            if (reader.Read())
            {
                var (l, c) = Pos(reader.TokenStartIndex);
                throw error(source, l, c, "unexpected content after the JSON document", "remove it.");
            }

            return node;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var col = (int)(ex.BytePositionInLine ?? 0) + 1;
            throw error(source, line, col, "invalid JSON: " + FirstSentence(ex.Message), "fix the JSON syntax at that position.");
        }
    }

    private static HclNode ReadValue(ref Utf8JsonReader reader, Func<long, (int Line, int Col)> pos)
    {
        var (line, col) = pos(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var items = new List<HclItem>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var (kl, kc) = pos(reader.TokenStartIndex);
                    var key = reader.GetString()!;
                    reader.Read();
                    items.Add(new HclItem(key, ReadValue(ref reader, pos), kl, kc));
                }

                return new HclObject(items, line, col);
            case JsonTokenType.StartArray:
                var list = new List<HclNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadValue(ref reader, pos));
                }

                return new HclList(list, line, col);
            case JsonTokenType.String:
                return new HclScalar(reader.GetString()!, line, col);
            case JsonTokenType.Number:
                return new HclScalar(reader.GetDouble(), line, col);
            case JsonTokenType.True:
                return new HclScalar(true, line, col);
            case JsonTokenType.False:
                return new HclScalar(false, line, col);
            default:
                // null: treat as an empty list so that "capabilities": null is caught as a wrong type later.
                return new HclList([], line, col);
        }
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
