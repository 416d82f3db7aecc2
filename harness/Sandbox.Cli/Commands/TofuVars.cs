namespace Sandbox.Cli.Commands;

/// <summary>Parses <c>--var NAME=VALUE</c> options (the value itself never appears in a message: it may be a secret).</summary>
internal static class TofuVars
{
    /// <summary>Returns an error message, or null with the parsed pairs.</summary>
    public static string? Parse(IReadOnlyList<string> given, out List<KeyValuePair<string, string>> vars)
    {
        vars = [];
        foreach (var v in given)
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"--var needs NAME=VALUE (found no '=' in the value of --var number {vars.Count + 1})";
            }

            vars.Add(new(v[..eq], v[(eq + 1)..]));
        }

        return null;
    }
}
