using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// The request-body fields a Vault dials itself, and what each holds: the database engine's
    /// <c>connection_url</c> (openbao/vault builtin/logical/database, path_config_connection.go), Kubernetes
    /// auth's <c>kubernetes_host</c> (hashicorp/vault-plugin-auth-kubernetes, path_config.go) and JWT/OIDC
    /// auth's <c>jwks_url</c> and <c>oidc_discovery_url</c> (hashicorp/vault-plugin-auth-jwt, path_config.go;
    /// also inside <c>jwks_pairs</c>). Compared case-insensitively (fail-closed).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, VaultDialledValue> VaultDialledFields = new Dictionary<string, VaultDialledValue>(StringComparer.OrdinalIgnoreCase)
    {
        ["connection_url"] = VaultDialledValue.PostgresConnection,
        ["kubernetes_host"] = VaultDialledValue.Url,
        ["jwks_url"] = VaultDialledValue.Url,
        ["oidc_discovery_url"] = VaultDialledValue.Url,
    };

    // Values the config guard allowed against the endpoints a sandbox runs (replay, the parity check):
    // written as checked, they pass the write gate without a second, endpoint-blind check that would
    // refuse the sandbox cluster's own service names.
    private readonly ConcurrentDictionary<string, byte> _checkedForSandbox = new(StringComparer.Ordinal);

    /// <summary>
    /// The write gate: every request body the guarded client sends passes here. Each field of the body a
    /// Vault dials itself (<see cref="VaultDialledFields"/>, at any depth) must have passed the config guard:
    /// either it was allowed by <see cref="CheckVaultDialled"/> against the sandbox's own endpoints, or it is
    /// checked here (denylist, egress policy, <c>*.localhost</c> names, host lists, file and service
    /// parameters). A refused value stops the request before any byte is sent. A body that is not JSON but
    /// names such a field cannot be judged and is refused.
    /// </summary>
    /// <param name="body">The request body, as it will be sent.</param>
    /// <param name="target">The request URL, for the audit log and the error.</param>
    /// <param name="caller">Who sends it.</param>
    /// <exception cref="GuardBlockedException">A dialled value is refused.</exception>
    internal void EnsureVaultWriteChecked(ReadOnlySpan<byte> body, string target, string caller)
    {
        if (body.IsEmpty)
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(body);
            var decoded = Uri.UnescapeDataString(text.Replace('+', ' '));
            foreach (var field in VaultDialledFields.Keys)
            {
                if (decoded.Contains(field, StringComparison.OrdinalIgnoreCase))
                {
                    throw GuardBlockedException.Blocked(Record(caller, GuardDecision.Block(target, GuardRules.ConfigUncheckedWrite,
                        $"The body of this request is not JSON but names '{field}', a value the sandbox Vault dials itself; it cannot be checked, so it is not sent. Write it as JSON.")), caller);
                }
            }

            return;
        }

        using (document)
        {
            CheckDialledFields(document.RootElement, target, caller);
        }
    }

    private void CheckDialledFields(JsonElement element, string target, string caller)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (VaultDialledFields.TryGetValue(property.Name, out var kind))
                    {
                        CheckDialledField(property.Name, property.Value, kind, target, caller);
                    }
                    else
                    {
                        CheckDialledFields(property.Value, target, caller);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckDialledFields(item, target, caller);
                }

                break;
        }
    }

    private void CheckDialledField(string field, JsonElement value, VaultDialledValue kind, string target, string caller)
    {
        if (value.ValueKind is JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0))
        {
            return; // unset: nothing is dialled
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw GuardBlockedException.Blocked(Record(caller, GuardDecision.Block(target, GuardRules.ConfigUncheckedWrite,
                $"'{field}' in the body of this request is a {value.ValueKind}, not a string; where the sandbox Vault would connect cannot be checked, so it is not sent.")), caller);
        }

        var text = value.GetString()!;
        if (_checkedForSandbox.ContainsKey(text))
        {
            Record(caller, GuardDecision.Allow(target, GuardRules.ConfigSandboxEndpoint, $"'{field}' was checked against the endpoints the sandbox runs."));
            return;
        }

        var decision = CheckVaultDialled(text, kind, sandbox: null, caller);
        if (!decision.Allowed)
        {
            throw GuardBlockedException.Blocked(decision with { Detail = $"'{field}' written to {target}: {decision.Detail}" }, caller);
        }
    }
}
