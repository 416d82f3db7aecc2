using Sandbox.Cli;
using Spectre.Console;

return await SandboxApp.RunAsync(args, AnsiConsole.Console, Console.Error);
