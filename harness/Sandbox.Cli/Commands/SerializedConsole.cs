using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sandbox.Cli.Commands;

/// <summary>
/// A console that several tasks may write to at once (rehearse's two sides running their suites together):
/// each write is whole, never interleaved with another's. Everything else is the wrapped console's.
/// </summary>
internal sealed class SerializedConsole(IAnsiConsole inner) : IAnsiConsole
{
    private readonly Lock _gate = new();

    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home)
    {
        lock (_gate)
        {
            inner.Clear(home);
        }
    }

    public void Write(IRenderable renderable)
    {
        lock (_gate)
        {
            inner.Write(renderable);
        }
    }

    public void WriteAnsi(Action<AnsiWriter> action)
    {
        lock (_gate)
        {
            inner.WriteAnsi(action);
        }
    }
}
