namespace Sandbox.Harness.Topology;

/// <summary>A policy template file with <c>{{app}}</c> placeholders.</summary>
/// <param name="File">The template's full path.</param>
/// <param name="Text">The template text.</param>
internal sealed record PolicyTemplate(string File, string Text)
{
    /// <summary>The text with every <c>{{app}}</c> replaced by the slug.</summary>
    /// <param name="slug">The app slug.</param>
    /// <returns>The policy text for that app.</returns>
    public string Render(string slug) => Text.Replace("{{app}}", slug, StringComparison.Ordinal);
}
