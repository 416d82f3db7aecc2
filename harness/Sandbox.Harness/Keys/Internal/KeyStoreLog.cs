using Microsoft.Extensions.Logging;

namespace Sandbox.Harness.Keys.Internal;

/// <summary>Log messages of the key store: paths and counts only, never a key or a token.</summary>
internal static partial class KeyStoreLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Read key file {Path} ({Shares} share(s), threshold {Threshold})")]
    public static partial void Read(ILogger logger, string path, int shares, int threshold);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Wrote key file {Path} ({Shares} share(s), threshold {Threshold}, mode 0600)")]
    public static partial void Written(ILogger logger, string path, int shares, int threshold);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Could not remove the temporary file {Path}: {Reason}")]
    public static partial void TempNotRemoved(ILogger logger, string path, string reason);
}
