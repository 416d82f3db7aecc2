namespace Sandbox.Harness.Topology;

/// <summary>A dynamic database role <c>&lt;mount&gt;/roles/&lt;name&gt;</c>, desired or observed.</summary>
/// <param name="Mount">The database mount path, e.g. <c>postgres</c>.</param>
/// <param name="Name">The role name, <c>&lt;app&gt;</c>.</param>
/// <param name="DbName"><c>db_name</c>: the connection.</param>
/// <param name="CreationStatements"><c>creation_statements</c>.</param>
/// <param name="RevocationStatements"><c>revocation_statements</c>.</param>
/// <param name="DefaultTtlSeconds"><c>default_ttl</c> in seconds.</param>
/// <param name="MaxTtlSeconds"><c>max_ttl</c> in seconds.</param>
internal sealed record DatabaseRoleState(
    string Mount,
    string Name,
    string DbName,
    IReadOnlyList<string> CreationStatements,
    IReadOnlyList<string> RevocationStatements,
    long DefaultTtlSeconds,
    long MaxTtlSeconds);
