import Foundation
import SystemPackage
import Testing
@testable import Collector

@Suite struct CatalogTests {
    @Test func builtinDecodesAndValidates() throws {
        let catalog = Catalog.builtin()
        #expect(catalog.entries.count >= 14)
        try catalog.validate(name: "built-in")
        let ids = catalog.entries.map(\.id)
        #expect(Set(ids).count == ids.count)
        // Every pattern compiles.
        for entry in catalog.entries {
            for pattern in entry.patterns + entry.exclude { _ = try Glob(pattern) }
        }
        #expect(catalog.entries.filter(\.optIn).map(\.id) == ["event_log_security"])
    }

    @Test func builtinRoundTripsThroughJSON() throws {
        let catalog = Catalog.builtin()
        let data = try JSONEncoder().encode(catalog)
        #expect(try JSONDecoder().decode(Catalog.self, from: data) == catalog)
    }

    @Test func mergingReplacesByIDAndAppendsNewOnes() throws {
        let builtin = Catalog.builtin()
        let overrides = Catalog(entries: [
            CatalogEntry(id: "dpinst_log", title: "DPInst elsewhere", group: "install", kind: "dpinst",
                         patterns: ["Drivers/DPINST.LOG"]),
            CatalogEntry(id: "site_extra", title: "Site logs", group: "amt_error", kind: "auto",
                         patterns: ["AMT/Logs/*.log"]),
        ])
        let merged = builtin.merging(overrides)
        #expect(merged.entries.count == builtin.entries.count + 1)
        let index = try #require(builtin.entries.firstIndex { $0.id == "dpinst_log" })
        #expect(merged.entries[index].patterns == ["Drivers/DPINST.LOG"])
        #expect(merged.entries.last?.id == "site_extra")
        #expect(Array(merged.entries.prefix(index)) == Array(builtin.entries.prefix(index)))
    }

    @Test func loadsAUserCatalogWithDefaults() throws {
        let tree = try TempTree("catalog")
        let file = try tree.write("site.json", """
            {"entries": [{"id": "site_logs", "group": "amt_error", "kind": "auto", "patterns": ["AMT/**/*.log"]}]}
            """)
        let catalog = try Catalog.load(from: FilePath(file))
        let entry = try #require(catalog.entries.first)
        #expect(entry.title == "site_logs")
        #expect(entry.exclude.isEmpty && !entry.optIn && entry.maxBytes == nil)
    }

    @Test(arguments: [
        (#"{"entries": [ {"id": "x", "#, "JSON syntax: Unexpected end of file"),
        ("{\"entries\": [\n  {\"id\": \"x\" \"kind\": 1}]}", "JSON syntax: Invalid value around character 27 (line 2, column 14)"),
        (#"{"entries": [{"id": "x", "group": "sql", "patterns": ["a"]}]}"#, "missing field \"kind\" at entries[0]"),
        (#"{"entries": [{"id": "x", "group": "logs", "kind": "auto", "patterns": ["a"]}]}"#, "entry 1 (\"x\"): unknown \"group\" \"logs\""),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "csv", "patterns": ["a"]}]}"#, "unknown \"kind\" \"csv\""),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "auto", "patterns": ["Log/[abc"]}]}"#, "pattern \"Log/[abc\" has an unclosed '['"),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "auto", "patterns": ["../etc/*"]}]}"#, "must not contain '..'"),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "auto", "patterns": []}]}"#, "\"patterns\" is empty"),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "auto", "patterns": ["a"]}, {"id": "x", "group": "sql", "kind": "auto", "patterns": ["b"]}]}"#, "entry 2 (\"x\"): \"id\" is used twice"),
        (#"{"entries": [{"id": "x", "group": "sql", "kind": "auto", "patterns": "a"}]}"#, "wrong type at entries[0].patterns"),
    ])
    func badCatalogFileNamesFileAndProblem(json: String, problem: String) throws {
        let tree = try TempTree("bad-catalog")
        let file = try tree.write("my catalog.json", json)
        do {
            _ = try Catalog.load(from: FilePath(file))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidCatalog)
            #expect(error.message.contains(file))
            #expect(error.description.contains(problem), "\(error.description)")
        }
    }

    @Test func missingCatalogFileIsNotFound() {
        do {
            _ = try Catalog.load(from: "/nonexistent/amt/catalog.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("/nonexistent/amt/catalog.json"))
            #expect(error.underlying == "No such file or directory")
        }
    }
}
