using System.Globalization;
using System.Text;
using System.Xml;
using Sandbox.Harness.Reporting.Internal;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// Writes <c>junit.xml</c> (the common Ant/Jenkins/GitLab shape:
/// <c>testsuites/testsuite/testcase/failure</c>) from <see cref="ScenarioResult"/>s, for runs
/// that are not NUnit tests: chaos rounds, rehearse verdicts, and the drill's composed pack.
/// </summary>
internal static class JUnitWriter
{
    /// <summary>The suite name used for results without <see cref="ScenarioResult.Suite"/>.</summary>
    public const string DefaultSuite = "sandbox";

    /// <summary>Renders the XML document.</summary>
    /// <param name="results">The results; grouped into one testsuite per <see cref="ScenarioResult.Suite"/>.</param>
    /// <param name="runName">The testsuites element's name.</param>
    /// <param name="properties">Properties for every testsuite (runtime, Vault kind, seed). Optional.</param>
    /// <param name="hostname">The host name for every testsuite. Optional.</param>
    /// <returns>The UTF-8 XML text.</returns>
    public static string ToXml(
        IEnumerable<ScenarioResult> results,
        string runName = DefaultSuite,
        IReadOnlyDictionary<string, string>? properties = null,
        string? hostname = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var all = results.ToList();
        var settings = new XmlWriterSettings
        {
            Indent = true,
            Encoding = new UTF8Encoding(false),
            OmitXmlDeclaration = false,
        };
        var builder = new StringBuilder();
        using (var stringWriter = new Utf8StringWriter(builder))
        using (var xml = XmlWriter.Create(stringWriter, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuites");
            xml.WriteAttributeString("name", MarkupText.Clean(runName));
            xml.WriteAttributeString("tests", Count(all.Count));
            xml.WriteAttributeString("failures", Count(all.Count(r => !r.Passed)));
            xml.WriteAttributeString("errors", "0");
            xml.WriteAttributeString("time", Seconds(all.Sum(r => r.DurationMs)));

            foreach (var suite in all.GroupBy(r => r.Suite ?? DefaultSuite, StringComparer.Ordinal))
            {
                WriteSuite(xml, suite.Key, [.. suite], properties, hostname);
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return builder.ToString();
    }

    /// <summary>Writes <see cref="ToXml"/>'s document to <paramref name="path"/>.</summary>
    /// <param name="path">Where to write, usually <c>&lt;report&gt;/junit.xml</c>.</param>
    /// <param name="results">The results.</param>
    /// <param name="runName">The testsuites element's name.</param>
    /// <param name="properties">Properties for every testsuite. Optional.</param>
    /// <param name="hostname">The host name. Optional.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static Task WriteAsync(
        string path,
        IEnumerable<ScenarioResult> results,
        string runName = DefaultSuite,
        IReadOnlyDictionary<string, string>? properties = null,
        string? hostname = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return File.WriteAllTextAsync(path, ToXml(results, runName, properties, hostname), new UTF8Encoding(false), cancellationToken);
    }

    private static void WriteSuite(
        XmlWriter xml,
        string name,
        IReadOnlyList<ScenarioResult> results,
        IReadOnlyDictionary<string, string>? properties,
        string? hostname)
    {
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", MarkupText.Clean(name));
        xml.WriteAttributeString("tests", Count(results.Count));
        xml.WriteAttributeString("failures", Count(results.Count(r => !r.Passed)));
        xml.WriteAttributeString("errors", "0");
        xml.WriteAttributeString("skipped", "0");
        xml.WriteAttributeString("time", Seconds(results.Sum(r => r.DurationMs)));
        if (results.Count > 0)
        {
            xml.WriteAttributeString("timestamp", results.Min(r => r.StartedAt).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(hostname))
        {
            xml.WriteAttributeString("hostname", MarkupText.Clean(hostname));
        }

        if (properties is { Count: > 0 })
        {
            xml.WriteStartElement("properties");
            foreach (var (key, value) in properties)
            {
                xml.WriteStartElement("property");
                xml.WriteAttributeString("name", MarkupText.Clean(key));
                xml.WriteAttributeString("value", MarkupText.Clean(SecretFilter.Redact(value, out _)));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        foreach (var result in results)
        {
            xml.WriteStartElement("testcase");
            xml.WriteAttributeString("name", MarkupText.Clean(result.Name));
            xml.WriteAttributeString("classname", MarkupText.Clean(name));
            xml.WriteAttributeString("time", Seconds(result.DurationMs));
            if (!result.Passed)
            {
                var message = MarkupText.Clean(SecretFilter.Redact(result.FailureMessage ?? "failed without a message", out _));
                var firstLine = message.Split('\n', 2)[0].TrimEnd('\r');
                xml.WriteStartElement("failure");
                xml.WriteAttributeString("message", firstLine.Length > 500 ? firstLine[..500] : firstLine);
                xml.WriteAttributeString("type", "ScenarioFailed");
                xml.WriteString(message);
                xml.WriteEndElement();
            }

            var output = Describe(result);
            if (output.Length > 0)
            {
                xml.WriteElementString("system-out", output);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static string Describe(ScenarioResult result)
    {
        var text = new StringBuilder();
        foreach (var (timing, ms) in result.Timings.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"timing {timing} = {ms:0.###} ms\n");
        }

        foreach (var e in result.Events)
        {
            text.Append(CultureInfo.InvariantCulture, $"[+{e.OffsetMs / 1000:0.000}s] {e.Kind.ToString().ToLowerInvariant()}: {e.Text}\n");
        }

        return MarkupText.Clean(SecretFilter.Redact(text.ToString(), out _));
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double ms) => (ms / 1000).ToString("0.000", CultureInfo.InvariantCulture);

    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
