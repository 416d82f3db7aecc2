using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>What a <see cref="TimelineEvent"/> records.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TimelineEventKind>))]
internal enum TimelineEventKind
{
    /// <summary>A step the scenario took (write a secret, issue a credential).</summary>
    [JsonStringEnumMemberName("step")]
    Step,

    /// <summary>A fault was injected (restart, seal, delete the key file).</summary>
    [JsonStringEnumMemberName("fault")]
    Fault,

    /// <summary>Something the scenario saw (seal-status says sealed, health answered 503).</summary>
    [JsonStringEnumMemberName("observation")]
    Observation,

    /// <summary>An assertion that held.</summary>
    [JsonStringEnumMemberName("assertion")]
    Assertion,

    /// <summary>A recovery action (unseal, start PostgreSQL again).</summary>
    [JsonStringEnumMemberName("recovery")]
    Recovery,

    /// <summary>Free-form context.</summary>
    [JsonStringEnumMemberName("note")]
    Note,

    /// <summary>The scenario entered a new <see cref="ScenarioPhase"/>.</summary>
    [JsonStringEnumMemberName("phase")]
    Phase,

    /// <summary>A named instant from <see cref="ScenarioTimeline.Mark(string)"/>.</summary>
    [JsonStringEnumMemberName("mark")]
    Mark,
}
