namespace Sandbox.Harness.Topology;

/// <summary>A transit key <c>&lt;mount&gt;/keys/&lt;name&gt;</c>, desired or observed.</summary>
/// <param name="Mount">The transit mount path.</param>
/// <param name="Name">The key name.</param>
/// <param name="Type">The key type, e.g. <c>aes256-gcm96</c>.</param>
internal sealed record TransitKeyState(string Mount, string Name, string Type);
