using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbox.Harness.Vault.Internal;

/// <summary>The JSON settings of the client: snake_case, tolerant of unknown fields and of numbers sent as strings.</summary>
internal static class VaultJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };
        options.Converters.Add(new LenientDateTimeOffsetConverter());
        options.Converters.Add(new SecondsTimeSpanConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Reads RFC 3339 strings and unix seconds; an empty string or null reads as null.</summary>
    private sealed class LenientDateTimeOffsetConverter : JsonConverter<DateTimeOffset?>
    {
        public override bool HandleNull => true;

        public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number:
                    return DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64());
                case JsonTokenType.String:
                    var text = reader.GetString();
                    if (string.IsNullOrEmpty(text))
                    {
                        return null;
                    }

                    if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value))
                    {
                        return value;
                    }

                    throw new JsonException($"'{text}' is not an RFC 3339 time.");
                default:
                    throw new JsonException($"Expected a time, found {reader.TokenType}.");
            }
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(value.Value.ToString("O", CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// Writes a duration as whole seconds (which Vault accepts everywhere) and reads seconds
    /// or a Go duration string such as <c>1h</c>, <c>9m55s</c> or <c>0s</c>.
    /// </summary>
    private sealed class SecondsTimeSpanConverter : JsonConverter<TimeSpan?>
    {
        public override bool HandleNull => true;

        public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.Number => TimeSpan.FromSeconds(reader.GetDouble()),
                JsonTokenType.String => GoDuration.Parse(reader.GetString() ?? string.Empty),
                _ => throw new JsonException($"Expected a duration, found {reader.TokenType}."),
            };

        public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteNumberValue((long)Math.Round(value.Value.TotalSeconds));
            }
        }
    }
}
