import Foundation
import LogRecord
import Testing
import Triage

@Suite(.serialized) struct ReportTests {
    static let hostile = "<script>alert(1)</script> \"quoted\" 'single' & more"

    /// A report whose every text field carries markup.
    static func hostileInput() -> ReportInput {
        var engine = FindingsEngine(rules: .builtin())
        for k in 0..<6 {
            var r = T.text("amt.error", "Error: \(hostile) door 10.0.0.\(k)", at: Int64(k * 3600), line: k + 1)
            r.filePath = "logs/<img src=x onerror=alert(2)>.log"
            engine.observe(r)
        }
        engine.observe(T.event("Microsoft-Windows-Kernel-Power", 41, level: .critical, message: "Kernel-Power 41: \(hostile)"))
        engine.observe(T.event("EventLog", 6005, level: .information, at: 60))
        var counts = LevelCounts()
        counts.add(T.text("amt.error", "x"))
        return ReportInput(caseFields: [("Case", hostile), ("Site", nil)], hostFacts: [("Host", hostile)],
                           collection: [("Root", "C:\\")], findings: engine.findings(), timeline: engine.timeline(),
                           histogram: engine.histogram(), messageGroups: engine.messageGroups(limit: 10),
                           sources: [SourceSummary(path: hostile, dataset: "amt.error", counts: counts, status: .partial,
                                                   note: hostile)],
                           skipped: [(hostile, hostile)])
    }

    @Test func logContentCannotInjectMarkup() throws {
        let html = ReportHTML.render(Self.hostileInput())
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; &amp; more"))
        // Exactly one script element: ours.
        #expect(html.components(separatedBy: "<script").count == 2)
        try HTMLCheck.wellFormed(html)
    }

    @Test func selfContainedAndStable() throws {
        let input = Self.hostileInput()
        let html = ReportHTML.render(input)
        #expect(html == ReportHTML.render(input), "same input, same bytes")
        for banned in ["http:", "https:", "src=\"", "<link", "@import", "url(", "//cdn"] {
            let outsideText = html.replacingOccurrences(of: "&lt;img src=x", with: "")
            #expect(!outsideText.contains(banned), "external reference: \(banned)")
        }
        #expect(html.contains("<svg class=\"chart\""))
        #expect(html.contains("<svg class=\"timeline\""))
        #expect(html.contains("id=\"filter\""))
    }

    @Test func healthyReport() throws {
        var engine = FindingsEngine(rules: .builtin())
        engine.observe(T.event("EventLog", 6005, level: .information))
        let html = ReportHTML.render(ReportInput(
            caseFields: [("Case", "1")], hostFacts: [], findings: engine.findings(), timeline: engine.timeline(),
            histogram: engine.histogram(), messageGroups: [], sources: [], skipped: []))
        #expect(html.contains("No known problems found."))
        #expect(!html.contains("<svg class=\"chart\""))
        try HTMLCheck.wellFormed(html)
    }

    @Test func demoReport() throws {
        let demo = try Demo.run()
        let findings = demo.engine.findings()
        let html = ReportHTML.render(ReportInput(
            caseFields: Demo.caseFields, hostFacts: Demo.hostFacts, collection: [("Root", "Fixtures/demo-site")],
            findings: findings, timeline: demo.engine.timeline(), histogram: demo.engine.histogram(),
            messageGroups: demo.engine.messageGroups(limit: 20), sources: demo.sources, skipped: []))
        try HTMLCheck.wellFormed(html)
        for f in findings { #expect(html.contains(HTMLCheck.escape(f.title)), "missing \(f.title)") }
        #expect(html.contains("<svg class=\"chart\"") && html.contains("<svg class=\"timeline\""))
        #expect(!html.contains("http:") && !html.contains("https:"))
        // Every evidence record is a row of the filterable table.
        let table = html[html.range(of: "id=\"evidence-table\"")!.lowerBound...]
        let rows = table.components(separatedBy: "<tr class=\"sev-").count - 1
        #expect(rows == findings.reduce(0) { $0 + $1.evidence.count })

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("amt-demo-REPORT.html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        try HTMLCheck.browser(file, mustContain: findings.map { HTMLCheck.escape($0.title) } + ["<svg", "<rect"])
    }
}

enum HTMLCheck {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    /// Python's `html.parser` walks the document; every element must be closed in order
    /// (void elements excepted) and the parser must see exactly one `<script>`.
    static func wellFormed(_ html: String) throws {
        let checker = #"""
        import sys, html.parser
        VOID = {"meta", "br", "input", "hr", "img", "link", "line", "rect", "circle", "path"}
        class P(html.parser.HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.errors, self.scripts = [], [], 0
            def handle_starttag(self, tag, attrs):
                if tag == "script": self.scripts += 1
                if tag not in VOID: self.stack.append((tag, self.getpos()))
            def handle_endtag(self, tag):
                if tag in VOID: return
                if not self.stack or self.stack[-1][0] != tag:
                    self.errors.append("unexpected </%s> at %s, open: %s" % (tag, self.getpos(), self.stack[-3:]))
                else:
                    self.stack.pop()
        p = P()
        p.feed(sys.stdin.read())
        p.close()
        if p.stack: p.errors.append("unclosed: %s" % p.stack)
        if p.scripts != 1: p.errors.append("%d script elements" % p.scripts)
        print("\n".join(p.errors))
        sys.exit(1 if p.errors else 0)
        """#
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("amt-html-\(UUID().uuidString).html")
        try html.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let (status, out) = try T.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "python3 -c \"$0\" < \"$1\"", checker, input.path])
        #expect(status == 0, "HTML check failed: \(out)")
    }

    /// Loads `file` in headless Chromium when it is installed and checks the rendered DOM.
    static func browser(_ file: URL, mustContain: [String]) throws {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let chromium = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            withKnownIssue("chromium is not installed: the headless browser check was skipped", isIntermittent: true) {
                Issue.record("chromium not found at \(candidates.joined(separator: ", "))")
            }
            return
        }
        let (status, dom) = try T.run(URL(fileURLWithPath: chromium),
                                      ["--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", file.absoluteString])
        #expect(status == 0)
        for s in mustContain { #expect(dom.contains(s), "rendered DOM lacks \(s)") }
        // The filter script ran: it wrote the count of shown rows.
        #expect(dom.contains(" records</span>"))
    }
}
