namespace Sandbox.Harness.Topology;

/// <summary>
/// The database connection <c>&lt;mount&gt;/config/&lt;name&gt;</c>. Its <c>connection_url</c> is not
/// part of the topology: replay points it at the sandbox PostgreSQL (through the config guard).
/// </summary>
/// <param name="Mount">The database mount path, e.g. <c>postgres</c>.</param>
/// <param name="Name">The connection name.</param>
/// <param name="PluginName"><c>plugin_name</c>.</param>
/// <param name="AllowedRoles"><c>allowed_roles</c>: every app's role name.</param>
internal sealed record DatabaseConnectionState(string Mount, string Name, string PluginName, IReadOnlyList<string> AllowedRoles);
