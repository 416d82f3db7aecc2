using System.Text.Json.Nodes;

namespace Sandbox.Harness.Runtimes.Plan;

/// <summary>One write <c>up</c> (and its replay) would make into an empty sandbox Vault.</summary>
/// <param name="Path">The API path below <c>/v1/</c>, for example <c>sys/mounts/kvv2</c>.</param>
/// <param name="Body">The JSON body, with every secret value replaced by <see cref="SandboxPlan.Redacted"/>.</param>
internal sealed record PlannedVaultWrite(string Path, JsonObject Body);
