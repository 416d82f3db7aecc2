namespace Sandbox.Harness.Vault.Models;

/// <summary>An ACL policy as <c>GET sys/policies/acl/:name</c> returns it.</summary>
/// <param name="Name">The (lower-cased) policy name.</param>
/// <param name="Policy">The raw policy text as written (HCL or JSON).</param>
public sealed record AclPolicy(string Name, string Policy);
