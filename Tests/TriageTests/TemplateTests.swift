import LogRecord
@testable import Triage
import Testing

@Suite struct TemplateTests {
    /// Pairs that differ only in variable parts group together.
    @Test(arguments: [
        ("Door controller 10.0.20.31 did not respond within 2000 ms",
         "Door controller 192.168.1.7 did not respond within 500 ms",
         "Door controller <ip> did not respond within <n> ms"),
        ("Badge 4711 rejected at reader {3F2504E0-4F89-11D3-9A0C-0305E82C3301}",
         "Badge 12 rejected at reader 9b2e1c44-0a1b-4c2d-8e3f-123456789abc",
         "Badge <n> rejected at reader <guid>"),
        ("Peer fe80::1ff:fe23:4567:890a%12 unreachable", "Peer 2001:db8::2 unreachable", "Peer <ip> unreachable"),
        ("Peer 2001:0db8:0000:0000:0000:ff00:0042:8329 unreachable", "Peer ::1 unreachable", "Peer <ip> unreachable"),
        ("HRESULT 0x80131904 from provider", "HRESULT 0x8007000E from provider", "HRESULT <hex> from provider"),
        ("Checksum 6720a3f1 mismatch", "Checksum deadbeef01 mismatch", "Checksum <hex> mismatch"),
        ("Cannot open C:\\Program Files (x86)\\AMT\\WebBRIX\\cfg.xml for reading",
         "Cannot open D:\\AMT\\other.xml for reading", "Cannot open <path> for reading"),
        ("Log at C:\\Logs\\a.log.", "Log at E:\\x\\y z\\b.txt.", "Log at <path>."),
        ("Share \\\\fileserver\\amt\\export.csv is offline", "Share \\\\nas01\\x is offline", "Share <path> is offline"),
        ("Missing /var/lib/amt/queue.db", "Missing /opt/amt/x", "Missing <path>"),
        ("Login failed for user 'webbrix'.", "Login failed for user 'sa'.", "Login failed for user '<str>'."),
        ("Job \"BadgeSync\" ran 229.5 s", "Job \"Export\" ran 3 s", "Job \"<str>\" ran <n> s"),
        ("Controller 10.0.20.31:4001 timed out at 10:41:19", "Controller 10.0.0.5:80 timed out at 09:02:33",
         "Controller <ip> timed out at <n>:<n>:<n>"),
    ])
    func groupsVariants(a: String, b: String, template: String) {
        #expect(MessageTemplate.make(a) == MessageTemplate.make(b))
        #expect(MessageTemplate.make(a) == template)
    }

    @Test func differentTextsStayApart() {
        let texts = ["Door controller 10.0.20.31 did not respond", "Door controller 10.0.20.31 answered slowly",
                     "Unlock of door 3 failed", "Lock of door 3 failed", "Win32Exception in module 7",
                     "Win64Exception in module 7"]
        #expect(Set(texts.map(MessageTemplate.make)).count == texts.count)
        // Digits inside words are kept; only the first line counts.
        #expect(MessageTemplate.make("MSSQL15 on Win32 x 12\nstack 1\nstack 2") == "MSSQL15 on Win32 x <n>")
        // A dotted version is a number, not an address.
        #expect(MessageTemplate.make("version 5.2.0.1187 from 10.0.0.1") == "version <n> from <ip>")
        #expect(MessageTemplate.make("it's fine, don't worry") == "it's fine, don't worry")
    }

    @Test func messageGroupsCountFirstLastAndExample() {
        var engine = FindingsEngine(rules: RuleSet(rules: []))
        for k in 0..<4 {
            engine.observe(T.text("amt.error", "Error: Door controller 10.0.20.\(k) did not respond within \(k) ms",
                                  level: k == 3 ? .warning : .error, at: Int64(100 - k)))
        }
        engine.observe(T.text("amt.error", "Error: queue full"))
        engine.observe(T.text("amt.error", "Service started", level: .information))
        engine.observe(T.text("msi", "Error: not an AMTError log"))
        let groups = engine.messageGroups(limit: 10)
        #expect(groups.map(\.template) == ["Error: Door controller <ip> did not respond within <n> ms", "Error: queue full"])
        #expect(groups.map(\.count) == [4, 1])
        #expect(groups[0].level == .error)
        #expect(groups[0].firstSeen == T.t0.adding(seconds: 97) && groups[0].lastSeen == T.t0.adding(seconds: 100))
        #expect(groups[0].example.message == "Error: Door controller 10.0.20.0 did not respond within 0 ms")
        #expect(engine.messageGroups(limit: 1).count == 1)
    }
}

@Suite struct BoundedMemoryTests {
    /// A million distinct messages (words made of their numbers, so numbers alone do not group them)
    /// keep at most `templateLimit` templates; the rest land in `other`; counts add up.
    @Test func templatesAreCapped() {
        var engine = FindingsEngine(rules: .builtin())
        var r = T.text("amt.error", "")
        let letters = Array("abcdefghij")
        for k in 0..<1_000_000 {
            // "Error in module bdcf at step 1234": the word differs for every k, the number is abstracted.
            var word = ""
            var v = k
            repeat { word.append(letters[v % 10]); v /= 10 } while v > 0
            r.message = "Error in module \(word) at step \(k)"
            r.timestamp = T.t0.adding(seconds: Int64(k))
            engine.observe(r)
        }
        #expect(engine.templateCount <= FindingsEngine.templateLimit)
        let groups = engine.messageGroups(limit: .max)
        #expect(groups.count == FindingsEngine.templateLimit)
        #expect(groups.reduce(0) { $0 + $1.count } == 1_000_000)
        #expect(groups.first?.template == "other")
        // The recurring-error rule's groups are capped too.
        let findings = engine.findings().filter { $0.ruleID == "amterror-recurring" }
        #expect(findings.count == 1 && findings.first?.group == "other")
        // The histogram keeps 14 days: 1,000,000 s is about 278 hours, all within.
        let h = engine.histogram()
        #expect(h.hours <= FindingsEngine.histogramHours)
        #expect(h.series.reduce(0) { $0 + $1.counts.reduce(0, +) } + h.droppedOlder == 1_000_000)
    }

    @Test func histogramKeepsTheLastFourteenDaysAndCapsSources() {
        var engine = FindingsEngine(rules: RuleSet(rules: []))
        for k in 0..<(40 * 24) {  // one error an hour for 40 days, from 40 sources
            var r = T.text("text", "boom", at: Int64(k) * 3600)
            r.filePath = "src\(k % 40).log"
            engine.observe(r)
        }
        let h = engine.histogram()
        #expect(h.hours == FindingsEngine.histogramHours)
        #expect(h.series.count == FindingsEngine.histogramSources)
        #expect(h.series.last?.source == "other sources")
        #expect(h.droppedOlder == 40 * 24 - FindingsEngine.histogramHours)
        #expect(h.series.allSatisfy { $0.counts.count == h.hours })
    }

    @Test func timelineIsBounded() {
        var engine = FindingsEngine(rules: RuleSet(rules: []))
        for k in 0..<(FindingsEngine.timelineLimit + 50) {
            engine.observe(T.event("EventLog", 6005, level: .information, at: Int64(-k)))
        }
        let t = engine.timeline()
        #expect(t.events.count == FindingsEngine.timelineLimit && t.dropped == 50)
        #expect(zip(t.events, t.events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
    }
}

/// The one-pass IPv4 check against a plain reading of its rule (split on `:` and `.`), over every
/// string of up to seven characters from `0 1 2 5 9 . : x` sampled densely.
@Suite struct IPv4CheckTests {
    static func reference(_ run: ArraySlice<UInt8>) -> Bool {
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        var parts = run.split(separator: 0x3A, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(isDigit) else { return false }
            parts.removeLast()
        }
        guard parts.count == 1 else { return false }
        let octets = parts[0].split(separator: 0x2E, omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        for o in octets {
            guard (1...3).contains(o.count), o.allSatisfy(isDigit) else { return false }
            if Int(String(decoding: o, as: UTF8.self))! > 255 { return false }
        }
        return true
    }

    @Test func agreesWithTheRule() {
        let alphabet = Array("0125.:x9".utf8)
        var checked = 0
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let fixed = ["1.2.3.4", "10.0.20.245", "255.255.255.255", "256.1.1.1", "1.2.3.4:80", "1.2.3.4:", "1.2.3.4:8:0",
                     "01.002.3.4", "0001.2.3.4", "1.2.3", "1.2.3.4.", ".1.2.3", "1..2.3", "", ":80", "1.2.3.4:x"]
        for text in fixed {
            let run = ArraySlice(Array(text.utf8))
            #expect(MessageTemplate.isIPv4(run) == Self.reference(run), "\(text)")
        }
        for _ in 0..<200_000 {
            let length = Int(next() % 16)
            var bytes: [UInt8] = []
            for _ in 0..<length { bytes.append(alphabet[Int(next() % 8)]) }
            let run = ArraySlice(bytes)
            if MessageTemplate.isIPv4(run) != Self.reference(run) {
                Issue.record("disagree on \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            checked += 1
        }
        #expect(checked == 200_000)
    }
}
