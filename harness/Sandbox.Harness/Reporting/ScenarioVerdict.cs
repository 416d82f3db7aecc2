using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>The outcome of one scenario (or one chaos round, or one rehearse check).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScenarioVerdict>))]
internal enum ScenarioVerdict
{
    /// <summary>Every assertion held.</summary>
    [JsonStringEnumMemberName("passed")]
    Passed,

    /// <summary>An assertion failed or the scenario could not run to its end.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}
