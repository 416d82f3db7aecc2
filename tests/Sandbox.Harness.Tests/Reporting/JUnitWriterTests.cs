using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

[TestFixture]
public sealed class JUnitWriterTests
{
    /// <summary>
    /// The shape CI servers (Jenkins, GitLab, GitHub test reporters) read, written out as a
    /// schema: testsuites/testsuite/(properties?)/testcase/(failure?, system-out?).
    /// </summary>
    private const string Schema = """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:element name="testsuites">
            <xs:complexType>
              <xs:sequence><xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
              <xs:attribute name="name" type="xs:string"/>
              <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
              <xs:attribute name="time" type="xs:decimal"/>
            </xs:complexType>
          </xs:element>
          <xs:element name="testsuite">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="properties" minOccurs="0">
                  <xs:complexType><xs:sequence>
                    <xs:element name="property" maxOccurs="unbounded">
                      <xs:complexType>
                        <xs:attribute name="name" type="xs:string" use="required"/>
                        <xs:attribute name="value" type="xs:string" use="required"/>
                      </xs:complexType>
                    </xs:element>
                  </xs:sequence></xs:complexType>
                </xs:element>
                <xs:element name="testcase" minOccurs="0" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:sequence>
                      <xs:element name="failure" minOccurs="0">
                        <xs:complexType><xs:simpleContent><xs:extension base="xs:string">
                          <xs:attribute name="message" type="xs:string"/>
                          <xs:attribute name="type" type="xs:string"/>
                        </xs:extension></xs:simpleContent></xs:complexType>
                      </xs:element>
                      <xs:element name="system-out" type="xs:string" minOccurs="0"/>
                    </xs:sequence>
                    <xs:attribute name="name" type="xs:string" use="required"/>
                    <xs:attribute name="classname" type="xs:string" use="required"/>
                    <xs:attribute name="time" type="xs:decimal" use="required"/>
                  </xs:complexType>
                </xs:element>
              </xs:sequence>
              <xs:attribute name="name" type="xs:string" use="required"/>
              <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="errors" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
              <xs:attribute name="time" type="xs:decimal" use="required"/>
              <xs:attribute name="timestamp" type="xs:dateTime"/>
              <xs:attribute name="hostname" type="xs:string"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """;

    private static void Validate(string xml)
    {
        var schemas = new XmlSchemaSet();
        using (var schemaReader = XmlReader.Create(new StringReader(Schema)))
        {
            schemas.Add(null, schemaReader);
        }

        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => throw new AssertionException($"junit.xml is not the usual shape: {e.Message} (line {e.Exception?.LineNumber})");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read())
        {
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public void ToXml_GroupsBySuiteAndMarksFailures(CancellationToken cancellationToken)
    {
        var results = new[] { SampleRuns.SealedRestart(), SampleRuns.SealedRestart("sealed-restart/graceful"), SampleRuns.LeaseExpiry(passed: false) };

        var xml = JUnitWriter.ToXml(results, "sandbox drill all", new Dictionary<string, string> { ["vault.kind"] = "double" }, "build-host");

        Validate(xml);
        var doc = XDocument.Parse(xml);
        var suites = doc.Root!.Elements("testsuite").ToList();
        var failure = doc.Descendants("failure").Single();
        Assert.Multiple(() =>
        {
            Assert.That(doc.Root.Name.LocalName, Is.EqualTo("testsuites"));
            Assert.That((int)doc.Root.Attribute("tests")!, Is.EqualTo(3));
            Assert.That((int)doc.Root.Attribute("failures")!, Is.EqualTo(1));
            Assert.That(suites.Select(s => (string)s.Attribute("name")!), Is.EqualTo(new[] { "sealed-restart", "lease-expiry" }));
            Assert.That((int)suites[0].Attribute("tests")!, Is.EqualTo(2));
            Assert.That((int)suites[0].Attribute("failures")!, Is.Zero);
            Assert.That((string)suites[0].Attribute("hostname")!, Is.EqualTo("build-host"));
            Assert.That(suites[0].Element("properties")!.Element("property")!.Attribute("value")!.Value, Is.EqualTo("double"));
            Assert.That((string)suites[0].Elements("testcase").First().Attribute("time")!, Is.EqualTo("10.100"));
            Assert.That((string)failure.Parent!.Attribute("name")!, Is.EqualTo("lease-expiry/sealed-expiry"));
            Assert.That((string)failure.Attribute("message")!, Does.StartWith("lease revocation lag 1.8 s exceeded 1.0 s < & > \"quoted\""));
            Assert.That(doc.Descendants("system-out").First().Value, Does.Contain("timing time_sealed = 4500 ms").And.Contain("fault: kill -9"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void ToXml_WithControlCharactersAndMarkup_StaysWellFormed(CancellationToken cancellationToken)
    {
        var nasty = SampleRuns.SealedRestart("<x>&\"y\"\u0001\u0000]]>", passed: false) with { FailureMessage = "bad \u0007 bell ]]> <b>" };

        var xml = JUnitWriter.ToXml([nasty]);

        Validate(xml);
        var testcase = XDocument.Parse(xml).Descendants("testcase").Single();
        Assert.Multiple(() =>
        {
            Assert.That((string)testcase.Attribute("name")!, Does.StartWith("<x>&\"y\""));
            Assert.That(testcase.Element("failure")!.Value, Does.Contain("]]> <b>"));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void ToXml_WithNoResults_IsAnEmptyButValidDocument(CancellationToken cancellationToken)
    {
        var xml = JUnitWriter.ToXml([]);

        Validate(xml);
        Assert.That((int)XDocument.Parse(xml).Root!.Attribute("tests")!, Is.Zero);
    }
}
