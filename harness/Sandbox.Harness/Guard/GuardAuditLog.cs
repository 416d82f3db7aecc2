using System.Text;
using System.Text.Json;

namespace Sandbox.Harness.Guard;

/// <summary>
/// The audit log of every guard decision: time, caller, target, verdict and rule. Thread-safe.
/// Keeps the most recent entries in memory (see <see cref="Capacity"/>) and, when made with
/// <see cref="ToFile"/>, also appends every entry as one JSON object per line to a file that a
/// run's evidence can include.
/// </summary>
internal sealed class GuardAuditLog : IDisposable
{
    /// <summary>The default number of entries kept in memory: 100 000.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _gate = new();
    // Entries are kept as plain values, not as the records Entries hands out: one decision per HTTP
    // request then leaves no object behind that outlives the request (a ring of 100 000 surviving
    // entries made every request pay for their promotion to older generations).
    private readonly Slot[] _ring;
    private readonly StreamWriter? _file;
    private long _count;
    private bool _disposed;

    private GuardAuditLog(int capacity, StreamWriter? file)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new Slot[capacity];
        _file = file;
        FilePath = (file?.BaseStream as FileStream)?.Name;
    }

    /// <summary>An audit log that keeps entries in memory only.</summary>
    /// <param name="capacity">How many of the latest entries to keep. The default value is <see cref="DefaultCapacity"/>.</param>
    public static GuardAuditLog InMemory(int capacity = DefaultCapacity) => new(capacity, null);

    /// <summary>
    /// An audit log that appends every entry to <paramref name="path"/> as JSON lines
    /// (<c>{"time":…,"caller":…,"target":…,"verdict":"allowed|blocked","rule":…}</c>) and keeps
    /// the latest entries in memory too. The file is created if missing and appended to otherwise;
    /// each line is flushed as it is written so a crash loses nothing.
    /// </summary>
    /// <param name="path">The JSON-lines file.</param>
    /// <param name="capacity">How many entries to keep in memory. The default value is <see cref="DefaultCapacity"/>.</param>
    public static GuardAuditLog ToFile(string path, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new GuardAuditLog(capacity, new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true });
    }

    /// <summary>How many entries are kept in memory.</summary>
    public int Capacity => _ring.Length;

    /// <summary>The JSON-lines file, or <see langword="null"/> for an in-memory log.</summary>
    public string? FilePath { get; }

    /// <summary>How many decisions were recorded in total (including those no longer kept in memory).</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>A snapshot of the entries kept in memory, oldest first.</summary>
    public IReadOnlyList<GuardAuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                var kept = (int)Math.Min(_count, _ring.Length);
                var result = new GuardAuditEntry[kept];
                var start = _count - kept;
                for (var i = 0; i < kept; i++)
                {
                    var slot = _ring[(start + i) % _ring.Length];
                    result[i] = new GuardAuditEntry(slot.Time, slot.Caller, slot.Target, slot.Allowed, slot.Rule);
                }

                return result;
            }
        }
    }

    /// <summary>Records one decision.</summary>
    /// <param name="time">When it was made.</param>
    /// <param name="caller">Who asked.</param>
    /// <param name="decision">The decision.</param>
    public void Record(DateTimeOffset time, string caller, GuardDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Record(new Slot(time, caller, decision.Target, decision.Allowed, decision.Rule));
    }

    /// <summary>Records one decision given by its parts (the guard's allocation-free path).</summary>
    /// <param name="time">When it was made.</param>
    /// <param name="caller">Who asked.</param>
    /// <param name="target">What was checked.</param>
    /// <param name="allowed">The verdict.</param>
    /// <param name="rule">The rule that decided.</param>
    internal void Record(DateTimeOffset time, string caller, string target, bool allowed, string rule) =>
        Record(new Slot(time, caller, target, allowed, rule));

    /// <summary>Records one entry.</summary>
    /// <param name="entry">The entry.</param>
    public void Record(GuardAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Record(new Slot(entry.Time, entry.Caller, entry.Target, entry.Allowed, entry.Rule));
    }

    private void Record(in Slot slot)
    {
        lock (_gate)
        {
            _ring[_count % _ring.Length] = slot;
            _count++;
            if (_file is not null && !_disposed)
            {
                _file.WriteLine(ToJsonLine(new GuardAuditEntry(slot.Time, slot.Caller, slot.Target, slot.Allowed, slot.Rule)));
            }
        }
    }

    /// <summary>Formats one entry as the JSON line the file sink writes.</summary>
    /// <param name="entry">The entry.</param>
    public static string ToJsonLine(GuardAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", entry.Time);
            writer.WriteString("caller", entry.Caller);
            writer.WriteString("target", entry.Target);
            writer.WriteString("verdict", entry.Verdict);
            writer.WriteString("rule", entry.Rule);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Flushes and closes the file sink, if any. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _file?.Dispose();
        }
    }

    private readonly record struct Slot(DateTimeOffset Time, string Caller, string Target, bool Allowed, string Rule);
}
