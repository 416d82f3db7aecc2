using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Internal;

/// <summary>
/// Loads YAML text for every loader of user input (topology, overlays, change files, denylist, NO-GO rules).
/// Every syntax problem comes out as a <see cref="YamlException"/> with a position, which each loader turns
/// into its own typed error: also the inputs on which YamlDotNet itself fails with another exception
/// (under fuzzing, an unterminated flow collection or a key-less <c>:</c> made it throw
/// <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>). Those are reported at the
/// last position the parser reached, and every mapping key is checked to be a plain scalar.
/// </summary>
internal static class YamlDocuments
{
    /// <summary>Parses <paramref name="text"/> into a stream of documents.</summary>
    /// <param name="text">The YAML.</param>
    /// <exception cref="YamlException">The text is not YAML the loaders can read; <see cref="YamlException.Start"/> is where.</exception>
    public static YamlStream Load(string text)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidCastException or IndexOutOfRangeException
            or KeyNotFoundException or NullReferenceException or FormatException or OverflowException)
        {
            throw new YamlException(parser.LastEnd, parser.LastEnd, "the YAML cannot be read after this point (an unclosed '[', '{' or quote, or a ':' without a key)", e);
        }

        foreach (var document in stream.Documents)
        {
            CheckKeys(document.RootNode);
        }

        return stream;
    }

    private static void CheckKeys(YamlNode root)
    {
        // Iterative, over distinct nodes: aliases make the model a graph, and a deep one must not overflow the stack.
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<YamlNode>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (!seen.Add(node))
            {
                continue;
            }

            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        if (key is not YamlScalarNode)
                        {
                            throw new YamlException(key.Start, key.End, "a key is a list or a mapping; keys must be plain names (key: value)");
                        }

                        pending.Push(value);
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence.Children)
                    {
                        pending.Push(item);
                    }

                    break;
            }
        }
    }

    /// <summary>Passes the events on and remembers where the last one ended.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark LastEnd { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current)
            {
                LastEnd = current.End;
            }

            return moved;
        }
    }
}
