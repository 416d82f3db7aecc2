namespace Sandbox.Harness.Topology;

/// <summary>A seed value written at <c>&lt;mount&gt;/&lt;path&gt;</c> of a kv v2 mount (API path <c>&lt;mount&gt;/data/&lt;path&gt;</c>).</summary>
/// <param name="Mount">The kv v2 mount, e.g. <c>kvv2</c>.</param>
/// <param name="Path">The secret path inside the mount, e.g. <c>webapp/config</c>.</param>
/// <param name="Data">The key/value pairs (non-secret example values).</param>
internal sealed record KvSeedState(string Mount, string Path, IReadOnlyDictionary<string, string> Data);
