using System.Globalization;
using System.Text;
using static Sandbox.Harness.Reporting.Internal.MarkupText;

namespace Sandbox.Harness.Reporting.Internal;

/// <summary>
/// Renders <c>report.html</c>: one self-contained page (inline CSS and SVG, no scripts, no
/// external assets) written as XHTML-compatible markup so that it parses as XML too.
/// Every piece of text goes through <see cref="MarkupText.Escape"/>.
/// </summary>
internal static class HtmlReport
{
    private const double ChartWidth = 960;
    private const double Pad = 10;

    public static string Render(
        RunInfo run,
        DateTimeOffset started,
        DateTimeOffset ended,
        IReadOnlyList<ScenarioResult> scenarios,
        bool passed,
        IReadOnlyDictionary<string, string> files,
        RehearsalEvidence? rehearsal)
    {
        var html = new StringBuilder(64 * 1024);
        var verdictWord = rehearsal is null ? (passed ? "PASSED" : "FAILED") : (rehearsal.Verdict == RehearsalVerdict.Go ? "GO" : "NO-GO");
        html.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
            .Append("<title>").Append(Escape($"Sandbox {run.Command}: {verdictWord} — {run.Vault.Describe()} on {run.Runtime}")).Append("</title>\n")
            .Append("<style>").Append(Css).Append("</style>\n</head>\n<body>\n");

        Banner(html, run, rehearsal);
        Overview(html, run, started, ended, scenarios, passed, verdictWord, rehearsal);
        Legend(html);

        var scale = Math.Max(1, scenarios.Concat(rehearsal?.Baseline ?? []).SelectMany(s => s.Timings.Values).DefaultIfEmpty(0).Max());
        if (rehearsal is null)
        {
            var index = 0;
            foreach (var scenario in scenarios)
            {
                html.Append("<section class=\"scenario\" id=\"scenario-").Append(index++.ToString(CultureInfo.InvariantCulture)).Append("\">\n");
                ScenarioCard(html, scenario, scale, heading: true);
                html.Append("</section>\n");
            }
        }
        else
        {
            Diff(html, rehearsal);
            SideBySide(html, rehearsal, scale);
        }

        Files(html, files);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Banner(StringBuilder html, RunInfo run, RehearsalEvidence? rehearsal)
    {
        var css = run.Vault.Kind switch
        {
            VaultKind.VaultDouble => "vault-double",
            VaultKind.OpenBao => "vault-openbao",
            _ => "vault-real",
        };
        html.Append("<header class=\"banner ").Append(css).Append("\" id=\"banner\">\n")
            .Append("<p class=\"banner-vault\" id=\"banner-vault\">").Append(Escape(run.Vault.Describe())).Append("</p>\n")
            .Append("<p class=\"banner-runtime\" id=\"banner-runtime\">Runtime: ").Append(Escape(EvidencePack.DescribeRuntime(run.Runtime))).Append("</p>\n");
        if (rehearsal?.BaselineVault is { } before && before != run.Vault)
        {
            html.Append("<p class=\"banner-runtime\">Baseline ran on: ").Append(Escape(before.Describe())).Append("</p>\n");
        }

        var note = run.Vault.Kind switch
        {
            VaultKind.VaultDouble => "Every result on this page was obtained against Sandbox's Vault double, a test fixture that imitates Vault's HTTP API. It is not evidence about how HashiCorp Vault behaves.",
            VaultKind.OpenBao => "These results come from OpenBao. Production runs HashiCorp Vault; only behaviour both share is asserted.",
            _ => "These results come from a real HashiCorp Vault server in a throw-away sandbox, with its own unseal key.",
        };
        html.Append("<p class=\"banner-note\">").Append(Escape(note)).Append("</p>\n</header>\n");
    }

    private static void Overview(
        StringBuilder html,
        RunInfo run,
        DateTimeOffset started,
        DateTimeOffset ended,
        IReadOnlyList<ScenarioResult> scenarios,
        bool passed,
        string verdictWord,
        RehearsalEvidence? rehearsal)
    {
        var good = rehearsal is null ? passed : rehearsal.Verdict == RehearsalVerdict.Go;
        html.Append("<section class=\"overview\">\n<h1><span class=\"badge big ").Append(good ? "pass" : "fail").Append("\" id=\"verdict\">")
            .Append(Escape(verdictWord)).Append("</span> sandbox ").Append(Escape(run.Command)).Append("</h1>\n<table class=\"facts\">\n");
        Fact(html, "Started", started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        Fact(html, "Ended", ended.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        Fact(html, "Wall time", Duration(Math.Max(0, (ended - started).TotalMilliseconds)));
        Fact(html, "Host", run.Host);
        if (run.Seed is { } seed)
        {
            Fact(html, "Chaos seed", seed.ToString(CultureInfo.InvariantCulture));
        }

        if (rehearsal?.Change is { } change)
        {
            Fact(html, "Change", change);
        }

        var failed = scenarios.Count(s => !s.Passed);
        Fact(html, "Scenarios", string.Create(CultureInfo.InvariantCulture, $"{scenarios.Count} run, {scenarios.Count - failed} passed, {failed} failed"));
        var redactions = scenarios.Sum(s => s.Redactions);
        html.Append("</table>\n");
        if (redactions > 0)
        {
            html.Append("<p class=\"warn\">").Append(Escape(string.Create(CultureInfo.InvariantCulture, $"{redactions} secret-looking fragment(s) were redacted from the evidence. A scenario put a token, key or password into its timeline; fix that scenario."))).Append("</p>\n");
        }

        if (scenarios.Count == 0)
        {
            html.Append("<p class=\"warn\">No scenario results were found, so nothing was shown to pass.</p>\n");
        }

        if (!string.IsNullOrWhiteSpace(run.ChaosPlan))
        {
            html.Append("<details open=\"open\"><summary>Chaos plan (replay it with the same seed)</summary><pre>").Append(Escape(run.ChaosPlan)).Append("</pre></details>\n");
        }

        if (scenarios.Count > 0)
        {
            html.Append("<table class=\"list\"><thead><tr><th>Scenario</th><th>Verdict</th><th>Wall time</th><th>Timings</th></tr></thead><tbody>\n");
            var index = 0;
            foreach (var s in scenarios)
            {
                var anchor = rehearsal is null ? $"#scenario-{index.ToString(CultureInfo.InvariantCulture)}" : "#side-by-side";
                index++;
                html.Append("<tr><td><a href=\"").Append(Escape(anchor)).Append("\">").Append(Escape(s.Name)).Append("</a></td><td>");
                Badge(html, s.Passed);
                html.Append("</td><td>").Append(Escape(Duration(s.DurationMs))).Append("</td><td>")
                    .Append(Escape(string.Join(", ", s.Timings.Select(t => $"{t.Key} {Duration(t.Value)}")))).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n");
    }

    private static void Legend(StringBuilder html)
    {
        html.Append("<section class=\"legend\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"24\" role=\"img\" aria-label=\"legend\">");
        var x = 0.0;
        foreach (var phase in Enum.GetValues<ScenarioPhase>())
        {
            html.Append("<rect x=\"").Append(Num(x)).Append("\" y=\"4\" width=\"16\" height=\"14\" class=\"ph-").Append(PhaseCss(phase)).Append("\" />")
                .Append("<text x=\"").Append(Num(x + 20)).Append("\" y=\"16\">").Append(Escape(PhaseName(phase))).Append("</text>");
            x += 110;
        }

        html.Append("<polygon points=\"").Append(Num(x + 8)).Append(",4 ").Append(Num(x + 1)).Append(",17 ").Append(Num(x + 15)).Append(",17\" class=\"mk-fault\" />")
            .Append("<text x=\"").Append(Num(x + 20)).Append("\" y=\"16\">fault</text>");
        x += 60;
        html.Append("<circle cx=\"").Append(Num(x + 7)).Append("\" cy=\"11\" r=\"5\" class=\"mk-obs\" /><text x=\"").Append(Num(x + 16)).Append("\" y=\"16\">observation</text>");
        x += 100;
        html.Append("<rect x=\"").Append(Num(x + 4)).Append("\" y=\"4\" width=\"3\" height=\"14\" class=\"mk-assert\" /><text x=\"").Append(Num(x + 12)).Append("\" y=\"16\">assertion</text>");
        x += 85;
        html.Append("<line x1=\"").Append(Num(x + 5)).Append("\" y1=\"2\" x2=\"").Append(Num(x + 5)).Append("\" y2=\"20\" class=\"mk-mark\" /><text x=\"").Append(Num(x + 10)).Append("\" y=\"16\">mark</text>");
        html.Append("</svg></section>\n");
    }

    private static void ScenarioCard(StringBuilder html, ScenarioResult s, double scale, bool heading, double axisMs = 0)
    {
        html.Append(heading ? "<h2>" : "<h3>");
        Badge(html, s.Passed);
        html.Append(' ').Append(Escape(s.Name)).Append(" <small>").Append(Escape(Duration(s.DurationMs))).Append("</small>").Append(heading ? "</h2>\n" : "</h3>\n");
        if (!s.Passed)
        {
            html.Append("<pre class=\"failure\">").Append(Escape(s.FailureMessage ?? "failed without a message")).Append("</pre>\n");
        }

        TimelineSvg(html, s, axisMs);
        TimingsSvg(html, s.Timings, scale);
        html.Append("<details><summary>").Append(Escape(string.Create(CultureInfo.InvariantCulture, $"{s.Events.Count} timeline events"))).Append("</summary>\n<table class=\"events\"><tbody>\n");
        foreach (var e in s.Events)
        {
            html.Append("<tr><td class=\"num\">+").Append(Escape((e.OffsetMs / 1000).ToString("0.000", CultureInfo.InvariantCulture))).Append(" s</td><td>")
                .Append(Escape(PhaseName(e.Phase))).Append("</td><td>").Append(Escape(KindName(e.Kind))).Append("</td><td>").Append(Escape(e.Text));
            if (e.Data is { Count: > 0 })
            {
                html.Append(" <span class=\"data\">").Append(Escape(string.Join("; ", e.Data.Select(d => $"{d.Key}={d.Value}")))).Append("</span>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</tbody></table></details>\n");
    }

    private static void TimelineSvg(StringBuilder html, ScenarioResult s, double axisMs)
    {
        const double trackY = 26, trackH = 26, height = 128;
        var labelRowsEnd = new double[3];
        var scenarioEnd = Math.Max(s.DurationMs, s.Events.Select(e => e.OffsetMs).DefaultIfEmpty(0).Max());
        var duration = Math.Max(1, Math.Max(scenarioEnd, axisMs));
        double X(double ms) => Pad + (Math.Clamp(ms, 0, duration) / duration * (ChartWidth - (2 * Pad)));

        html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 ").Append(Num(ChartWidth)).Append(' ').Append(Num(height))
            .Append("\" width=\"100%\" role=\"img\" aria-label=\"").Append(Escape("timeline of " + s.Name)).Append("\">\n");

        // Phase bars.
        var spans = new List<(ScenarioPhase Phase, double Start, double End)>();
        var current = ScenarioPhase.Setup;
        var from = 0.0;
        foreach (var e in s.Events.Where(e => e.Kind == TimelineEventKind.Phase))
        {
            if (e.OffsetMs > from || spans.Count > 0)
            {
                spans.Add((current, from, e.OffsetMs));
            }

            current = e.Phase;
            from = e.OffsetMs;
        }

        spans.Add((current, from, Math.Max(from, scenarioEnd)));
        foreach (var (phase, start, end) in spans.Where(p => p.End > p.Start))
        {
            var x = X(start);
            var w = Math.Max(1, X(end) - x);
            html.Append("<rect x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(trackY)).Append("\" width=\"").Append(Num(w)).Append("\" height=\"").Append(Num(trackH))
                .Append("\" class=\"ph-").Append(PhaseCss(phase)).Append("\"><title>").Append(Escape($"{PhaseName(phase)}: +{start / 1000:0.000} s to +{end / 1000:0.000} s ({Duration(end - start)})")).Append("</title></rect>\n");
            if (w > 70)
            {
                html.Append("<text x=\"").Append(Num(x + 4)).Append("\" y=\"").Append(Num(trackY + 17)).Append("\" class=\"ph-label\">").Append(Escape(PhaseName(phase))).Append("</text>\n");
            }
        }

        // Event marks.
        foreach (var e in s.Events)
        {
            var x = X(e.OffsetMs);
            var title = $"+{e.OffsetMs / 1000:0.000} s · {KindName(e.Kind)} · {e.Text}";
            switch (e.Kind)
            {
                case TimelineEventKind.Fault:
                    html.Append("<polygon points=\"").Append(Num(x)).Append(',').Append(Num(trackY - 2)).Append(' ').Append(Num(x - 7)).Append(',').Append(Num(trackY - 15))
                        .Append(' ').Append(Num(x + 7)).Append(',').Append(Num(trackY - 15)).Append("\" class=\"mk-fault\">");
                    break;
                case TimelineEventKind.Mark:
                    // Labels go on the first of three rows where they do not overlap the previous label.
                    var labelX = Math.Max(Pad, Math.Min(x + 3, ChartWidth - (6 * e.Text.Length) - 2));
                    var row = Array.FindIndex(labelRowsEnd, end => end <= labelX);
                    row = row < 0 ? Array.IndexOf(labelRowsEnd, labelRowsEnd.Min()) : row;
                    labelRowsEnd[row] = labelX + (6 * e.Text.Length) + 6;
                    html.Append("<g><line x1=\"").Append(Num(x)).Append("\" y1=\"").Append(Num(trackY - 4)).Append("\" x2=\"").Append(Num(x)).Append("\" y2=\"").Append(Num(trackY + trackH + 4))
                        .Append("\" class=\"mk-mark\" /><text x=\"").Append(Num(labelX)).Append("\" y=\"").Append(Num(trackY + trackH + 40 + (12 * row))).Append("\" class=\"mk-label\">")
                        .Append(Escape(e.Text)).Append("</text>");
                    break;
                case TimelineEventKind.Observation:
                    html.Append("<circle cx=\"").Append(Num(x)).Append("\" cy=\"").Append(Num(trackY + trackH + 10)).Append("\" r=\"5\" class=\"mk-obs\">");
                    break;
                case TimelineEventKind.Assertion:
                    html.Append("<rect x=\"").Append(Num(x - 1.5)).Append("\" y=\"").Append(Num(trackY + trackH + 4)).Append("\" width=\"3\" height=\"14\" class=\"mk-assert\">");
                    break;
                case TimelineEventKind.Recovery:
                    html.Append("<polygon points=\"").Append(Num(x)).Append(',').Append(Num(trackY - 16)).Append(' ').Append(Num(x + 6)).Append(',').Append(Num(trackY - 9))
                        .Append(' ').Append(Num(x)).Append(',').Append(Num(trackY - 2)).Append(' ').Append(Num(x - 6)).Append(',').Append(Num(trackY - 9)).Append("\" class=\"mk-recover\">");
                    break;
                case TimelineEventKind.Phase:
                    continue;
                default:
                    html.Append("<rect x=\"").Append(Num(x - 0.5)).Append("\" y=\"").Append(Num(trackY + trackH + 20)).Append("\" width=\"1\" height=\"8\" class=\"mk-step\">");
                    break;
            }

            html.Append("<title>").Append(Escape(title)).Append("</title>");
            html.Append(e.Kind switch
            {
                TimelineEventKind.Fault or TimelineEventKind.Recovery => "</polygon>\n",
                TimelineEventKind.Mark => "</g>\n",
                TimelineEventKind.Observation => "</circle>\n",
                _ => "</rect>\n",
            });
        }

        if (!s.Passed)
        {
            var x = X(scenarioEnd) - 6;
            html.Append("<g class=\"mk-failed\"><line x1=\"").Append(Num(x - 6)).Append("\" y1=\"").Append(Num(trackY + 3)).Append("\" x2=\"").Append(Num(x + 6)).Append("\" y2=\"").Append(Num(trackY + trackH - 3))
                .Append("\" /><line x1=\"").Append(Num(x + 6)).Append("\" y1=\"").Append(Num(trackY + 3)).Append("\" x2=\"").Append(Num(x - 6)).Append("\" y2=\"").Append(Num(trackY + trackH - 3))
                .Append("\" /><title>failed</title></g>\n");
        }

        // Axis.
        for (var i = 0; i <= 4; i++)
        {
            var ms = duration * i / 4;
            var anchor = i == 0 ? "start" : i == 4 ? "end" : "middle";
            html.Append("<text x=\"").Append(Num(X(ms))).Append("\" y=\"").Append(Num(height - 2)).Append("\" text-anchor=\"").Append(anchor).Append("\" class=\"axis\">+")
                .Append(Escape(Duration(ms))).Append("</text>\n");
        }

        html.Append("</svg>\n");
    }

    private static void TimingsSvg(StringBuilder html, IReadOnlyDictionary<string, double> timings, double scale)
    {
        if (timings.Count == 0)
        {
            return;
        }

        const double labelW = 220, rowH = 20, barMax = ChartWidth - labelW - 120;
        var rows = timings.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var height = (rows.Count * rowH) + 6;
        html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timings\" viewBox=\"0 0 ").Append(Num(ChartWidth)).Append(' ').Append(Num(height))
            .Append("\" width=\"100%\" role=\"img\" aria-label=\"timings\">\n");
        var y = 3.0;
        foreach (var (name, ms) in rows)
        {
            var w = Math.Max(2, ms / scale * barMax);
            html.Append("<text x=\"").Append(Num(labelW - 6)).Append("\" y=\"").Append(Num(y + 14)).Append("\" text-anchor=\"end\">").Append(Escape(name)).Append("</text>")
                .Append("<rect x=\"").Append(Num(labelW)).Append("\" y=\"").Append(Num(y + 3)).Append("\" width=\"").Append(Num(w)).Append("\" height=\"14\" class=\"timing-bar\"><title>")
                .Append(Escape($"{name}: {ms.ToString("0.###", CultureInfo.InvariantCulture)} ms")).Append("</title></rect>")
                .Append("<text x=\"").Append(Num(labelW + w + 6)).Append("\" y=\"").Append(Num(y + 14)).Append("\">").Append(Escape(Duration(ms))).Append("</text>\n");
            y += rowH;
        }

        html.Append("</svg>\n");
    }

    private static void Diff(StringBuilder html, RehearsalEvidence r)
    {
        var diff = r.Diff;
        html.Append("<section class=\"diff\" id=\"diff\">\n<h2>What the change does</h2>\n");
        if (r.Reasons.Count > 0)
        {
            html.Append("<h3>").Append(r.Verdict == RehearsalVerdict.Go ? "Notes" : "Why NO-GO").Append("</h3>\n<ul class=\"reasons\">\n");
            foreach (var reason in r.Reasons)
            {
                html.Append("<li>").Append(Escape(reason)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }

        List(html, "Names added", diff.NamesAdded, "added");
        List(html, "Names removed", diff.NamesRemoved, "removed");
        html.Append("<h3>Capabilities per policy</h3>\n");
        if (diff.CapabilityChanges.Count == 0)
        {
            html.Append("<p class=\"none\">No capability changes.</p>\n");
        }
        else
        {
            html.Append("<table class=\"list\"><thead><tr><th>Policy</th><th>Path</th><th>Gained</th><th>Lost</th></tr></thead><tbody>\n");
            foreach (var c in diff.CapabilityChanges)
            {
                html.Append("<tr><td>").Append(Escape(c.Policy)).Append("</td><td><code>").Append(Escape(c.Path)).Append("</code></td><td class=\"added\">")
                    .Append(Escape(string.Join(", ", c.Gained))).Append("</td><td class=\"removed\">").Append(Escape(string.Join(", ", c.Lost))).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        List(html, "Scenarios that went from pass to fail", diff.ScenariosPassToFail, "removed");
        html.Append("<h3>Timings that got worse</h3>\n");
        if (diff.TimingRegressions.Count == 0)
        {
            html.Append("<p class=\"none\">None beyond the threshold.</p>\n");
        }
        else
        {
            html.Append("<table class=\"list\"><thead><tr><th>Scenario</th><th>Timing</th><th>Before (median)</th><th>After (median)</th><th>Change</th><th>Samples before → after (noise)</th></tr></thead><tbody>\n");
            foreach (var t in diff.TimingRegressions)
            {
                var change = t.BeforeMs > 0 ? $"×{(t.AfterMs / t.BeforeMs).ToString("0.00", CultureInfo.InvariantCulture)}" : "new";
                html.Append("<tr><td>").Append(Escape(t.Scenario)).Append("</td><td>").Append(Escape(t.Timing)).Append("</td><td>").Append(Escape(Duration(t.BeforeMs)))
                    .Append("</td><td class=\"removed\">").Append(Escape(Duration(t.AfterMs))).Append("</td><td>").Append(Escape(change)).Append("</td><td>").Append(Escape(Samples(t))).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n");
    }

    private static string Samples(TimingRegression t) =>
        $"[{string.Join(", ", t.BeforeSamplesMs.Select(Duration))}] → [{string.Join(", ", t.AfterSamplesMs.Select(Duration))}] ({Duration(t.NoiseMs)})";

    private static void SideBySide(StringBuilder html, RehearsalEvidence r, double scale)
    {
        html.Append("<section class=\"side-by-side\" id=\"side-by-side\">\n<h2>Before and after, side by side</h2>\n")
            .Append("<div class=\"pair head\"><div>Baseline (current topology and version)</div><div>After the change (applied in place)</div></div>\n");
        var before = r.Baseline.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var after = r.After.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var names = r.Baseline.Select(s => s.Name).Concat(r.After.Select(s => s.Name)).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // Both sides share one time axis so that a slower recovery looks longer.
            var axis = Math.Max(before.TryGetValue(name, out var bb) ? bb.DurationMs : 0, after.TryGetValue(name, out var aa) ? aa.DurationMs : 0);
            html.Append("<div class=\"pair\">\n<div class=\"side\">\n");
            if (before.TryGetValue(name, out var b))
            {
                ScenarioCard(html, b, scale, heading: false, axis);
            }
            else
            {
                html.Append("<h3>").Append(Escape(name)).Append("</h3><p class=\"none\">Not run in the baseline.</p>\n");
            }

            html.Append("</div>\n<div class=\"side\">\n");
            if (after.TryGetValue(name, out var a))
            {
                ScenarioCard(html, a, scale, heading: false, axis);
            }
            else
            {
                html.Append("<h3>").Append(Escape(name)).Append("</h3><p class=\"none\">Not run after the change.</p>\n");
            }

            html.Append("</div>\n</div>\n");
        }

        html.Append("</section>\n");
    }

    private static void Files(StringBuilder html, IReadOnlyDictionary<string, string> files)
    {
        html.Append("<footer><h2>Files in this evidence pack</h2><ul>\n");
        foreach (var (what, path) in files)
        {
            html.Append("<li>").Append(Escape(what)).Append(": <a href=\"").Append(Escape(path.Replace('\\', '/'))).Append("\">").Append(Escape(path)).Append("</a></li>\n");
        }

        html.Append("</ul><p>Generated by Sandbox. This page loads nothing from the network.</p></footer>\n");
    }

    private static void List(StringBuilder html, string title, IReadOnlyList<string> items, string css)
    {
        html.Append("<h3>").Append(Escape(title)).Append("</h3>\n");
        if (items.Count == 0)
        {
            html.Append("<p class=\"none\">None.</p>\n");
            return;
        }

        html.Append("<ul class=\"").Append(css).Append("\">\n");
        foreach (var item in items)
        {
            html.Append("<li><code>").Append(Escape(item)).Append("</code></li>\n");
        }

        html.Append("</ul>\n");
    }

    private static void Fact(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(Escape(name)).Append("</th><td>").Append(Escape(value)).Append("</td></tr>\n");

    private static void Badge(StringBuilder html, bool passed) =>
        html.Append("<span class=\"badge ").Append(passed ? "pass" : "fail").Append("\">").Append(passed ? "PASSED" : "FAILED").Append("</span>");

    private static string PhaseCss(ScenarioPhase phase) => phase switch
    {
        ScenarioPhase.SteadyState => "steady",
        ScenarioPhase.Fault => "fault",
        ScenarioPhase.Sealed => "sealed",
        ScenarioPhase.Recovery => "recovery",
        _ => "setup",
    };

    private static string PhaseName(ScenarioPhase phase) => phase switch
    {
        ScenarioPhase.SteadyState => "steady state",
        ScenarioPhase.Fault => "fault",
        ScenarioPhase.Sealed => "sealed",
        ScenarioPhase.Recovery => "recovery",
        _ => "setup",
    };

    private static string KindName(TimelineEventKind kind) => kind.ToString().ToLowerInvariant();

    private const string Css = """

        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
        section,footer{margin:14px 24px;padding:12px 18px;background:#fff;border:1px solid #dde1e6;border-radius:6px}
        .banner{margin:0;padding:16px 24px;border-bottom:6px solid}
        .banner p{margin:4px 0}
        .banner-vault{font-size:28px;font-weight:800;letter-spacing:.01em}
        .banner-runtime{font-size:18px;font-weight:600}
        .banner-note{font-size:14px}
        .vault-double{background:#fff1c2;border-color:#d97706;color:#5b3000}
        .vault-double .banner-vault{color:#b42318;text-transform:none}
        .vault-openbao{background:#e6f0ff;border-color:#3b5bdb}
        .vault-real{background:#e7f6ec;border-color:#2f9e44}
        h1{font-size:22px;margin:4px 0 10px}
        h2{font-size:18px;margin:6px 0}
        h3{font-size:15px;margin:6px 0}
        small{color:#667;font-weight:400}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:700;color:#fff;vertical-align:middle}
        .badge.big{font-size:18px;padding:3px 14px;border-radius:14px}
        .badge.pass{background:#2f9e44}
        .badge.fail{background:#c92a2a}
        table{border-collapse:collapse;font-size:13px}
        table.facts th{text-align:left;padding:2px 14px 2px 0;color:#555}
        table.list{margin-top:10px;width:100%}
        table.list th,table.list td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left}
        table.events td{padding:1px 8px;border-bottom:1px solid #f0f0f0;vertical-align:top}
        td.num{font-variant-numeric:tabular-nums;white-space:nowrap;color:#555}
        .data{color:#666}
        pre{background:#f4f4f5;padding:8px;overflow:auto;font-size:12px}
        pre.failure{background:#fff0f0;border-left:4px solid #c92a2a;white-space:pre-wrap}
        .warn{background:#fff0f0;border-left:4px solid #c92a2a;padding:6px 10px}
        .none{color:#667}
        .added{color:#1b7a35}
        .removed{color:#b42318}
        ul.added li::marker{content:"+ "}
        ul.removed li::marker{content:"− "}
        svg{display:block;font-size:11px;fill:#333}
        svg.timeline{max-width:960px;margin:6px 0}
        svg.timings{max-width:960px;margin:2px 0 6px}
        .ph-setup{fill:#ced4da}
        .ph-steady{fill:#69db7c}
        .ph-fault{fill:#ffa94d}
        .ph-sealed{fill:#e03131}
        .ph-recovery{fill:#4dabf7}
        .ph-label{fill:#111;font-size:11px;font-weight:600}
        .mk-fault{fill:#d9480f;stroke:#fff;stroke-width:1}
        .mk-recover{fill:#1864ab;stroke:#fff;stroke-width:1}
        .mk-obs{fill:#343a40;stroke:#fff;stroke-width:1}
        .mk-assert{fill:#2f9e44}
        .mk-step{fill:#868e96}
        .mk-mark{stroke:#212529;stroke-width:1.5;stroke-dasharray:3 2}
        .mk-label{font-size:10px;fill:#212529}
        .mk-failed line{stroke:#c92a2a;stroke-width:3}
        .axis{fill:#666;font-size:10px}
        .timing-bar{fill:#7048e8}
        .pair{display:grid;grid-template-columns:1fr 1fr;gap:14px;border-top:1px solid #e5e7eb;padding-top:6px}
        .pair.head{font-weight:700;border-top:none}
        .side{min-width:0}
        footer{font-size:13px}

        """;
}
