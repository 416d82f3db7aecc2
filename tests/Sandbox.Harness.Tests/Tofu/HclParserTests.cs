using NUnit.Framework;
using Sandbox.Harness.Tofu;
using Sandbox.Harness.Tofu.Hcl;

namespace Sandbox.Harness.Tests.Tofu;

[TestFixture]
public sealed class HclParserTests
{
    private static HclBody Parse(string text) => HclParser.Parse(text, "main.tf").Body;

    [Test]
    public void Parse_BlocksAttributesAndComments_KeepsStructureAndPositions()
    {
        var body = Parse("""
            # a comment
            resource "vault_mount" "kv" { // trailing
              path = "kvv2" /* inline */
              options = { version = "2", "a-b" = 1 }

              nested {
                x = [1, 2.5, true, null]
              }
            }
            """);

        var block = body.Blocks.Single();
        Assert.That(block.Type, Is.EqualTo("resource"));
        Assert.That(block.Labels, Is.EqualTo(new[] { "vault_mount", "kv" }));
        Assert.That(block.Pos.Line, Is.EqualTo(2));
        var path = block.Body.Attribute("path")!;
        Assert.That(((HclTemplate)path.Expr).Parts.Cast<HclLiteral>().Single().Value, Is.EqualTo("kvv2"));
        Assert.That(path.Pos, Is.EqualTo(new HclPos(path.Pos.Offset, 3, 3)));
        var options = (HclObject)block.Body.Attribute("options")!.Expr;
        Assert.That(options.Items.Select(i => i.BareKey), Is.EqualTo(new[] { "version", null }));
        var nested = block.Body.Blocks.Single();
        Assert.That(((HclTuple)nested.Body.Attribute("x")!.Expr).Items.Cast<HclLiteral>().Select(l => l.Value), Is.EqualTo(new object?[] { 1.0, 2.5, true, null }));
    }

    [Test]
    public void Parse_InterpolationAndEscapes_SplitsTheTemplate()
    {
        var expr = (HclTemplate)Parse("a = \"x-${var.name}-\\\"q\\\"-$${literal}\"\n").Attribute("a")!.Expr;

        Assert.That(expr.Parts, Has.Count.EqualTo(3));
        Assert.That(((HclLiteral)expr.Parts[0]).Value, Is.EqualTo("x-"));
        Assert.That(expr.Parts[1], Is.InstanceOf<HclGetAttr>());
        Assert.That(((HclLiteral)expr.Parts[2]).Value, Is.EqualTo("-\"q\"-${literal}"));
    }

    [Test]
    public void Parse_IndentedHeredoc_RemovesTheCommonIndentation()
    {
        var body = Parse("p = <<-EOT\n    path \"a\" {\n      capabilities = [\"read\"]\n    }\n  EOT\nq = 1\n");

        var text = ((HclLiteral)((HclTemplate)body.Attribute("p")!.Expr).Parts.Single()).Value;
        Assert.That(text, Is.EqualTo("path \"a\" {\n  capabilities = [\"read\"]\n}\n"));
        Assert.That(body.Attribute("q"), Is.Not.Null);
    }

    [Test]
    public void Parse_OperatorsConditionalsAndFor_FollowHclPrecedence()
    {
        var body = Parse("""
            a = 1 + 2 * 3 == 7 ? "yes" : "no"
            b = [for k, v in var.m : "${k}=${v}" if v != ""]
            c = {for s in var.apps : s => upper(s)...}
            d = var.list[0].name
            e = var.list[*].name
            f = concat(var.a, var.b...)
            """);

        var a = (HclConditional)body.Attribute("a")!.Expr;
        var eq = (HclBinary)a.Condition;
        Assert.That(eq.Op, Is.EqualTo("=="));
        Assert.That(((HclBinary)eq.Left).Op, Is.EqualTo("+"));
        Assert.That(((HclBinary)((HclBinary)eq.Left).Right).Op, Is.EqualTo("*"));
        var b = (HclFor)body.Attribute("b")!.Expr;
        Assert.That((b.KeyVar, b.ValueVar, b.Condition is not null), Is.EqualTo(("k", "v", true)));
        Assert.That(((HclFor)body.Attribute("c")!.Expr).Grouping, Is.True);
        Assert.That(body.Attribute("e")!.Expr, Is.InstanceOf<HclSplat>());
        Assert.That(((HclCall)body.Attribute("f")!.Expr).ExpandLast, Is.True);
    }

    [TestCase("resource \"a\" \"b\" {\n  path = \"kvv2\n}\n", 2, 10, "never closed before the end of the line")]
    [TestCase("locals {\n  a = [1, 2\n  b = 3\n}\n", 3, 3, "expected ',' or ']'")]
    [TestCase("locals {\n  a = 1\n", 3, 1, "never closed")]
    [TestCase("resource \"a\" \"b\" {\n  path = \n}\n", 2, 10, "expected an expression")]
    [TestCase("locals {\n  a = 1 b = 2\n}\n", 2, 9, "unexpected 'b'")]
    [TestCase("locals {\n  p = <<EOT\nno end\n}\n", 2, 7, "never closed")]
    [TestCase("locals {\n  a = \"\\q\"\n}\n", 2, 8, "invalid escape")]
    [TestCase("locals {\n  a = 1\n  a = 2\n}\n", 3, 3, "set twice")]
    public void Parse_SyntaxError_NamesFileLineColumnAndTheFix(string text, int line, int column, string problem)
    {
        var ex = Assert.Throws<TofuException>(() => HclParser.Parse(text, "bad.tf"))!;

        Assert.That(ex.Message, Does.StartWith($"bad.tf:{line}:{column}: HCL syntax error:"));
        Assert.That(ex.Problem, Does.Contain(problem));
        Assert.That(ex.Fix, Is.Not.Empty);
        Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
    }
}
