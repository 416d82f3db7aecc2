using Microsoft.Extensions.Logging;

namespace Sandbox.Harness.Replay.Internal;

/// <summary>Replay's log lines: names and verdicts only, never a value.</summary>
internal static partial class ReplayLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "replay {Kind} {Category} {Name}")]
    public static partial void Applied(ILogger logger, ReplayChangeKind kind, string category, string name);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "replay done: {Summary} in {ElapsedMs} ms")]
    public static partial void Done(ILogger logger, string summary, long elapsedMs);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "config guard refused {Key} (rule {Rule})")]
    public static partial void Refused(ILogger logger, string key, string rule);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "name parity probe {Who} {Path}: expected {Expected}, got {Actual}")]
    public static partial void Probe(ILogger logger, string who, string path, ProbeAccess expected, ProbeAccess actual);
}
