import LogRecord

/// Everything `REPORT.html` is made from.
public struct ReportInput: Sendable {
    /// `Case`, `Site`, … in display order; `nil` values are shown as `(not given)`.
    public var caseFields: [(String, String?)]
    /// Host facts in display order.
    public var hostFacts: [(String, String)]
    /// How the collection was made (root, window, …).
    public var collection: [(String, String)]
    /// `FindingsEngine.findings()`.
    public var findings: [Finding]
    /// `FindingsEngine.timeline()`.
    public var timeline: Timeline
    /// `FindingsEngine.histogram()`.
    public var histogram: Histogram
    /// `FindingsEngine.messageGroups(limit:)`.
    public var messageGroups: [MessageGroup]
    public var sources: [SourceSummary]
    /// Sources the catalog matched but which were not collected: path and reason.
    public var skipped: [(String, String)]

    public init(caseFields: [(String, String?)], hostFacts: [(String, String)], collection: [(String, String)] = [],
                findings: [Finding], timeline: Timeline, histogram: Histogram, messageGroups: [MessageGroup],
                sources: [SourceSummary], skipped: [(String, String)]) {
        self.caseFields = caseFields
        self.hostFacts = hostFacts
        self.collection = collection
        self.findings = findings
        self.timeline = timeline
        self.histogram = histogram
        self.messageGroups = messageGroups
        self.sources = sources
        self.skipped = skipped
    }
}

/// Renders `REPORT.html`: one self-contained HTML5 file (inline CSS, inline SVG charts, a few
/// lines of inline script for the evidence filter; no network, fonts or images). Every text from
/// the input is escaped (`&`, `<`, `>`, `"`, `'`), so log content cannot inject markup. The same
/// input gives the same bytes (no clock, no random ids).
public enum ReportHTML {
    public static func render(_ input: ReportInput) -> String {
        var h = HTMLBuilder()
        let caseID = input.caseFields.first { $0.0 == "Case" }?.1 ?? nil
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        h.raw("<title>amt-collect report")
        if let caseID { h.raw(" — "); h.text(caseID) }
        h.raw("</title>\n<style>\n\(css)</style>\n</head>\n<body>\n")

        // Header: case, host, collection.
        h.raw("<header>\n<h1>amt-collect support report</h1>\n<div class=\"facts\">\n")
        factsTable(&h, "Case", input.caseFields.map { ($0.0, $0.1 ?? "(not given)") })
        factsTable(&h, "Host", input.hostFacts)
        if !input.collection.isEmpty { factsTable(&h, "Collection", input.collection) }
        h.raw("</div>\n<nav><a href=\"#findings\">Findings</a> <a href=\"#chart\">Errors per hour</a> ")
        h.raw("<a href=\"#timeline\">Timeline</a> <a href=\"#evidence\">Evidence</a> ")
        h.raw("<a href=\"#messages\">Recurring messages</a> <a href=\"#sources\">Sources</a></nav>\n</header>\n")

        findingsSection(&h, input.findings)
        chartSection(&h, input.histogram)
        timelineSection(&h, input.timeline)
        evidenceSection(&h, input.findings)
        messagesSection(&h, input.messageGroups)
        sourcesSection(&h, input.sources, input.skipped)

        h.raw("<script>\n\(script)</script>\n</body>\n</html>\n")
        return h.out
    }

    // MARK: - Sections

    static func factsTable(_ h: inout HTMLBuilder, _ title: String, _ rows: [(String, String)]) {
        h.raw("<table class=\"kv\"><caption>"); h.text(title); h.raw("</caption>\n")
        for (k, v) in rows {
            h.raw("<tr><th>"); h.text(k); h.raw("</th><td>"); h.text(v); h.raw("</td></tr>\n")
        }
        h.raw("</table>\n")
    }

    static func findingsSection(_ h: inout HTMLBuilder, _ findings: [Finding]) {
        h.raw("<section id=\"findings\">\n<h2>Findings</h2>\n")
        if findings.isEmpty {
            h.raw("<p class=\"ok\">No known problems found.</p>\n</section>\n")
            return
        }
        for (k, f) in findings.enumerated() {
            h.raw("<article class=\"finding sev-\(f.severity.rawValue)\" id=\"finding-\(k + 1)\">\n<h3>")
            h.raw("<span class=\"badge\">\(f.severity.rawValue)</span> ")
            h.text(f.title)
            h.raw(" <span class=\"area\">"); h.text(f.area.rawValue); h.raw("</span></h3>\n<p class=\"meta\">")
            h.text("\(f.count) \(f.count == 1 ? "record" : "records")")
            if let first = f.firstSeen, let last = f.lastSeen {
                h.text(first == last ? ", at \(time(first))" : ", first \(time(first)), last \(time(last))")
            }
            h.text(" · rule \(f.ruleID)")
            h.raw("</p>\n<p class=\"next\"><strong>Next step:</strong> "); h.text(f.nextStep); h.raw("</p>\n")
            if !f.evidence.isEmpty {
                h.raw("<ul class=\"ev\">\n")
                for e in f.evidence {
                    h.raw("<li><code>"); h.text(e.timestamp.map(time) ?? "(no time)"); h.raw("</code> <code>")
                    h.text(e.filePath + e.locator); h.raw("</code> "); h.text(e.message); h.raw("</li>\n")
                }
                h.raw("</ul>\n")
            }
            h.raw("</article>\n")
        }
        h.raw("</section>\n")
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf", "#393b79", "#637939"]

    static func chartSection(_ h: inout HTMLBuilder, _ hist: Histogram) {
        h.raw("<section id=\"chart\">\n<h2>Errors and warnings per hour, by source (UTC)</h2>\n")
        guard let start = hist.start, hist.hours > 0, !hist.series.isEmpty else {
            h.raw("<p>No errors or warnings with a time.</p>\n</section>\n")
            return
        }
        let width = 960.0, height = 280.0, left = 48.0, right = 12.0, top = 12.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        var totals = Array(repeating: 0, count: hist.hours)
        for s in hist.series { for (i, c) in s.counts.enumerated() where i < totals.count { totals[i] += c } }
        let maxTotal = max(1, totals.max() ?? 1)
        let yMax = niceCeiling(maxTotal)
        let barW = plotW / Double(hist.hours)
        h.raw("<svg class=\"chart\" viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" role=\"img\" aria-label=\"Errors and warnings per hour by source\">\n")
        // Y axis: five grid lines, 0 to the top.
        for k in 0...4 {
            let v = yMax * k / 4
            let y = top + plotH - plotH * Double(v) / Double(yMax)
            h.raw("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(width - right))\" y2=\"\(n(y))\"/>")
            h.raw("<text class=\"ylab\" x=\"\(n(left - 6))\" y=\"\(n(y + 4))\">\(v)</text>\n")
        }
        h.raw("<text class=\"axis\" x=\"12\" y=\"\(n(top + plotH / 2))\" transform=\"rotate(-90 12 \(n(top + plotH / 2)))\">records per hour</text>\n")
        // Stacked bars.
        var base = Array(repeating: 0, count: hist.hours)
        for (si, s) in hist.series.enumerated() {
            let color = palette[si % palette.count]
            h.raw("<g fill=\"\(color)\">")
            for (i, c) in s.counts.enumerated() where c > 0 && i < hist.hours {
                let y0 = top + plotH - plotH * Double(base[i]) / Double(yMax)
                let bh = plotH * Double(c) / Double(yMax)
                let hourTime = start.adding(seconds: Int64(i) * 3600)
                h.raw("<rect x=\"\(n(left + Double(i) * barW))\" y=\"\(n(y0 - bh))\" width=\"\(n(max(barW - 0.5, 0.5)))\" height=\"\(n(bh))\"><title>")
                h.text("\(s.source): \(c) at \(hourLabel(hourTime))")
                h.raw("</title></rect>")
                base[i] += c
            }
            h.raw("</g>\n")
        }
        // X axis: a label at each UTC midnight (at most ~15 labels), else at the start.
        h.raw("<line class=\"axisline\" x1=\"\(n(left))\" y1=\"\(n(top + plotH))\" x2=\"\(n(width - right))\" y2=\"\(n(top + plotH))\"/>\n")
        let startHourOfDay = start.civil.hour
        let step = hist.hours > 24 * 15 ? 48 : 24
        var i = startHourOfDay == 0 ? 0 : 24 - startHourOfDay
        if i >= hist.hours { i = 0 }
        while i < hist.hours {
            let x = left + Double(i) * barW
            let c = start.adding(seconds: Int64(i) * 3600).civil
            h.raw("<line class=\"tick\" x1=\"\(n(x))\" y1=\"\(n(top + plotH))\" x2=\"\(n(x))\" y2=\"\(n(top + plotH + 5))\"/>")
            h.raw("<text class=\"xlab\" x=\"\(n(x))\" y=\"\(n(top + plotH + 18))\">\(two(c.month))-\(two(c.day))</text>\n")
            i += step
        }
        h.raw("<text class=\"axis\" x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 4))\">day (UTC), \(hist.hours) hours from ")
        h.text(hourLabel(start))
        h.raw("</text>\n</svg>\n<ul class=\"legend\">\n")
        for (si, s) in hist.series.enumerated() {
            h.raw("<li><span class=\"swatch\" style=\"background:\(palette[si % palette.count])\"></span>")
            h.text("\(s.source) (\(s.counts.reduce(0, +)))")
            h.raw("</li>\n")
        }
        h.raw("</ul>\n")
        if hist.droppedOlder > 0 {
            h.raw("<p class=\"note\">"); h.text("\(hist.droppedOlder) older errors and warnings are not drawn."); h.raw("</p>\n")
        }
        h.raw("</section>\n")
    }

    static func timelineSection(_ h: inout HTMLBuilder, _ timeline: Timeline) {
        h.raw("<section id=\"timeline\">\n<h2>Boot and shutdown timeline (UTC)</h2>\n")
        guard let first = timeline.events.first?.timestamp, let last = timeline.events.last?.timestamp else {
            h.raw("<p>No boot or shutdown events were collected.</p>\n</section>\n")
            return
        }
        let span = max(last.microseconds - first.microseconds, 3_600_000_000)
        let t0 = first.microseconds - span / 50, t1 = last.microseconds + span / 50
        let width = 960.0, left = 20.0, right = 20.0, plotW = width - left - right, axisY = 60.0
        func x(_ t: Timestamp) -> Double { left + plotW * Double(t.microseconds - t0) / Double(t1 - t0) }
        h.raw("<svg class=\"timeline\" viewBox=\"0 0 \(n(width)) 110\" width=\"\(n(width))\" height=\"110\" role=\"img\" aria-label=\"Boot and shutdown timeline\">\n")
        h.raw("<line class=\"axisline\" x1=\"\(n(left))\" y1=\"\(n(axisY))\" x2=\"\(n(width - right))\" y2=\"\(n(axisY))\"/>\n")
        // Up periods: from a start (6005) to the next clean stop (6006): green; to the next start
        // without a clean stop in between: red (the system went down unexpectedly).
        var upSince: Timestamp?
        for e in timeline.events {
            switch e.kind {
            case .started:
                if let s = upSince { upBar(&h, x(s), x(e.timestamp), clean: false, axisY) }
                upSince = e.timestamp
            case .cleanStop:
                if let s = upSince { upBar(&h, x(s), x(e.timestamp), clean: true, axisY) }
                upSince = nil
            case .unexpectedShutdown, .powerLoss, .plannedRestart:
                break
            }
        }
        if let s = upSince { upBar(&h, x(s), x(last), clean: true, axisY) }
        for e in timeline.events {
            let cx = x(e.timestamp)
            let (cls, y): (String, Double) = switch e.kind {
            case .started: ("m-start", axisY)
            case .cleanStop: ("m-stop", axisY)
            case .plannedRestart: ("m-planned", axisY - 22)
            case .unexpectedShutdown: ("m-unexpected", axisY - 22)
            case .powerLoss: ("m-power", axisY - 36)
            }
            h.raw("<circle class=\"\(cls)\" cx=\"\(n(cx))\" cy=\"\(n(y))\" r=\"5\"><title>")
            h.text("\(time(e.timestamp)) \(label(e.kind)) (event \(e.eventID))")
            h.raw("</title></circle>\n")
        }
        // Day labels at the ends.
        h.raw("<text class=\"xlab start\" x=\"\(n(left))\" y=\"100\">"); h.text(time(first)); h.raw("</text>")
        h.raw("<text class=\"xlab end\" x=\"\(n(width - right))\" y=\"100\">"); h.text(time(last)); h.raw("</text>\n")
        h.raw("</svg>\n<p class=\"legend-text\"><span class=\"swatch up\"></span> running, stopped cleanly ")
        h.raw("<span class=\"swatch down\"></span> running, ended without a clean stop ")
        for (cls, text) in [("m-start", "start"), ("m-stop", "clean stop"), ("m-planned", "planned restart"),
                            ("m-unexpected", "unexpected shutdown"), ("m-power", "power loss (Kernel-Power 41)")] {
            h.raw("<span class=\"dot \(cls)\">●</span> \(text) ")
        }
        h.raw("</p>\n")
        h.raw("<table class=\"list\"><thead><tr><th>time</th><th>event</th><th>what</th><th>source</th></tr></thead><tbody>\n")
        for e in timeline.events {
            h.raw("<tr class=\"\(e.kind.rawValue)\"><td class=\"t\">"); h.text(time(e.timestamp)); h.raw("</td><td>\(e.eventID)</td><td>")
            h.text(label(e.kind)); h.raw("</td><td>"); h.text(e.filePath + (e.recordID.map { "#\($0)" } ?? "")); h.raw("</td></tr>\n")
        }
        h.raw("</tbody></table>\n")
        if timeline.dropped > 0 {
            h.raw("<p class=\"note\">"); h.text("\(timeline.dropped) more boot and shutdown events are not shown."); h.raw("</p>\n")
        }
        h.raw("</section>\n")
    }

    static func upBar(_ h: inout HTMLBuilder, _ x0: Double, _ x1: Double, clean: Bool, _ axisY: Double) {
        h.raw("<rect class=\"\(clean ? "up" : "down")\" x=\"\(n(x0))\" y=\"\(n(axisY - 4))\" width=\"\(n(max(x1 - x0, 1)))\" height=\"8\"/>\n")
    }

    static func evidenceSection(_ h: inout HTMLBuilder, _ findings: [Finding]) {
        h.raw("<section id=\"evidence\">\n<h2>Evidence records behind the findings</h2>\n")
        guard findings.contains(where: { !$0.evidence.isEmpty }) else {
            h.raw("<p>No evidence: no findings.</p>\n</section>\n")
            return
        }
        h.raw("<p><label>Filter: <input id=\"filter\" type=\"search\" placeholder=\"text in any column\"></label> ")
        h.raw("<span id=\"shown\"></span></p>\n")
        h.raw("<table id=\"evidence-table\" class=\"list\"><thead><tr><th>finding</th><th>time</th><th>source</th><th>message</th></tr></thead><tbody>\n")
        for (k, f) in findings.enumerated() {
            for e in f.evidence {
                h.raw("<tr class=\"sev-\(f.severity.rawValue)\"><td><a href=\"#finding-\(k + 1)\">")
                h.text(f.title); h.raw("</a></td><td class=\"t\">"); h.text(e.timestamp.map(time) ?? ""); h.raw("</td><td>")
                h.text(e.filePath + e.locator); h.raw("</td><td>"); h.text(e.message); h.raw("</td></tr>\n")
            }
        }
        h.raw("</tbody></table>\n</section>\n")
    }

    static func messagesSection(_ h: inout HTMLBuilder, _ groups: [MessageGroup]) {
        h.raw("<section id=\"messages\">\n<h2>Top recurring AMTError messages</h2>\n")
        guard !groups.isEmpty else {
            h.raw("<p>No AMTError errors or warnings.</p>\n</section>\n")
            return
        }
        h.raw("<table class=\"list\"><thead><tr><th>count</th><th>level</th><th>template</th><th>first</th><th>last</th><th>example</th></tr></thead><tbody>\n")
        for g in groups {
            h.raw("<tr><td class=\"num\">\(g.count)</td><td>\(g.level.rawValue)</td><td>"); h.text(g.template)
            h.raw("</td><td class=\"t\">"); h.text(g.firstSeen.map(time) ?? ""); h.raw("</td><td class=\"t\">")
            h.text(g.lastSeen.map(time) ?? "")
            h.raw("</td><td>"); h.text(g.example.message); h.raw("<br><small>"); h.text(g.example.filePath + g.example.locator)
            h.raw("</small></td></tr>\n")
        }
        h.raw("</tbody></table>\n</section>\n")
    }

    static func sourcesSection(_ h: inout HTMLBuilder, _ sources: [SourceSummary], _ skipped: [(String, String)]) {
        h.raw("<section id=\"sources\">\n<h2>Sources</h2>\n")
        h.raw("<table class=\"list\"><thead><tr><th>source</th><th>kind</th><th>critical</th><th>error</th><th>warning</th><th>total</th><th>status</th><th>note</th></tr></thead><tbody>\n")
        let ordered = sources.sorted {
            let a = ($0.counts.critical, $0.counts.error, $0.counts.warning)
            let b = ($1.counts.critical, $1.counts.error, $1.counts.warning)
            if a != b { return a > b }
            return $0.path < $1.path
        }
        for s in ordered {
            h.raw("<tr><td>"); h.text(s.path); h.raw("</td><td>"); h.text(s.dataset)
            h.raw("</td><td class=\"num\">\(s.counts.critical)</td><td class=\"num\">\(s.counts.error)</td>")
            h.raw("<td class=\"num\">\(s.counts.warning)</td><td class=\"num\">\(s.counts.total)</td><td>"); h.text(s.status.rawValue)
            h.raw("</td><td>")
            var notes: [String] = []
            if let note = s.note { notes.append(note) }
            if s.parseErrors > 0 { notes.append("\(s.parseErrors) entries could not be parsed") }
            h.text(notes.joined(separator: "; "))
            h.raw("</td></tr>\n")
        }
        h.raw("</tbody></table>\n")
        if !skipped.isEmpty {
            h.raw("<h3>Not collected</h3>\n<ul>\n")
            for (path, reason) in skipped { h.raw("<li>"); h.text("\(path): \(reason)"); h.raw("</li>\n") }
            h.raw("</ul>\n")
        }
        h.raw("</section>\n")
    }

    // MARK: - Formatting

    static func label(_ kind: Timeline.Kind) -> String {
        switch kind {
        case .started: "system started (event log service started)"
        case .cleanStop: "clean shutdown"
        case .unexpectedShutdown: "previous shutdown was unexpected"
        case .powerLoss: "rebooted without a clean shutdown (Kernel-Power 41)"
        case .plannedRestart: "planned restart or shutdown"
        }
    }

    /// `YYYY-MM-DD HH:MM:SSZ`.
    static func time(_ t: Timestamp) -> String {
        let c = t.civil
        return "\(c.year)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }

    static func hourLabel(_ t: Timestamp) -> String {
        let c = t.civil
        return "\(c.year)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):00Z"
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// A coordinate with one decimal, the same on every platform.
    static func n(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let a = abs(tenths)
        return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
    }

    /// The smallest of 1, 2, 4, 5 × 10^k (divisible by 4 where it can be) at or above `v`.
    static func niceCeiling(_ v: Int) -> Int {
        var scale = 1
        while true {
            for m in [1, 2, 4, 5, 8] where m * scale >= v { return m * scale < 4 ? 4 : m * scale }
            scale *= 10
        }
    }

    static let css = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;max-width:1000px;padding:0 16px 40px;color:#222;background:#fff}
    h1{font-size:1.5em;margin:16px 0 8px}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}
    .facts{display:flex;flex-wrap:wrap;gap:24px}table.kv caption{text-align:left;font-weight:600}
    table.kv th{text-align:left;font-weight:normal;color:#555;padding-right:12px}
    nav a{margin-right:12px}
    .finding{border-left:6px solid #888;padding:4px 12px;margin:12px 0;background:#fafafa}
    .finding h3{margin:4px 0;font-size:1.05em}.finding .meta{margin:2px 0;color:#555}
    .sev-critical{border-color:#b00020}.sev-error{border-color:#e65100}.sev-warning{border-color:#f9a825}.sev-information{border-color:#1565c0}
    .badge{display:inline-block;font-size:.75em;text-transform:uppercase;padding:1px 6px;border-radius:3px;color:#fff;background:#888}
    .sev-critical .badge{background:#b00020}.sev-error .badge{background:#e65100}.sev-warning .badge{background:#f9a825;color:#222}.sev-information .badge{background:#1565c0}
    .area{font-size:.8em;color:#666;font-weight:normal}.next{margin:4px 0}
    ul.ev{margin:4px 0;padding-left:18px;font-size:.9em}ul.ev code{color:#444}
    .ok{font-size:1.1em;color:#2e7d32}
    table.list{border-collapse:collapse;width:100%;font-size:.9em}table.list th,table.list td{border-bottom:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top}
    table.list td{word-break:break-word}td.num{text-align:right}
    svg{max-width:100%;height:auto;font-size:11px}.grid{stroke:#e8e8e8}.axisline,.tick{stroke:#555}
    .ylab{text-anchor:end;fill:#555}.xlab{text-anchor:middle;fill:#555}.axis{text-anchor:middle;fill:#333}
    .legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.9em}
    .swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
    .up{fill:#66bb6a;background:#66bb6a}.down{fill:#ef5350;background:#ef5350}
    .m-start{fill:#2e7d32;color:#2e7d32}.m-stop{fill:#757575;color:#757575}.m-planned{fill:#1565c0;color:#1565c0}
    .m-unexpected{fill:#e65100;color:#e65100}.m-power{fill:#b00020;color:#b00020}
    .xlab.start{text-anchor:start}.xlab.end{text-anchor:end}td.t{white-space:nowrap}
    .note{color:#666;font-size:.9em}input[type=search]{width:320px;padding:3px}

    """

    static let script = """
    (function () {
      var box = document.getElementById('filter');
      if (!box) { return; }
      var rows = document.querySelectorAll('#evidence-table tbody tr');
      var shown = document.getElementById('shown');
      function apply() {
        var q = box.value.toLowerCase(), n = 0;
        rows.forEach(function (row) {
          var hit = row.textContent.toLowerCase().indexOf(q) !== -1;
          row.style.display = hit ? '' : 'none';
          if (hit) { n += 1; }
        });
        shown.textContent = n + ' of ' + rows.length + ' records';
      }
      box.addEventListener('input', apply);
      apply();
    })();

    """
}

/// Appends markup (`raw`) and escaped text (`text`).
struct HTMLBuilder {
    var out = ""

    mutating func raw(_ s: String) { out += s }

    /// Escapes `&`, `<`, `>`, `"`, `'`; drops control characters other than tab and newline.
    mutating func text(_ s: String) {
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0x7F { continue }
                out.unicodeScalars.append(u)
            }
        }
    }
}
