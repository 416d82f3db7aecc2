using Sandbox.Harness;
using Sandbox.Harness.Runtimes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox doctor [--json]</c>: which runtimes this machine can run, and for the others what is missing and how to get it.</summary>
internal sealed class DoctorCommand : AsyncCommand<DoctorCommand.Settings>
{
    public sealed class Settings : SandboxSettings
    {
        [System.ComponentModel.Description("List every image a k3d sandbox needs (for 'docker save' on a connected machine and 'sandbox up --images DIR' on an air-gapped one).")]
        [CommandOption("--images")]
        public bool Images { get; init; }
    }

    private readonly IAnsiConsole _console;

    public DoctorCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Images)
        {
            if (settings.Json)
            {
                CliOutput.WriteJson(_console, new { runtime = "k3d", images = RuntimeVersions.K3dImages.Select(i => new { image = i.Image, neededBy = i.NeededBy }) });
            }
            else
            {
                _console.MarkupLine("Images a k3d sandbox needs (docker pull + docker save -o DIR/NAME.tar where a registry is reachable; then sandbox up --runtime k3d --images DIR):");
                foreach (var (image, neededBy) in RuntimeVersions.K3dImages)
                {
                    _console.MarkupLine($"  {Markup.Escape(image)}  — {Markup.Escape(neededBy)}");
                }
            }

            return (int)ExitCode.Ok;
        }

        var manager = new SandboxManager(home: settings.Home);
        var results = await manager.PreflightAllAsync(new SandboxOptions(), cancellationToken).ConfigureAwait(false);
        var auto = results.FirstOrDefault(r => r.Usable)?.Runtime;
        if (settings.Json)
        {
            CliOutput.WriteJson(_console, new
            {
                auto = auto is null ? null : CliOutput.RuntimeName(auto.Value),
                runtimes = results.Select(r => new
                {
                    runtime = CliOutput.RuntimeName(r.Runtime),
                    usable = r.Usable,
                    found = r.Found,
                    missing = r.Problems.Select(p => new { what = p.What, detail = p.Detail, howToGet = p.HowToGet }),
                }),
            });
        }
        else
        {
            foreach (var r in results)
            {
                _console.MarkupLine($"{(r.Usable ? "[green]USABLE[/]    " : "[red]NOT USABLE[/]")} {CliOutput.RuntimeName(r.Runtime)}");
                foreach (var f in r.Found)
                {
                    _console.MarkupLine($"    found:   {Markup.Escape(f)}");
                }

                foreach (var p in r.Problems)
                {
                    _console.MarkupLine($"    missing: {Markup.Escape(p.What)} — {Markup.Escape(p.Detail)}");
                    _console.MarkupLine($"             how to get it: {Markup.Escape(p.HowToGet)}");
                }
            }

            _console.MarkupLine(auto is null
                ? "[red]No runtime is usable on this machine.[/]"
                : $"'sandbox up' (--runtime auto) would use: [bold]{CliOutput.RuntimeName(auto.Value)}[/]");
        }

        return (int)(auto is null ? ExitCode.PreflightFailed : ExitCode.Ok);
    }
}
