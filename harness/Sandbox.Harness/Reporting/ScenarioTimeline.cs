namespace Sandbox.Harness.Reporting;

/// <summary>
/// A thread-safe record of what happened during one scenario, with timings, for the
/// evidence pack. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Text, data, mark and timing names must never contain a secret (token, unseal key,
/// password): write "unsealed with the sandbox key", not the key. Anything that still
/// looks like a secret is replaced by <see cref="SecretFilter"/> and counted in
/// <see cref="Redactions"/>; a suite may assert that count is zero.
/// </remarks>
internal sealed class ScenarioTimeline
{
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly List<TimelineEvent> _events = [];
    private readonly Dictionary<string, DateTimeOffset> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _timings = new(StringComparer.Ordinal);
    private ScenarioPhase _phase = ScenarioPhase.Setup;
    private int _redactions;

    /// <summary>Starts a timeline now (by <paramref name="timeProvider"/>).</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> in real runs.</param>
    public ScenarioTimeline(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        StartedAt = timeProvider.GetUtcNow();
    }

    /// <summary>When the timeline started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The phase the scenario is in now. The default value is <see cref="ScenarioPhase.Setup"/>.</summary>
    public ScenarioPhase Phase
    {
        get
        {
            lock (_gate)
            {
                return _phase;
            }
        }
    }

    /// <summary>How many secret-looking fragments the <see cref="SecretFilter"/> replaced so far.</summary>
    public int Redactions
    {
        get
        {
            lock (_gate)
            {
                return _redactions;
            }
        }
    }

    /// <summary>A snapshot of the events so far, in the order they were recorded.</summary>
    public IReadOnlyList<TimelineEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>A snapshot of the timings so far, name → milliseconds.</summary>
    public IReadOnlyDictionary<string, double> Timings
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, double>(_timings, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Records an event of any kind.</summary>
    /// <param name="kind">What it is.</param>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored (filtered) event.</returns>
    public TimelineEvent Record(TimelineEventKind kind, string text, IReadOnlyDictionary<string, string>? data = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (kind == TimelineEventKind.Phase)
            {
                throw new ArgumentException("Use EnterPhase to change the phase; it records the phase event itself.", nameof(kind));
            }

            return AddLocked(now, kind, _phase, text, data);
        }
    }

    /// <summary>Records a <see cref="TimelineEventKind.Step"/>.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Step(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Step, text, data);

    /// <summary>Records a <see cref="TimelineEventKind.Fault"/>.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Fault(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Fault, text, data);

    /// <summary>Records a <see cref="TimelineEventKind.Observation"/>.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Observe(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Observation, text, data);

    /// <summary>Records a <see cref="TimelineEventKind.Assertion"/> that held.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Asserted(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Assertion, text, data);

    /// <summary>Records a <see cref="TimelineEventKind.Recovery"/>.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Recover(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Recovery, text, data);

    /// <summary>Records a <see cref="TimelineEventKind.Note"/>.</summary>
    /// <param name="text">A short sentence without secrets.</param>
    /// <param name="data">Optional details without secrets.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent Note(string text, IReadOnlyDictionary<string, string>? data = null) => Record(TimelineEventKind.Note, text, data);

    /// <summary>Moves the scenario into <paramref name="phase"/> and records that.</summary>
    /// <param name="phase">The phase entered.</param>
    /// <param name="text">Optional sentence; the default names the phase.</param>
    /// <returns>The stored event.</returns>
    public TimelineEvent EnterPhase(ScenarioPhase phase, string? text = null)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            _phase = phase;
            return AddLocked(now, TimelineEventKind.Phase, phase, text ?? $"phase: {phase}", null);
        }
    }

    /// <summary>
    /// Records the named instant (for a later <see cref="Measure(string, string, string)"/>)
    /// and a <see cref="TimelineEventKind.Mark"/> event. Marking a name again moves it to now.
    /// </summary>
    /// <param name="name">The instant's name, e.g. <c>sealed</c>, <c>unsealed</c>.</param>
    /// <returns>The instant.</returns>
    public DateTimeOffset Mark(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            var stored = AddLocked(now, TimelineEventKind.Mark, _phase, name, null);
            _marks[stored.Text] = now;
            return now;
        }
    }

    /// <summary>Whether <paramref name="name"/> has been marked.</summary>
    /// <param name="name">The instant's name.</param>
    /// <returns><see langword="true"/> when marked.</returns>
    public bool HasMark(string name)
    {
        lock (_gate)
        {
            return _marks.ContainsKey(name);
        }
    }

    /// <summary>Stores the time between two marks as timing <paramref name="name"/>.</summary>
    /// <param name="name">The timing, e.g. <see cref="TimingNames.TimeSealed"/>.</param>
    /// <param name="startMark">The mark it starts at.</param>
    /// <param name="endMark">The mark it ends at.</param>
    /// <returns>The timing in milliseconds.</returns>
    /// <exception cref="ArgumentException">A mark is unknown or the end precedes the start.</exception>
    public double Measure(string name, string startMark, string endMark)
    {
        DateTimeOffset start, end;
        lock (_gate)
        {
            start = MarkLocked(startMark);
            end = MarkLocked(endMark);
        }

        return Measure(name, start, end);
    }

    /// <summary>Stores the time from <paramref name="startMark"/> to now as timing <paramref name="name"/>.</summary>
    /// <param name="name">The timing.</param>
    /// <param name="startMark">The mark it starts at.</param>
    /// <returns>The timing in milliseconds.</returns>
    /// <exception cref="ArgumentException">The mark is unknown.</exception>
    public double MeasureSince(string name, string startMark)
    {
        var now = _timeProvider.GetUtcNow();
        DateTimeOffset start;
        lock (_gate)
        {
            start = MarkLocked(startMark);
        }

        return Measure(name, start, now);
    }

    /// <summary>Stores the time between two instants as timing <paramref name="name"/>, rounded to microseconds.</summary>
    /// <param name="name">The timing.</param>
    /// <param name="start">Its start.</param>
    /// <param name="end">Its end, not before <paramref name="start"/>.</param>
    /// <returns>The timing in milliseconds.</returns>
    /// <exception cref="ArgumentException">The end precedes the start.</exception>
    public double Measure(string name, DateTimeOffset start, DateTimeOffset end)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (end < start)
        {
            throw new ArgumentException($"Timing '{name}' would be negative: it ends at {end:O}, before its start at {start:O}.", nameof(end));
        }

        var ms = Math.Round((end - start).TotalMilliseconds, 3);
        lock (_gate)
        {
            var safeName = SecretFilter.Redact(name, out var redacted);
            _redactions += redacted;
            _timings[safeName] = ms;
        }

        return ms;
    }

    /// <summary>Ends the timeline and builds the scenario's result.</summary>
    /// <param name="name">The scenario's name, e.g. <c>sealed-restart/kill</c>.</param>
    /// <param name="verdict">Whether it passed.</param>
    /// <param name="failureMessage">Why it failed; filtered for secrets like everything else.</param>
    /// <param name="suite">The suite it belongs to (JUnit's testsuite); optional.</param>
    /// <returns>The result, ready for <see cref="EvidenceWriter"/>.</returns>
    public ScenarioResult ToResult(string name, ScenarioVerdict verdict, string? failureMessage = null, string? suite = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var ended = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            string? safeFailure = null;
            if (failureMessage is not null)
            {
                safeFailure = SecretFilter.Redact(failureMessage, out var redacted);
                _redactions += redacted;
            }

            return new ScenarioResult(
                name,
                verdict,
                safeFailure,
                StartedAt,
                ended,
                new Dictionary<string, double>(_timings, StringComparer.Ordinal),
                [.. _events])
            {
                Suite = suite,
                Redactions = _redactions,
            };
        }
    }

    private DateTimeOffset MarkLocked(string mark)
    {
        if (_marks.TryGetValue(mark, out var at))
        {
            return at;
        }

        var known = _marks.Count == 0 ? "none yet" : string.Join(", ", _marks.Keys.Order(StringComparer.Ordinal));
        throw new ArgumentException($"No mark named '{mark}' on this timeline (marks: {known}). Call Mark(\"{mark}\") first.", nameof(mark));
    }

    private TimelineEvent AddLocked(DateTimeOffset now, TimelineEventKind kind, ScenarioPhase phase, string text, IReadOnlyDictionary<string, string>? data)
    {
        var safeText = SecretFilter.Redact(text, out var redacted);
        _redactions += redacted;
        Dictionary<string, string>? safeData = null;
        if (data is not null)
        {
            safeData = new Dictionary<string, string>(data.Count, StringComparer.Ordinal);
            foreach (var (key, value) in data)
            {
                var safeKey = SecretFilter.Redact(key, out var keyRedacted);
                var safeValue = SecretFilter.Redact(value ?? string.Empty, out var valueRedacted);
                _redactions += keyRedacted + valueRedacted;
                safeData[safeKey] = safeValue;
            }
        }

        var offset = Math.Round((now - StartedAt).TotalMilliseconds, 3);
        var stored = new TimelineEvent(now, offset, kind, phase, safeText, safeData);
        _events.Add(stored);
        return stored;
    }
}
