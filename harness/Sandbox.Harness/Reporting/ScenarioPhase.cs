using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// The phase a scenario is in; the report colours its timeline by phase.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScenarioPhase>))]
internal enum ScenarioPhase
{
    /// <summary>Before the steady state is established (sandbox start, data written).</summary>
    [JsonStringEnumMemberName("setup")]
    Setup,

    /// <summary>The system works as it should; the steady state is asserted.</summary>
    [JsonStringEnumMemberName("steady-state")]
    SteadyState,

    /// <summary>A fault is being injected or is in effect (Vault not yet known to be sealed).</summary>
    [JsonStringEnumMemberName("fault")]
    Fault,

    /// <summary>Vault is sealed.</summary>
    [JsonStringEnumMemberName("sealed")]
    Sealed,

    /// <summary>Recovery actions run and the steady state is asserted again.</summary>
    [JsonStringEnumMemberName("recovery")]
    Recovery,
}
