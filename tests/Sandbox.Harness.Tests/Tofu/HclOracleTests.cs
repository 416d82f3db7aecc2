using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Tofu;
using Sandbox.Harness.Tofu.Hcl;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Tofu;

/// <summary>
/// The harness's own HCL reader against HashiCorp's HCL library (the npm package @cdktf/hcl2json,
/// HCL compiled to WebAssembly, pinned in tests/hcl-oracle/package-lock.json): every .tf file of the
/// tests and of the fixtures must parse to the same structure. hcl2json's shape: blocks nest by
/// type and labels into lists of bodies; literals are values; any other expression is its source
/// text in <c>${...}</c>; template text keeps its <c>$${</c> and <c>%%{</c> escapes.
/// </summary>
[TestFixture]
[Category("Node")]
public sealed class HclOracleTests
{
    private static string OracleFolder => Path.Combine(TofuWorkspace.RepoRoot, "tests", "hcl-oracle");

    private static IEnumerable<string> TfFiles() =>
        new[] { Path.Combine(TofuWorkspace.RepoRoot, "fixtures", "tofu"), Path.Combine(TofuWorkspace.RepoRoot, "tests", "Sandbox.Harness.Tests", "Tofu", "hcl-corpus") }
            .SelectMany(d => Directory.GetFiles(d, "*.tf", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);

    [Test]
    [CancelAfter(120_000)]
    public async Task EveryTfFile_ParsesToTheStructureHashiCorpsParserGives(CancellationToken cancellationToken)
    {
        Requires.Tool("node", "apt-get install -y nodejs npm (scripts/setup-machine.sh does it)");
        Requires.That(Directory.Exists(Path.Combine(OracleFolder, "node_modules", "@cdktf", "hcl2json")),
            "the npm package @cdktf/hcl2json in tests/hcl-oracle", "cd tests/hcl-oracle && npm ci (scripts/setup-machine.sh does it)");
        var files = TfFiles().ToArray();
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(9), "the fixture tools repository and the syntax corpus");

        var result = await Cli.Wrap("node").WithArguments(["oracle.js", .. files]).WithWorkingDirectory(OracleFolder)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        var oracle = JsonNode.Parse(result.StandardOutput)!.AsObject();

        foreach (var file in files)
        {
            var expected = oracle[file];
            Assert.That(expected?["error"], Is.Null, $"HashiCorp's parser refuses {file}: {expected?["error"]}");
            var ours = ToJson(HclParser.Parse(await File.ReadAllTextAsync(file, cancellationToken), file));
            var diff = Difference(expected, ours, "$");
            Assert.That(diff, Is.Null, $"{Path.GetRelativePath(TofuWorkspace.RepoRoot, file)}: {diff}");
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ASyntaxErrorThatHashiCorpsParserRefuses_OurReaderRefusesAtTheSameLine(CancellationToken cancellationToken)
    {
        Requires.Tool("node", "apt-get install -y nodejs npm (scripts/setup-machine.sh does it)");
        Requires.That(Directory.Exists(Path.Combine(OracleFolder, "node_modules", "@cdktf", "hcl2json")),
            "the npm package @cdktf/hcl2json in tests/hcl-oracle", "cd tests/hcl-oracle && npm ci (scripts/setup-machine.sh does it)");
        using var ws = new TofuWorkspace();
        var cases = new[]
        {
            ws.Write("a.tf", "locals {\n  a = [1, 2\n  b = 3\n}\n"),
            ws.Write("b.tf", "resource \"x\" \"y\" {\n  path = \"open\n}\n"),
            ws.Write("c.tf", "locals {\n  a = 1 b = 2\n}\n"),
        };

        var result = await Cli.Wrap("node").WithArguments(["oracle.js", .. cases]).WithWorkingDirectory(OracleFolder)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        var oracle = JsonNode.Parse(result.StandardOutput)!.AsObject();

        foreach (var file in cases)
        {
            var error = oracle[file]?["error"]?.GetValue<string>();
            Assert.That(error, Is.Not.Null, $"HashiCorp's parser accepts {file}");
            var ours = Assert.Throws<TofuException>(() => HclParser.Parse(File.ReadAllText(file), file))!;
            Assert.That(error, Does.Contain($":{ours.Line},"), $"same line as ours ({ours.Message})");
        }
    }

    // ---- our AST in hcl2json's shape ----

    internal static JsonObject ToJson(HclFile file) => Body(file.Body, file.Text);

    private static JsonObject Body(HclBody body, string text)
    {
        var o = new JsonObject();
        foreach (var a in body.Attributes)
        {
            o[a.Name] = Expr(a.Expr, text);
        }

        foreach (var b in body.Blocks)
        {
            JsonNode parent = o;
            var key = b.Type;
            foreach (var label in b.Labels)
            {
                var container = (JsonObject)parent;
                container[key] ??= new JsonObject();
                parent = container[key]!;
                key = label;
            }

            var holder = (JsonObject)parent;
            holder[key] ??= new JsonArray();
            ((JsonArray)holder[key]!).Add(Body(b.Body, text));
        }

        return o;
    }

    private static string Source(HclExpr e, string text) => "${" + text[e.Start.Offset..e.End] + "}";

    private static string Escape(string literal) =>
        literal.Replace("${", "$${", StringComparison.Ordinal).Replace("%{", "%%{", StringComparison.Ordinal);

    private static JsonNode? Expr(HclExpr e, string text) => e switch
    {
        HclLiteral l => Value(l.Value),
        HclUnary { Operand: HclLiteral { Value: double d }, Op: "-" } => JsonValue.Create(-d),
        HclUnary { Operand: HclLiteral { Value: bool b }, Op: "!" } => JsonValue.Create(!b),
        HclTemplate { IsHeredoc: false, Parts: [var only] } t when only is not HclLiteral { Value: string } => Expr(only, text),
        HclTemplate t => JsonValue.Create(TemplateText(t, text)),
        HclTuple t => new JsonArray([.. t.Items.Select(i => Expr(i, text))]),
        HclObject o => Object(o, text),
        _ => JsonValue.Create(Source(e, text)),
    };

    private static string TemplateText(HclTemplate t, string text) => string.Concat(t.Parts.Select(p => p switch
    {
        HclLiteral { Value: string s } => Escape(s),
        HclLiteral l => Convert.ToString(l.Value, CultureInfo.InvariantCulture)?.ToLowerInvariant() ?? "",
        HclTemplate inner => TemplateText(inner, text),
        _ => Source(p, text),
    }));

    private static JsonObject Object(HclObject o, string text)
    {
        var result = new JsonObject();
        foreach (var item in o.Items)
        {
            var key = item.BareKey ?? item.Key switch
            {
                HclTemplate t => TemplateText(t, text),
                HclLiteral l => Convert.ToString(l.Value, CultureInfo.InvariantCulture)?.ToLowerInvariant() ?? "null",
                var k => Source(k, text),
            };
            result[key] = Expr(item.Value, text);
        }

        return result;
    }

    private static JsonValue? Value(object? v) => v switch
    {
        null => null,
        string s => JsonValue.Create(s),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        _ => throw new InvalidOperationException(v.GetType().Name),
    };

    /// <summary>Null when equal, else where and how they differ.</summary>
    private static string? Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                return actual is null ? null : $"{path}: expected null, found {actual.ToJsonString()}";
            case JsonObject eo:
                if (actual is not JsonObject ao)
                {
                    return $"{path}: expected an object, found {actual?.ToJsonString()}";
                }

                foreach (var (k, v) in eo)
                {
                    if (!ao.ContainsKey(k))
                    {
                        return $"{path}: missing key {k}";
                    }

                    if (Difference(v, ao[k], $"{path}.{k}") is { } d)
                    {
                        return d;
                    }
                }

                return ao.Select(p => p.Key).FirstOrDefault(k => !eo.ContainsKey(k)) is { } extra ? $"{path}: unexpected key {extra}" : null;
            case JsonArray ea:
                if (actual is not JsonArray aa || aa.Count != ea.Count)
                {
                    return $"{path}: expected {ea.ToJsonString()}, found {actual?.ToJsonString()}";
                }

                for (var i = 0; i < ea.Count; i++)
                {
                    if (Difference(ea[i], aa[i], $"{path}[{i}]") is { } d)
                    {
                        return d;
                    }
                }

                return null;
            default:
                var ev = expected.AsValue();
                if (actual is not JsonValue av)
                {
                    return $"{path}: expected {ev.ToJsonString()}, found {actual?.ToJsonString()}";
                }

                if (ev.GetValueKind() == JsonValueKind.Number && av.GetValueKind() == JsonValueKind.Number)
                {
                    return ev.GetValue<double>() == av.GetValue<double>() ? null : $"{path}: expected {ev}, found {av}";
                }

                return JsonNode.DeepEquals(ev, av) ? null : $"{path}: expected {ev.ToJsonString()}, found {av.ToJsonString()}";
        }
    }
}
