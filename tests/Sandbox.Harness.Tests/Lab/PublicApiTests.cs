using System.Reflection;
using System.Xml.Linq;
using NUnit.Framework;
using Sandbox.Harness.Lab;

namespace Sandbox.Harness.Tests.Lab;

/// <summary>
/// The library's public surface is the <c>Sandbox.Harness.Lab</c> namespace plus the types its
/// members hand out or throw; everything else is internal. Adding a public type is a decision
/// (this list, <c>PublicAPI.Unshipped.txt</c> and docs/library.md change with it), never an accident.
/// </summary>
[TestFixture]
public sealed class PublicApiTests
{
    private static readonly Assembly Library = typeof(VaultSandboxBuilder).Assembly;

    private static readonly string[] Approved =
    [
        "Sandbox.Harness.ExitCode",
        "Sandbox.Harness.Guard.DenylistException",
        "Sandbox.Harness.Guard.GuardBlockedException",
        "Sandbox.Harness.Guard.GuardDecision",
        "Sandbox.Harness.Keys.KeyFileException",
        "Sandbox.Harness.Keys.KeyFileProblem",
        "Sandbox.Harness.Lab.RunDescription",
        "Sandbox.Harness.Lab.ScenarioRecorder",
        "Sandbox.Harness.Lab.VaultSandbox",
        "Sandbox.Harness.Lab.VaultSandboxBuilder",
        "Sandbox.Harness.Lab.VaultSandboxGuard",
        "Sandbox.Harness.Reporting.EvidencePackResult",
        "Sandbox.Harness.Runtimes.PostgresEndpoint",
        "Sandbox.Harness.Runtimes.RuntimeKind",
        "Sandbox.Harness.Runtimes.SandboxNameException",
        "Sandbox.Harness.Runtimes.SandboxOptionsException",
        "Sandbox.Harness.Runtimes.SandboxPreflightException",
        "Sandbox.Harness.Runtimes.SandboxRuntimeException",
        "Sandbox.Harness.Runtimes.VaultFlavor",
        "Sandbox.Harness.Runtimes.VaultKind",
        "Sandbox.Harness.SandboxException",
        "Sandbox.Harness.Topology.TopologyException",
        "Sandbox.Harness.Vault.Models.AclPolicy",
        "Sandbox.Harness.Vault.Models.DatabaseCredentials",
        "Sandbox.Harness.Vault.Models.Kv2Secret",
        "Sandbox.Harness.Vault.Models.Kv2VersionMetadata",
        "Sandbox.Harness.Vault.Models.LeaseInfo",
        "Sandbox.Harness.Vault.Models.LeaseRenewal",
        "Sandbox.Harness.Vault.Models.MountRequest",
        "Sandbox.Harness.Vault.Models.SealStatus",
        "Sandbox.Harness.Vault.Models.TokenLookup",
        "Sandbox.Harness.Vault.VaultApiException",
        "Sandbox.Harness.Vault.VaultClient",
        "Sandbox.Harness.Vault.VaultSealedException",
        "Sandbox.Harness.Vault.VaultUnreachableException",
    ];

    [Test]
    public void TheExportedTypes_AreExactlyTheApprovedSurface()
    {
        var exported = Library.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();

        Assert.That(exported, Is.EqualTo(Approved.Order(StringComparer.Ordinal)), "a type was made public (or internal) without updating the approved surface");
    }

    [Test]
    public void EveryExportedType_IsInTheLabNamespace_OrReachableFromIt()
    {
        // The roots: the Lab's types, and the exceptions its members throw.
        var lab = Library.GetExportedTypes().Where(t => t.Namespace == "Sandbox.Harness.Lab" || typeof(SandboxException).IsAssignableFrom(t)).ToList();
        var reachable = new HashSet<Type>(lab);
        var queue = new Queue<Type>(lab);
        while (queue.TryDequeue(out var type))
        {
            foreach (var used in SignatureTypes(type).Where(t => t.Assembly == Library && reachable.Add(t)))
            {
                queue.Enqueue(used);
            }
        }

        var stray = Library.GetExportedTypes().Where(t => !reachable.Contains(t)).Select(t => t.FullName);
        Assert.That(stray, Is.Empty, "a public type that no Lab member or exception exposes should be internal");
    }

    [Test]
    public void EveryExportedTypeAndPublicMember_HasAnXmlDocComment()
    {
        var xml = Path.ChangeExtension(Library.Location, ".xml");
        Assert.That(File.Exists(xml), Is.True, $"{xml} is the library's documentation file (GenerateDocumentationFile)");
        var documented = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Elements().Any(e => !string.IsNullOrWhiteSpace(e.Value) || e.Name == "inheritdoc"))
            .Select(m => (string)m.Attribute("name")!).ToHashSet(StringComparer.Ordinal);

        var missing = new List<string>();
        foreach (var type in Library.GetExportedTypes())
        {
            Require(DocId('T', type, null), documented, missing);
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(Flags))
            {
                if (member is MethodInfo { IsSpecialName: true } || IsCompilerMade(type, member))
                {
                    continue;
                }

                var id = member switch
                {
                    ConstructorInfo c => DocId('M', type, "#ctor" + Parameters(c)),
                    MethodInfo m => DocId('M', type, m.Name + (m.IsGenericMethod ? "``" + m.GetGenericArguments().Length : string.Empty) + Parameters(m)),
                    PropertyInfo p => DocId('P', type, p.Name),
                    FieldInfo f => DocId('F', type, f.Name),
                    EventInfo e => DocId('E', type, e.Name),
                    _ => null,
                };
                if (id is not null)
                {
                    Require(id, documented, missing);
                }
            }
        }

        Assert.That(missing, Is.Empty, "every public type and member of the library carries an XML doc comment");
    }

    private static void Require(string id, HashSet<string> documented, List<string> missing)
    {
        if (!documented.Contains(id))
        {
            missing.Add(id);
        }
    }

    private static bool IsCompilerMade(Type type, MemberInfo member)
    {
        if (member.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
        {
            return true;
        }

        // Records: Equals, GetHashCode, PrintMembers, Deconstruct and the copy constructor are the
        // compiler's, documented by the language; so is the default constructor of a type that
        // declares none (a model with init-only properties).
        var isRecord = type.GetMethod("<Clone>$") is not null;
        return (isRecord && member.Name is "Equals" or "GetHashCode" or "Deconstruct" or "PrintMembers" or "<Clone>$" or "EqualityContract")
            || (isRecord && member is ConstructorInfo c && IsCopyConstructor(type, c))
            || (type.IsEnum && member.Name == "value__")
            || (member is ConstructorInfo { IsStatic: false } ctor && ctor.GetParameters().Length == 0 && !type.GetConstructors().Any(other => other.GetParameters().Length > 0 && !IsCopyConstructor(type, other)));
    }

    private static bool IsCopyConstructor(Type type, ConstructorInfo constructor) =>
        constructor.GetParameters() is [{ } only] && only.ParameterType == type;

    private static string DocId(char kind, Type type, string? member) =>
        $"{kind}:{TypeId(type)}" + (member is null ? string.Empty : "." + member);

    private static string TypeId(Type type) => type.FullName!.Replace('+', '.');

    private static string Parameters(MethodBase method)
    {
        var parameters = method.GetParameters();
        return parameters.Length == 0 ? string.Empty : "(" + string.Join(",", parameters.Select(p => ParameterId(p.ParameterType))) + ")";
    }

    private static string ParameterId(Type type)
    {
        if (type.IsByRef)
        {
            return ParameterId(type.GetElementType()!) + "@";
        }

        if (type.IsArray)
        {
            return ParameterId(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericParameter)
        {
            return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition().FullName!;
            return definition[..definition.IndexOf('`', StringComparison.Ordinal)].Replace('+', '.') + "{" + string.Join(",", type.GetGenericArguments().Select(ParameterId)) + "}";
        }

        return TypeId(type);
    }

    private static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            types.Add(baseType);
        }

        foreach (var member in type.GetMembers(Flags))
        {
            switch (member)
            {
                case MethodBase m:
                    types.AddRange(m.GetParameters().Select(p => p.ParameterType));
                    if (m is MethodInfo mi)
                    {
                        types.Add(mi.ReturnType);
                    }

                    break;
                case PropertyInfo p:
                    types.Add(p.PropertyType);
                    break;
                case FieldInfo f:
                    types.Add(f.FieldType);
                    break;
            }
        }

        return types.SelectMany(Unwrap);
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            return Unwrap(type.GetElementType()!);
        }

        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Append(type.GetGenericTypeDefinition()) : [type];
    }
}
