namespace Sandbox.Harness.Policies.Internal;

/// <summary>Turns the parsed HCL/JSON tree into policy rules, with Vault's checks and wording.</summary>
internal static class PolicyInterpreter
{
    private static readonly string[] TopLevelKeys = ["name", "path"];

    private static readonly string[] PathKeys =
    [
        "comment", "policy", "capabilities", "allowed_parameters", "denied_parameters", "required_parameters",
        "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group", "subscribe_event_types",
    ];

    public static (string? Name, List<PolicyRule> Rules) Interpret(HclNode root, string source)
    {
        if (root is not HclObject obj)
        {
            throw PolicyParseException.Syntax(source, root.Line, root.Column, "does not contain a root object",
                "write the policy as path \"...\" { ... } stanzas, or as a JSON object with a \"path\" key.");
        }

        string? name = null;
        var rules = new List<PolicyRule>();
        foreach (var item in obj.Items)
        {
            switch (item.Key)
            {
                case "name":
                    name = item.Value is HclScalar { Value: string s }
                        ? s
                        : throw PolicyParseException.WrongType(source, item.Value.Line, item.Value.Column, null, "name", "a string");
                    break;
                case "path":
                    foreach (var pathObject in ObjectsOf(item.Value, source, "path"))
                    {
                        foreach (var pathItem in pathObject.Items)
                        {
                            rules.Add(InterpretPath(pathItem, source));
                        }
                    }

                    break;
                default:
                    throw PolicyParseException.InvalidKey(source, item.Line, item.Column, null, item.Key, TopLevelKeys);
            }
        }

        return (name, rules);
    }

    private static IEnumerable<HclObject> ObjectsOf(HclNode node, string source, string key) => node switch
    {
        HclObject o => [o],
        HclList l when l.Items.All(i => i is HclObject) => l.Items.Cast<HclObject>(),
        _ => throw PolicyParseException.WrongType(source, node.Line, node.Column, null, key, "an object (path \"pattern\" { ... })"),
    };

    private static PolicyRule InterpretPath(HclItem pathItem, string source)
    {
        var key = pathItem.Key;
        var capabilities = new List<HclScalar>();
        HclScalar? legacy = null;
        var unevaluated = new List<string>();
        foreach (var body in ObjectsOf(pathItem.Value, source, $"path \"{key}\""))
        {
            foreach (var item in body.Items)
            {
                switch (item.Key)
                {
                    case "capabilities":
                        if (item.Value is not HclList list || list.Items.Any(i => i is not HclScalar { Value: string }))
                        {
                            throw PolicyParseException.WrongType(source, item.Value.Line, item.Value.Column, key, "capabilities", "a list of strings, e.g. [\"read\", \"list\"]");
                        }

                        capabilities.AddRange(list.Items.Cast<HclScalar>());
                        break;
                    case "policy":
                        legacy = item.Value is HclScalar { Value: string } s
                            ? s
                            : throw PolicyParseException.WrongType(source, item.Value.Line, item.Value.Column, key, "policy", "a string");
                        break;
                    default:
                        if (!PathKeys.Contains(item.Key, StringComparer.Ordinal))
                        {
                            throw PolicyParseException.InvalidKey(source, item.Line, item.Column, key, item.Key, PathKeys);
                        }

                        if (item.Key != "comment")
                        {
                            unevaluated.Add(item.Key);
                        }

                        break;
                }
            }
        }

        var path = key.StartsWith('/') ? key[1..] : key;
        if (path.Contains("+*", StringComparison.Ordinal))
        {
            throw PolicyParseException.PlusStar(source, pathItem.Line, pathItem.Column, path);
        }

        var names = capabilities.Select(c => ((string)c.Value, c.Line, c.Column)).ToList();
        if (legacy is not null)
        {
            var legacyNames = (string)legacy.Value switch
            {
                "deny" => null,
                "read" => new[] { "read", "list" },
                "write" => ["create", "read", "update", "delete", "list"],
                "sudo" => ["create", "read", "update", "delete", "list", "sudo"],
                var other => throw PolicyParseException.InvalidLegacyPolicy(source, legacy.Line, legacy.Column, key, other),
            };
            if (legacyNames is null)
            {
                names = [("deny", legacy.Line, legacy.Column)];
            }
            else
            {
                names.AddRange(legacyNames.Select(n => (n, legacy.Line, legacy.Column)));
            }
        }

        var flags = Capability.None;
        foreach (var (name, line, col) in names)
        {
            if (!CapabilitySet.TryParseName(name, out var c))
            {
                throw PolicyParseException.InvalidCapability(source, line, col, key, name);
            }

            if (c == Capability.Deny)
            {
                // As in Vault: deny ends the list and stands alone; later entries are not looked at.
                flags = Capability.Deny;
                break;
            }

            flags |= c;
        }

        return new PolicyRule(path, new CapabilitySet(flags), pathItem.Line, pathItem.Column)
        {
            UnevaluatedKeys = unevaluated,
        };
    }
}
