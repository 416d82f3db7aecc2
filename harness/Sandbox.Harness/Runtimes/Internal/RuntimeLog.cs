using Microsoft.Extensions.Logging;

namespace Sandbox.Harness.Runtimes.Internal;

internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Sandbox '{Name}': step {Step} ({Runtime} runtime)")]
    public static partial void Step(ILogger logger, string name, UpStep step, RuntimeKind runtime);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Sandbox '{Name}' is ready at {Address}: {Vault}")]
    public static partial void Ready(ILogger logger, string name, Uri address, VaultFlavor vault);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Sandbox '{Name}': up failed at {Step}; tearing down what it started")]
    public static partial void UpFailed(ILogger logger, string name, UpStep step, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Started {What} as pid {Pid} on {Address}")]
    public static partial void Started(ILogger logger, string what, int pid, string address);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Stopped pid {Pid} ({How})")]
    public static partial void Stopped(ILogger logger, int pid, string how);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Port {Port} was taken when Vault started; retrying on another port (attempt {Attempt})")]
    public static partial void PortClash(ILogger logger, int port, int attempt);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Sandbox '{Name}' removed")]
    public static partial void Removed(ILogger logger, string name);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Sweep: removing leftover sandbox '{Name}' ({Reason})")]
    public static partial void Sweeping(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Teardown of '{Name}': {Problem}")]
    public static partial void TeardownProblem(ILogger logger, string name, string problem);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Down: no sandbox '{Name}' (no state file), nothing to remove")]
    public static partial void NothingToRemove(ILogger logger, string name);
}
