using Microsoft.Extensions.Logging;

namespace Sandbox.Harness.Runtimes.Process.Internal;

/// <summary>Log messages of <see cref="PostgresServer"/>: paths, ports and exit codes, never the password.</summary>
internal static partial class PostgresServerLog
{
    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Initialised a throw-away PostgreSQL cluster in {DataDirectory} with {BinDirectory}")]
    public static partial void Initialised(ILogger logger, string dataDirectory, string binDirectory);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "PostgreSQL listening on 127.0.0.1:{Port} (log {LogFile})")]
    public static partial void Started(ILogger logger, int port, string logFile);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Port {Port} was taken when PostgreSQL started; trying another (attempt {Attempt})")]
    public static partial void PortClash(ILogger logger, int port, int attempt);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "PostgreSQL on port {Port} stopped")]
    public static partial void Stopped(ILogger logger, int port);

    [LoggerMessage(EventId = 3405, Level = LogLevel.Warning, Message = "Cleanup of the PostgreSQL cluster in {Folder} failed: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string folder, string reason);
}
