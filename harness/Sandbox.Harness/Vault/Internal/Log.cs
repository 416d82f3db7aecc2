using Microsoft.Extensions.Logging;

namespace Sandbox.Harness.Vault.Internal;

/// <summary>Every log message of the Vault client. Never a token, a body or a secret value.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Vault {Method} {Path} -> {StatusCode} in {ElapsedMs} ms (attempt {Attempt})")]
    public static partial void Answered(ILogger logger, string method, string path, int statusCode, long elapsedMs, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Vault {Method} {Path} failed transiently ({Reason}); retry {Retry} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, string reason, int retry, long delayMs);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Vault {Method} {Path} could not be reached at {Address}: {Reason}")]
    public static partial void Unreachable(ILogger logger, string method, string path, Uri address, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Vault {Method} {Path} warned: {Warning}")]
    public static partial void Warned(ILogger logger, string method, string path, string warning);
}
