using Sandbox.Harness.Vault;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>The names a sandbox Vault holds (mounts, auth methods, policies, roles, secret paths), without any value.</summary>
public static class VaultNames
{
    /// <summary>Reads every name the app's steady state uses, as <c>kind:name</c> strings.</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(VaultClient root, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        var names = new List<string>();
        names.AddRange((await root.ListSecretsEnginesAsync(cancellationToken)).Select(m => $"mount:{m.Key}:{m.Value.Type}"));
        names.AddRange((await root.ListAuthMethodsAsync(cancellationToken)).Select(m => $"auth:{m.Key}:{m.Value.Type}"));
        names.AddRange((await root.ListPoliciesAsync(cancellationToken)).Select(p => $"policy:{p}"));
        names.AddRange((await root.DatabaseListRolesAsync(AppWorld.DbMount, cancellationToken)).Select(r => $"database-role:{r}"));
        names.AddRange((await root.JwtListRolesAsync(AppWorld.JwtMount, cancellationToken)).Select(r => $"jwt-role:{r}"));
        names.AddRange((await root.KubernetesListRolesAsync(AppWorld.KubernetesMount, cancellationToken)).Select(r => $"kubernetes-role:{r}"));
        foreach (var folder in await root.KvV2ListAsync(AppWorld.KvMount, string.Empty, cancellationToken))
        {
            names.AddRange((await root.KvV2ListAsync(AppWorld.KvMount, folder, cancellationToken)).Select(k => $"kv:{folder}{k}"));
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
