import Foundation
import LogRecord
import Testing
import Triage

@Suite struct BuiltinRuleTests {
    @Test func builtinRulesParseAndAreComplete() {
        let rules = RuleSet.builtin().rules
        let ids = Set(rules.map(\.id))
        #expect(ids.count == rules.count)
        for expected in ["power-unexpected-shutdown", "service-crash", "service-start-failed", "install-failed",
                         "install-failed-eventlog", "sql-login-failed", "sql-log-full", "sql-io-error", "disk-errors",
                         "ntfs-corruption", "time-sync", "ip-conflict", "dns-failures", "amterror-recurring",
                         "application-crash"] {
            #expect(ids.contains(expected), "missing rule \(expected)")
        }
        for rule in rules {
            #expect(rule.nextStep.count > 40, "rule \(rule.id) needs a concrete next step")
        }
    }

    @Test func powerLoss() {
        #expect(T.ruleIDs([T.event("Microsoft-Windows-Kernel-Power", 41, level: .critical)]) == ["power-unexpected-shutdown"])
        #expect(T.ruleIDs([T.event("EventLog", 6008)]) == ["power-unexpected-shutdown"])
        // Clean boots and stops, and planned restarts, are timeline only.
        #expect(T.ruleIDs([T.event("EventLog", 6005, level: .information), T.event("EventLog", 6006, level: .information),
                           T.event("User32", 1074, level: .information)]).isEmpty)
        // Same id from another provider is not a power loss.
        #expect(T.ruleIDs([T.event("Some-Other-Provider", 41)]).isEmpty)
    }

    @Test func services() {
        for id in [7031, 7034] { #expect(T.ruleIDs([T.event("Service Control Manager", id)]) == ["service-crash"]) }
        for id in [7000, 7009, 7023] {
            #expect(T.ruleIDs([T.event("Service Control Manager", id)]) == ["service-start-failed"])
        }
        // 7036 (entered the running state) is normal.
        #expect(T.ruleIDs([T.event("Service Control Manager", 7036, level: .information)]).isEmpty)
    }

    @Test func installFailures() {
        var failed = T.text("msi", "Installation of WebBRIX Server failed with exit code 1603", code: "1603")
        failed.outcome = .failure
        failed.setExtra("install.exit_code", .string("1603"))
        var engine = FindingsEngine(rules: .builtin())
        engine.observe(failed)
        var busy = failed
        busy.setExtra("install.exit_code", .string("1618"))
        engine.observe(busy)
        let findings = engine.findings()
        #expect(findings.map(\.ruleID) == ["install-failed", "install-failed"])
        #expect(Set(findings.map(\.title)) == ["An installation failed — exit code 1603", "An installation failed — exit code 1618"])

        for dataset in ["sql.setup", "installshield", "setupapi", "dpinst"] {
            var r = T.text(dataset, "setup failed", level: .error)
            r.outcome = .failure
            #expect(T.ruleIDs([r]) == ["install-failed"], "\(dataset)")
        }
        #expect(T.ruleIDs([T.event("MsiInstaller", 11708, level: .information)]) == ["install-failed-eventlog"])

        // Near misses: a translated custom action error, a successful install, MsiInstaller 11707.
        let translated = T.text("msi", "CustomAction X returned actual error code 1603 but will be translated to success due to continue marking",
                                level: .information, code: "1603")
        var succeeded = T.text("sql.setup", "SQL Server setup succeeded (exit code 0).", level: .information, code: "0")
        succeeded.outcome = .success
        #expect(T.ruleIDs([translated, succeeded, T.event("MsiInstaller", 11707, level: .information)]).isEmpty)
    }

    /// One SQL Server setup run stated by its Summary.txt, Detail.txt and a `Log*.cab` copy is one
    /// failed installation; another run with the same exit code counts apart.
    @Test func installFailedCountsARunOnce() throws {
        func summary(_ path: String, run: String?) -> Record {
            var r = T.text("sql.setup", "SQL Server setup failed with exit code -2068052377 (0x84BC0667)", code: "-2068052377")
            r.filePath = path
            r.outcome = .failure
            r.setExtra("install.exit_code", .string("-2068052377"))
            if let run { r.setExtra("install.run_id", .string(run)) }
            return r
        }
        var engine = FindingsEngine(rules: .builtin())
        engine.observe(summary("Log/20261121_140211/Summary_WBX_20261121_140211.txt", run: "sql.setup/20261121_140211"))
        engine.observe(summary("Log/20261121_140211/Detail.txt", run: "sql.setup/20261121_140211"))
        engine.observe(summary("Log/Log20261121_140211.cab/Detail.txt", run: "sql.setup/20261121_140211"))
        engine.observe(summary("Log/20261122_091000/Detail.txt", run: "sql.setup/20261122_091000"))
        // Records that name no run all count.
        engine.observe(summary("a/Detail.txt", run: nil))
        engine.observe(summary("b/Detail.txt", run: nil))
        let f = try #require(engine.findings().first { $0.ruleID == "install-failed" })
        #expect(engine.findings().filter { $0.ruleID == "install-failed" }.count == 1)
        #expect(f.count == 4)
        #expect(f.evidence.map(\.filePath) == ["Log/20261121_140211/Summary_WBX_20261121_140211.txt",
                                               "Log/20261122_091000/Detail.txt", "a/Detail.txt", "b/Detail.txt"])
    }

    @Test func distinctByDecodesAndDefaultsToNil() throws {
        let json = #"{"id": "x", "area": "install", "severity": "error", "title": "X", "nextStep": "Do something concrete about X right away.", "match": {"datasets": ["msi"]}, "distinctBy": "amt.install.run_id"}"#
        let rule = try JSONDecoder().decode(Rule.self, from: Data(json.utf8))
        #expect(rule.distinctBy == "amt.install.run_id")
        let plain = try JSONDecoder().decode(Rule.self, from: Data(json.replacingOccurrences(of: #", "distinctBy": "amt.install.run_id""#, with: "").utf8))
        #expect(plain.distinctBy == nil)
    }

    @Test func sqlLoginFailuresByState() {
        func login(_ state: Int) -> Record {
            var r = T.text("sql.errorlog", "Error: 18456, Severity: 14, State: \(state).\nLogin failed for user 'webbrix'.",
                           code: "18456", provider: "Logon")
            r.setExtra("sql.state", .int(Int64(state)))
            return r
        }
        var engine = FindingsEngine(rules: .builtin())
        for r in [login(8), login(8), login(38)] { engine.observe(r) }
        engine.observe(T.event("MSSQLSERVER", 18456, level: .information,
                               message: "MSSQLSERVER 18456: Data[0]=Login failed for user 'sa'."))
        let f = engine.findings()
        #expect(f.map(\.title) == ["SQL Server login failures — state 8", "SQL Server login failures",
                                   "SQL Server login failures — state 38"])
        #expect(f.map(\.count) == [2, 1, 1])
        // Another error number from the Logon source is not a login failure.
        #expect(T.ruleIDs([T.text("sql.errorlog", "Error: 18452", code: "18452", provider: "Logon")]).isEmpty)
    }

    @Test func sqlStorage() {
        #expect(T.ruleIDs([T.text("sql.errorlog", "Error: 9002 The transaction log for database 'WebBRIX' is full",
                                  code: "9002", provider: "spid64")]) == ["sql-log-full"])
        #expect(T.ruleIDs([T.event("MSSQLSERVER", 1105)]) == ["sql-log-full"])
        for code in ["823", "824", "825"] {
            #expect(T.ruleIDs([T.text("sql.errorlog", "Error: \(code)", code: code, provider: "spid12s")]) == ["sql-io-error"])
        }
        // Event 9002 of an unrelated provider is not SQL Server's.
        #expect(T.ruleIDs([T.event("SomeApp", 9002)]).isEmpty)
    }

    @Test func applicationCrashes() {
        #expect(T.ruleIDs([T.event("Application Error", 1000)]) == ["application-crash"])
        #expect(T.ruleIDs([T.event(".NET Runtime", 1026)]) == ["application-crash"])
        // Windows Error Reporting's follow-up and another provider's 1000 are not crashes.
        #expect(T.ruleIDs([T.event("Windows Error Reporting", 1001)]).isEmpty)
        #expect(T.ruleIDs([T.event("MsiInstaller", 1000, level: .information)]).isEmpty)
    }

    @Test func storageTimeNetwork() {
        for id in [7, 11, 51, 153] { #expect(T.ruleIDs([T.event("disk", id)]) == ["disk-errors"]) }
        #expect(T.ruleIDs([T.event("Ntfs", 55)]) == ["ntfs-corruption"])
        #expect(T.ruleIDs([T.event("disk", 55)]).isEmpty)
        #expect(T.ruleIDs([T.event("Microsoft-Windows-Time-Service", 36, level: .warning)]) == ["time-sync"])
        #expect(T.ruleIDs([T.event("Microsoft-Windows-Time-Service", 129, level: .warning)]) == ["time-sync"])
        // Time-Service information events (e.g. 37, now receiving valid time) are not drift.
        #expect(T.ruleIDs([T.event("Microsoft-Windows-Time-Service", 37, level: .information)]).isEmpty)
        #expect(T.ruleIDs([T.event("Tcpip", 4199)]) == ["ip-conflict"])
        let dns = (0..<3).map { T.event("Microsoft-Windows-DNS-Client", 1014, level: .warning, at: Int64($0)) }
        #expect(T.ruleIDs(dns) == ["dns-failures"])
        #expect(T.ruleIDs(Array(dns.prefix(2))).isEmpty, "below the threshold of 3")
    }

    @Test func recurringAMTErrors() {
        let records = (0..<5).map {
            T.text("amt.error", "Error: Door controller 10.0.20.\($0 + 1) did not respond within \($0 * 100) ms", at: Int64($0 * 60))
        }
        var engine = FindingsEngine(rules: .builtin())
        for r in records { engine.observe(r) }
        let f = engine.findings()
        #expect(f.map(\.ruleID) == ["amterror-recurring"])
        #expect(f.first?.title == "Recurring WebBRIX error — Error: Door controller <ip> did not respond within <n> ms")
        #expect(f.first?.count == 5)
        // Four repeats, five warnings, or five different messages: no finding.
        #expect(T.ruleIDs(Array(records.prefix(4))).isEmpty)
        #expect(T.ruleIDs(records.map { var r = $0; r.level = .warning; return r }).isEmpty)
        #expect(T.ruleIDs(["disk full", "queue stuck", "license expired", "door 3 offline", "badge sync failed"]
            .map { T.text("amt.error", "Error: \($0)") }).isEmpty)
    }

    @Test func healthyStreamHasNoFindings() {
        var records: [Record] = [
            T.event("EventLog", 6005, level: .information), T.event("EventLog", 6006, level: .information),
            T.event("User32", 1074, level: .information), T.event("Service Control Manager", 7036, level: .information),
            T.event("Microsoft-Windows-Time-Service", 37, level: .information),
            T.text("sql.errorlog", "SQL Server is now ready for client connections.", level: .information, provider: "spid9s"),
            T.text("amt.error", "Service started", level: .information),
            T.text("amt.error", "Error: license check failed once"),
        ]
        var ok = T.text("msi", "Installation succeeded (exit code 0)", level: .information, code: "0")
        ok.outcome = .success
        records.append(ok)
        var engine = FindingsEngine(rules: .builtin())
        for r in records { engine.observe(r) }
        #expect(engine.findings().isEmpty)
        let text = SummaryText.render(SummaryInput(caseFields: [("Case", "1")], hostFacts: [], collection: [],
                                                   sources: [], skipped: [], findings: engine.findings(),
                                                   messageGroups: engine.messageGroups(limit: 5)))
        #expect(text.contains("FINDINGS\n  No known problems found.\n"))
        #expect(text.split(separator: "\n").count <= 25, "a healthy summary fits one screen")
    }
}

@Suite struct RuleEngineTests {
    @Test func messagePatternLanguage() {
        let p = MessagePattern("returned actual error code&!translated to success|ignored")
        #expect(p.matches("CustomAction X RETURNED actual error code 1603"))
        #expect(!p.matches("CustomAction X returned actual error code 1603 but will be translated to success"))
        #expect(!p.matches("error code ignored"))
        #expect(MessagePattern("did not respond|timed out").matches("Request TIMED OUT"))
        #expect(!MessagePattern("a&b").matches("only a"))
        #expect(MessagePattern("50\\% \\& more").matches("at 50% & more"))
        #expect(MessagePattern("").matches("anything"))
    }

    @Test func thresholdWithinWindow() {
        let rule = Rule(id: "burst", area: .network, severity: .warning, title: "Burst", nextStep: "x",
                        match: Match(datasets: ["text"], messagePattern: "timeout"), threshold: 3, window: 60)
        let set = RuleSet(rules: [rule])
        // Three within 60 s: fires.
        #expect(T.ruleIDs([0, 20, 50].map { T.text("text", "timeout", at: $0) }, rules: set) == ["burst"])
        // Spread out: three in total but never three within 60 s.
        #expect(T.ruleIDs([0, 50, 100, 200].map { T.text("text", "timeout", at: $0) }, rules: set).isEmpty)
    }

    @Test func extraProvidersAndOutcome() {
        let rule = Rule(id: "x", area: .install, severity: .error, title: "X", nextStep: "y",
                        match: Match(providers: ["*Kernel*"], outcome: "failure", extra: ["amt.install.exit_code": "!0|3010"]))
        var r = T.text("msi", "m", provider: "Microsoft-Windows-Kernel-General")
        r.outcome = .failure
        r.setExtra("install.exit_code", .string("1603"))
        #expect(T.ruleIDs([r], rules: RuleSet(rules: [rule])) == ["x"])
        r.setExtra("install.exit_code", .string("3010"))
        #expect(T.ruleIDs([r], rules: RuleSet(rules: [rule])).isEmpty)
        var noValue = r
        noValue.extras = []
        #expect(T.ruleIDs([noValue], rules: RuleSet(rules: [rule])).isEmpty)
        r.setExtra("install.exit_code", .int(1))
        r.provider = "Other"
        #expect(T.ruleIDs([r], rules: RuleSet(rules: [rule])).isEmpty)
    }

    @Test func evidenceIsBoundedAndFirstLastTracked() {
        var engine = FindingsEngine(rules: .builtin())
        for k in 0..<20 { engine.observe(T.event("Tcpip", 4199, at: Int64(100 - k), recordID: UInt64(k))) }
        let f = try! #require(engine.findings().first)
        #expect(f.count == 20 && f.evidence.count == 5)
        // The earliest five, in time order, whatever order they arrived in.
        #expect(f.evidence.map(\.recordID) == [19, 18, 17, 16, 15])
        #expect(f.firstSeen == T.t0.adding(seconds: 81) && f.lastSeen == T.t0.adding(seconds: 100))
    }

    @Test func loadMergeAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amt-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json")
        try #"""
        {"rules": [
          {"id": "ip-conflict", "area": "network", "severity": "warning", "title": "Replaced", "nextStep": "n",
           "match": {"eventIDs": [4199]}},
          {"id": "site-badge", "area": "service", "severity": "information", "title": "Badge reader offline",
           "nextStep": "Check the reader", "match": {"datasets": ["amt.error"], "messagePattern": "reader&offline"}}
        ]}
        """#.write(to: good, atomically: true, encoding: .utf8)
        let merged = RuleSet.builtin().merging(try RuleSet.load(from: good.path))
        #expect(merged.rules.count == RuleSet.builtin().rules.count + 1)
        #expect(merged.rules.first { $0.id == "ip-conflict" }?.title == "Replaced")
        #expect(merged.rules.last?.id == "site-badge")
        #expect(merged.rules.last?.threshold == 1 && merged.rules.last?.evidenceLimit == 5)

        let bad = dir.appendingPathComponent("bad.json")
        try #"{"rules": [{"id": "a", "area": "plumbing", "severity": "error", "title": "t", "nextStep": "n", "match": {}}]}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let e1 = #expect(throws: RuleSetError.self) { try RuleSet.load(from: bad.path) }
        #expect(e1?.description.contains("bad.json") == true)
        #expect(e1?.description.contains("rules") == true && e1?.description.contains("area") == true)

        let syntax = dir.appendingPathComponent("syntax.json")
        try #"{"rules": [ {"id": "a",, } ]}"#.write(to: syntax, atomically: true, encoding: .utf8)
        let e2 = #expect(throws: RuleSetError.self) { try RuleSet.load(from: syntax.path) }
        #expect(e2?.description.hasPrefix(syntax.path + ": not valid JSON") == true)

        let missing = dir.appendingPathComponent("missing.json")
        try #"{"rules": [{"id": "a", "area": "power", "severity": "error", "title": "t", "match": {}}]}"#
            .write(to: missing, atomically: true, encoding: .utf8)
        let e3 = #expect(throws: RuleSetError.self) { try RuleSet.load(from: missing.path) }
        #expect(e3?.description.contains("missing key 'nextStep' at .rules[0]") == true)

        #expect(throws: RuleSetError.self) { try RuleSet.load(from: dir.appendingPathComponent("nope.json").path) }
    }
}

@Suite struct RuleFileTests {
    @Test func exampleRuleFileLoadsAndWorks() throws {
        let extra = try RuleSet.load(from: T.fixture("Fixtures/triage/example-rules.json").path)
        let rules = RuleSet.builtin().merging(extra)
        #expect(rules.rules.first { $0.id == "dns-failures" }?.severity == .error)
        // One DNS timeout is now enough (the site rule replaced the built-in threshold of 3).
        #expect(T.ruleIDs([T.event("Microsoft-Windows-DNS-Client", 1014, level: .warning)], rules: rules) == ["dns-failures"])
        // Three reader drops within an hour fire; a simulated one does not count.
        let drops = [0, 600, 1200].map { T.text("amt.error", "Reader 7 offline at door 3", level: .warning, at: $0) }
        #expect(T.ruleIDs(drops, rules: rules) == ["badge-reader-offline"])
        let simulated = drops.map { var r = $0; r.message += " (simulated)"; return r }
        #expect(T.ruleIDs(simulated, rules: rules).isEmpty)
        let spread = [0, 3000, 7000].map { T.text("amt.error", "Reader 7 not responding", level: .warning, at: $0) }
        #expect(T.ruleIDs(spread, rules: rules).isEmpty)
    }
}

@Suite struct SummaryFindingsTests {
    @Test func findingsSectionCountsWhatIsNotShown() {
        let rule = Rule(id: "quiet", area: .time, severity: .information, title: "Quiet rule", nextStep: "Nothing to do here, really.",
                        match: Match(datasets: ["text"]), evidenceLimit: 0)
        let loud = Rule(id: "loud", area: .power, severity: .critical, title: "Loud rule", nextStep: "Act now.",
                        match: Match(datasets: ["text"], levels: ["error"]))
        var engine = FindingsEngine(rules: RuleSet(rules: [rule, loud]))
        for k in 0..<4 { engine.observe(T.text("text", "line \(k)\nsecond line", at: Int64(k), line: k + 1)) }
        let text = SummaryText.render(SummaryInput(caseFields: [], hostFacts: [], collection: [], sources: [], skipped: [],
                                                   findings: engine.findings()))
        // Most severe first, evidence as time + file:line, then the message with its lines joined.
        #expect(text.contains("""
            FINDINGS  2: 1 critical, 1 information
              1. [CRITICAL] Loud rule  (power)
                 4 records, first 2026-11-24T08:00:00Z, last 2026-11-24T08:00:03Z
                 - 2026-11-24T08:00:00Z  text.log:1
                   line 0 | second line
            """))
        #expect(text.contains("       (1 more in REPORT.html and the records)\n     Next step: Act now.\n"))
        #expect(text.contains("  2. [INFORMATION] Quiet rule  (time)\n     4 records, first 2026-11-24T08:00:00Z, last 2026-11-24T08:00:03Z\n       (4 more in REPORT.html and the records)\n"))
    }
}
