import Collector
import Foundation
import SystemPackage
import Testing

@Suite("Source kinds")
struct SourceKindTests {
    @Test func rawValuesRoundTrip() {
        for raw in SourceKind.known {
            let kind = SourceKind(rawValue: raw)
            #expect(kind.rawValue == raw)
            #expect(kind.isKnown)
        }
        #expect(SourceKind(rawValue: "auto") == .auto)
        #expect(SourceKind(rawValue: "config") == .config)
        #expect(SourceKind(rawValue: "msi").dataset == "msi")
        #expect(SourceKind.auto.dataset == nil && SourceKind.config.dataset == nil)
        #expect(!SourceKind(rawValue: "msi.verbose").isKnown)
    }

    @Test func catalogsKeepTheirKindsAndRefuseUnknownOnes() throws {
        let entry = CatalogEntry(id: "x", title: "X", group: "install", kind: .dataset("setupapi"), patterns: ["a/*.log"])
        let json = try JSONEncoder().encode(entry)
        #expect(String(decoding: json, as: UTF8.self).contains(#""kind":"setupapi""#))
        #expect(try JSONDecoder().decode(CatalogEntry.self, from: json) == entry)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("amt-kind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("catalog.json")
        try Data(#"{"entries":[{"id":"y","group":"install","kind":"msi.verbose","patterns":["a/*.log"]}]}"#.utf8).write(to: file)
        #expect {
            _ = try Catalog.load(from: FilePath(file.path))
        } throws: { error in
            "\(error)".contains("unknown \"kind\" \"msi.verbose\"")
        }
    }
}
