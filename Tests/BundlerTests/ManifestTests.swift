import Bundler
import Foundation
import LogRecord
import Testing

@Suite("Manifest")
struct ManifestTests {
    @Test func snakeCaseKeysSortedAndRoundTrip() throws {
        var manifest = sampleManifest([AddedEntry(path: "records/a.log.jsonl", bytes: 10, sha256: String(repeating: "a", count: 64))])
        manifest.case.checklist = .init(items: [.init(name: "power", answer: .notApplicable, note: "UPS")], stepsToReproduce: "open door")
        manifest.host.osVersion = "10.0.17763"
        manifest.host.timeZone = "Eastern Standard Time"
        manifest.collection.since = "2026-11-24T06:30:00Z"
        manifest.files[0].records = 3
        manifest.files[0].parseErrors = 1
        manifest.files[0].truncated = .init(droppedBytes: 99, how: "head 8 MiB + tail 8 MiB")
        manifest.files[0].counters = ["chunks_skipped": 1]
        manifest.findings = [.init(area: "sql", severity: "error", title: "Login failed", count: 4,
                                   firstSeen: "2026-11-26T01:00:00.000Z", lastSeen: "2026-11-26T02:00:00.000Z",
                                   evidence: ["records/a.log.jsonl:1"], nextStep: "check the SQL login")]
        manifest.skipped = [.init(source: "Windows/System32/winevt/Logs/Security.evtx", reason: "not asked for")]
        manifest.part = .init(index: 1, count: 2, bundleID: "AMT-HQ-42-20261127T063000Z")
        let bytes = try manifest.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        for key in ["\"command_line\"", "\"utc_offset_minutes\"", "\"os_version\"", "\"time_zone\"", "\"duration_ms\"",
                    "\"parse_errors\"", "\"dropped_bytes\"", "\"steps_to_reproduce\"", "\"bundle_id\"", "\"first_seen\"",
                    "\"last_seen\"", "\"next_step\"", "\"chunks_skipped\"", "\"n/a\"", "\"schema\" : \"amt-collect/manifest/1\"",
                    "\"root\" : \"C:\\\\\"", "\"created\" : \"2026-11-27T06:30:00Z\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(!text.contains("\\/"), "slashes are not escaped")
        #expect(text.firstRange(of: "\"case\"")!.lowerBound < text.firstRange(of: "\"collection\"")!.lowerBound, "sorted keys")
        #expect(text.hasSuffix("}\n"))
        #expect(try Manifest.decode(bytes) == manifest)
        #expect(try manifest.encoded() == bytes, "encoding is deterministic")
    }

    @Test func fileFromAddedEntryCarriesShortfall() {
        let short = AddedEntry(path: "raw/x.log", bytes: 5, sha256: "ab", sourceBytes: 9, zeroFilledBytes: 4, shortfall: "x shrank")
        let file = Manifest.File(short, source: "x.log", kind: "text", role: .raw)
        #expect(file.status == .partial)
        #expect(file.reason == "x shrank")
        #expect(file.bytes == 5)
        #expect(Manifest.File(AddedEntry(path: "a", bytes: 1, sha256: "c"), kind: "generated", role: .summary).status == .ok)
    }
}
