using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>The outcome of <c>sandbox rehearse</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RehearsalVerdict>))]
internal enum RehearsalVerdict
{
    /// <summary>The change may go to production.</summary>
    [JsonStringEnumMemberName("go")]
    Go,

    /// <summary>The change must not go to production as it is.</summary>
    [JsonStringEnumMemberName("no-go")]
    NoGo,
}
