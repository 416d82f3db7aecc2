using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tofu.Internal;

/// <summary>A declared item and the file it is in.</summary>
internal sealed record Declared<T>(string File, T Block);

/// <summary>The parsed <c>.tf</c> files of one module folder, indexed by what they declare.</summary>
internal sealed class ModuleSource
{
    public ModuleSource(string dir, IReadOnlyList<HclFile> files)
    {
        Dir = dir;
        foreach (var file in files)
        {
            foreach (var attr in file.Body.Attributes)
            {
                throw TofuException.At(file.Path, attr.Pos.Line, attr.Pos.Column, $"\"{attr.Name} = ...\" at the top level of a .tf file",
                    "put it inside a block (locals { ... }, a resource, a module call).");
            }

            foreach (var block in file.Body.Blocks)
            {
                var label0 = block.Labels.Count > 0 ? block.Labels[0] : "";
                switch (block.Type)
                {
                    case "variable":
                        Add(Variables, label0, new Declared<HclBlock>(file.Path, block), "variable", block, 1);
                        break;
                    case "locals":
                        foreach (var attr in block.Body.Attributes)
                        {
                            if (Locals.TryGetValue(attr.Name, out var first))
                            {
                                throw TofuException.At(file.Path, attr.Pos.Line, attr.Pos.Column,
                                    $"local \"{attr.Name}\" is defined twice (first at {first.File}:{first.Block.Pos.Line})", "keep one definition.");
                            }

                            Locals[attr.Name] = new Declared<HclAttribute>(file.Path, attr);
                        }

                        break;
                    case "resource":
                        Add(Resources, block.Labels.Count == 2 ? $"{block.Labels[0]}.{block.Labels[1]}" : "", new Declared<HclBlock>(file.Path, block), "resource", block, 2);
                        break;
                    case "module":
                        Add(ModuleCalls, label0, new Declared<HclBlock>(file.Path, block), "module", block, 1);
                        break;
                    case "output":
                        Add(Outputs, label0, new Declared<HclBlock>(file.Path, block), "output", block, 1);
                        break;
                    default:
                        Other.Add((file.Path, block));
                        break;
                }
            }
        }
    }

    public string Dir { get; }

    public Dictionary<string, Declared<HclBlock>> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Declared<HclAttribute>> Locals { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Declared<HclBlock>> Resources { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Declared<HclBlock>> ModuleCalls { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Declared<HclBlock>> Outputs { get; } = new(StringComparer.Ordinal);

    public List<(string File, HclBlock Block)> Other { get; } = [];

    private static void Add(Dictionary<string, Declared<HclBlock>> map, string key, Declared<HclBlock> item, string what, HclBlock block, int labels)
    {
        if (block.Labels.Count != labels)
        {
            throw TofuException.At(item.File, block.Pos.Line, block.Pos.Column, $"a {what} block needs {labels} label{(labels == 1 ? "" : "s")}, found {block.Labels.Count}",
                what == "resource" ? "write resource \"type\" \"name\" { ... }." : $"write {what} \"name\" {{ ... }}.");
        }

        if (map.TryGetValue(key, out var first))
        {
            throw TofuException.At(item.File, block.Pos.Line, block.Pos.Column, $"{what} \"{key}\" is declared twice (first at {first.File}:{first.Block.Pos.Line})",
                "give each one its own name.");
        }

        map[key] = item;
    }
}
