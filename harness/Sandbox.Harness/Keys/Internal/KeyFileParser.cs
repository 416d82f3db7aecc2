using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sandbox.Harness.Keys.Internal;

/// <summary>
/// Validates key-file bytes field by field so that each defect gets its own precise error.
/// Messages name fields and indexes, never values.
/// </summary>
internal static class KeyFileParser
{
    /// <summary>Shamir share length: 32 secret bytes plus one x-coordinate byte.</summary>
    public const int ShareBytes = 33;

    /// <summary>With a single share Vault does not split: the key is the 32-byte unseal key.</summary>
    public const int SingleKeyBytes = 32;

    public static JsonSerializerOptions WriteOptions { get; } = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>JSON is UTF-8: a byte that is not (a damaged copy, another encoding) is named by its position, before the JSON reader meets it.</summary>
    private static void CheckUtf8(string path, ReadOnlySpan<byte> content)
    {
        var buffer = new char[content.Length];
        if (System.Text.Unicode.Utf8.ToUtf16(content, buffer, out var read, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.InvalidData)
        {
            return;
        }

        var before = content[..read];
        var line = before.Count((byte)'\n');
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        throw KeyFileException.NotUtf8(path, line, read - lineStart);
    }

    public static SandboxKeys Parse(string path, byte[] bytes)
    {
        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            content = content[3..];
        }

        if (content.Trim((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']).IsEmpty)
        {
            throw KeyFileException.Empty(path);
        }

        CheckUtf8(path, content);
        CheckComplete(path, content);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content.ToArray());
        }
        catch (JsonException ex)
        {
            throw KeyFileException.NotJson(path, ex.LineNumber ?? 0, ex.BytePositionInLine ?? 0, ex);
        }

        using (document)
        {
            try
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw KeyFileException.WrongShape(path, $"the top level is a JSON {Describe(root.ValueKind)}, not an object");
                }

                var shares = RequiredInt(path, root, "unseal_shares");
                var threshold = RequiredInt(path, root, "unseal_threshold");
                var b64 = OptionalStrings(path, root, "unseal_keys_b64");
                var hex = OptionalStrings(path, root, "unseal_keys_hex");
                var rootToken = RequiredString(path, root, "root_token");
                var recoveryB64 = OptionalStrings(path, root, "recovery_keys_b64") ?? [];
                var recoveryHex = OptionalStrings(path, root, "recovery_keys_hex") ?? [];
                var recoveryShares = OptionalInt(path, root, "recovery_keys_shares") ?? 0;
                var recoveryThreshold = OptionalInt(path, root, "recovery_keys_threshold") ?? 0;

                if (b64 is null && hex is null)
                {
                    throw KeyFileException.WrongShape(path, "neither 'unseal_keys_b64' nor 'unseal_keys_hex' is present");
                }

                if (shares is < 1 or > 255)
                {
                    throw KeyFileException.WrongShape(path, $"'unseal_shares' is {shares}; it must be between 1 and 255");
                }

                if (threshold < 1 || threshold > shares)
                {
                    throw KeyFileException.WrongShape(path, $"'unseal_threshold' is {threshold}; it must be between 1 and 'unseal_shares' ({shares})");
                }

                var expected = shares == 1 ? SingleKeyBytes : ShareBytes;
                var fromB64 = b64 is null ? null : DecodeAll(path, "unseal_keys_b64", b64, shares, expected, DecodeBase64, "base64");
                var fromHex = hex is null ? null : DecodeAll(path, "unseal_keys_hex", hex, shares, expected, DecodeHex, "hex");

                if (fromB64 is not null && fromHex is not null)
                {
                    for (var i = 0; i < fromB64.Count; i++)
                    {
                        if (!fromB64[i].AsSpan().SequenceEqual(fromHex[i]))
                        {
                            throw KeyFileException.Mismatch(path, i);
                        }
                    }
                }

                var keys = (fromB64 ?? fromHex)!;
                for (var i = 0; i < keys.Count; i++)
                {
                    for (var j = i + 1; j < keys.Count; j++)
                    {
                        if (keys[i].AsSpan().SequenceEqual(keys[j]))
                        {
                            // Vault ignores a repeated share, so such a file can never reach its threshold.
                            throw KeyFileException.WrongShape(path, $"key {i} and key {j} are the same share");
                        }
                    }
                }

                return new SandboxKeys
                {
                    UnsealKeysB64 = b64 ?? keys.Select(Convert.ToBase64String).ToArray(),
                    UnsealKeysHex = hex ?? keys.Select(k => Convert.ToHexStringLower(k)).ToArray(),
                    UnsealShares = shares,
                    UnsealThreshold = threshold,
                    RecoveryKeysB64 = recoveryB64,
                    RecoveryKeysHex = recoveryHex,
                    RecoveryKeysShares = recoveryShares,
                    RecoveryKeysThreshold = recoveryThreshold,
                    RootToken = rootToken,
                };
            }
            catch (InvalidOperationException)
            {
                // A \uD800-\uDFFF escape without its pair (in a field name too) is valid JSON syntax but no character.
                throw KeyFileException.WrongShape(path, "a field name or value holds a \\u escape that is half of a character (a lone surrogate)");
            }
        }
    }

    /// <summary>Tells a cut-off document (valid so far, but incomplete) from one that is not JSON at all.</summary>
    private static void CheckComplete(string path, ReadOnlySpan<byte> content)
    {
        var reader = new Utf8JsonReader(content, isFinalBlock: false, state: default);
        var sawRootEnd = false;
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
                {
                    sawRootEnd = true;
                    break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw KeyFileException.NotJson(path, ex.LineNumber ?? 0, ex.BytePositionInLine ?? 0, ex);
        }

        if (!sawRootEnd)
        {
            throw KeyFileException.Truncated(path, content.Length);
        }
    }

    private static List<byte[]> DecodeAll(
        string path, string field, string[] values, int shares, int expected, Func<string, byte[]?> decode, string encoding)
    {
        if (values.Length != shares)
        {
            throw KeyFileException.WrongShape(path, $"'{field}' holds {values.Length} key(s) but 'unseal_shares' is {shares}");
        }

        var result = new List<byte[]>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var bytes = decode(values[i]) ?? throw KeyFileException.WrongEncoding(path, field, i, encoding);
            if (bytes.Length != expected)
            {
                throw KeyFileException.WrongLength(path, field, i, bytes.Length, expected, shares);
            }

            result.Add(bytes);
        }

        return result;
    }

    private static byte[]? DecodeBase64(string value)
    {
        var buffer = new byte[(value.Length * 3 / 4) + 3];
        return value.Length > 0 && value.Length % 4 == 0 && Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }

    private static byte[]? DecodeHex(string value)
    {
        if (value.Length == 0 || value.Length % 2 != 0)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static int RequiredInt(string path, JsonElement root, string name) =>
        OptionalInt(path, root, name) ?? throw KeyFileException.WrongShape(path, $"the field '{name}' is missing");

    private static int? OptionalInt(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw KeyFileException.WrongShape(path, $"'{name}' is a JSON {Describe(value.ValueKind)}, not a whole number");
        }

        return number;
    }

    private static string RequiredString(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            throw KeyFileException.WrongShape(path, $"the field '{name}' is missing");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw KeyFileException.WrongShape(path, $"'{name}' is a JSON {Describe(value.ValueKind)}, not a string");
        }

        return StringOf(path, name, value);
    }

    private static string[]? OptionalStrings(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw KeyFileException.WrongShape(path, $"'{name}' is a JSON {Describe(value.ValueKind)}, not an array of strings");
        }

        var result = new string[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw KeyFileException.WrongShape(path, $"'{name}'[{i}] is a JSON {Describe(item.ValueKind)}, not a string");
            }

            result[i] = StringOf(path, $"{name}[{i}]", item);
            i++;
        }

        return result;
    }

    private static string StringOf(string path, string name, JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A \uD800-\uDFFF escape without its pair is valid JSON syntax but no character.
            throw KeyFileException.WrongShape(path, $"'{name}' holds a \\u escape that is half of a character (a lone surrogate)");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };
}
