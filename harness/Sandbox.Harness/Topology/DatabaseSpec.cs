namespace Sandbox.Harness.Topology;

/// <summary>The database secrets engine settings shared by every app.</summary>
/// <param name="Mount">The database mount path, <c>postgres</c> by default.</param>
/// <param name="Connection">The connection name under <c>&lt;mount&gt;/config/</c>, <c>postgres</c> by default.</param>
/// <param name="PluginName">The plugin, <c>postgresql-database-plugin</c> by default.</param>
internal sealed record DatabaseSpec(string Mount, string Connection, string PluginName);
