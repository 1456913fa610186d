import Foundation
import Redaction
import Testing

/// Runs the built binary on the redaction test site (Fixtures/redaction-site, written by
/// scripts/make-redaction-site): planted secrets and personal data must not reach the bundle in any
/// encoding, while the values next to them survive.
@Suite(.serialized) struct RedactionEndToEndTests {
    struct Planted: Decodable {
        var secrets: [String]
        var pii: [String]
        var neighbours: [String]
        var include: [String]
    }

    static let base = E2E.packageRoot.appendingPathComponent("Fixtures/redaction-site")

    static func planted() throws -> Planted {
        try JSONDecoder().decode(Planted.self, from: Data(contentsOf: base.appendingPathComponent("planted.json")))
    }

    struct Run {
        var bundle: String
        var top: String
        var entries: [String: [UInt8]]
        var manifest: [String: Any]
        var files: [[String: Any]]
    }

    /// A copy of the site, collected into `out` with `extra` arguments.
    static func collect(site: URL, out: URL, _ extra: [String], epoch: String = "1795000000") throws -> Run {
        let planted = try planted()
        var args = ["collect", "--root", site.path, "--out", out.path, "--case", "R-1", "--site", "Redaction",
                    "--tz", "America/New_York", "--batch", "--json"] + extra
        for inc in planted.include { args += ["--include", site.appendingPathComponent(inc).path] }
        let run = try E2E.run(args, environment: ["SOURCE_DATE_EPOCH": epoch])
        #expect(run.status == 0, "collect failed: \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let bundle = try #require(result["bundle"] as? String)
        #expect(try E2E.run(["verify", bundle]).status == 0, "verify failed")
        let entries = try E2E.readArchive(bundle)
        let top = URL(fileURLWithPath: bundle).deletingPathExtension().lastPathComponent
        let manifestBytes = try #require(entries["\(top)/manifest.json"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        return Run(bundle: bundle, top: top, entries: entries, manifest: manifest,
                   files: manifest["files"] as? [[String: Any]] ?? [])
    }

    static func copySite(_ name: String) throws -> (dir: URL, site: URL, out: URL) {
        let dir = try E2E.tempDir(name)
        let site = dir.appendingPathComponent("site")
        try FileManager.default.copyItem(at: base.appendingPathComponent("tree"), to: site)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        return (dir, site, out)
    }

    static func utf16le(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= hay.count else { return false }
        let first = needle[0]
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first, hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// Entries holding `value` in UTF-8 or UTF-16LE.
    static func holders(_ value: String, in entries: [String: [UInt8]]) -> [String] {
        let a = Array(value.utf8), b = utf16le(value)
        return entries.filter { contains($0.value, a) || contains($0.value, b) }.map(\.key).sorted()
    }

    @Test func secretsNeverLeaveTheSite() throws {
        let planted = try Self.planted()
        #expect(planted.secrets.count >= 30)
        let (dir, site, out) = try Self.copySite("redact-secrets")
        defer { try? FileManager.default.removeItem(at: dir) }
        // No --redact: secrets is the default.
        let r = try Self.collect(site: site, out: out, [])

        for secret in planted.secrets {
            let found = Self.holders(secret, in: r.entries)
            #expect(found.isEmpty, "secret \(secret) is in \(found)")
        }
        for neighbour in planted.neighbours {
            #expect(!Self.holders(neighbour, in: r.entries).isEmpty, "\(neighbour) was redacted too")
        }
        // Every supported format took part.
        let kinds = Set(r.files.compactMap { $0["kind"] as? String })
        for kind in ["amt.error", "msi", "sql.errorlog", "sql.setup", "setupapi", "installshield", "dpinst", "text", "config", "windows.evtx"] {
            #expect(kinds.contains(kind), "no \(kind) source: \(kinds.sorted())")
        }
        // The manifest: mode and counts per rule, per file too, never the values.
        let collection = r.manifest["collection"] as? [String: Any]
        let redaction = collection?["redaction"] as? [String: Any]
        #expect(redaction?["mode"] as? String == "secrets")
        let counts = redaction?["counts"] as? [String: Int] ?? [:]
        #expect(counts.values.reduce(0, +) >= planted.secrets.count - 2, "\(counts)")
        for rule in ["connection-string-password", "config-value", "msi-property", "msi-hidden-property", "url-credentials",
                     "authorization-header", "bearer-token", "pem-private-key", "event-data-secret", "secret-key-value"] {
            #expect((counts[rule] ?? 0) > 0, "no \(rule) replacement counted: \(counts)")
        }
        let perFile = r.files.compactMap { $0["redactions"] as? [String: Int] }.map { $0.values.reduce(0, +) }.reduce(0, +)
        #expect(perFile == counts.values.reduce(0, +))
        // The event log whose records were redacted is left out with the reason; its records stand in.
        let evtx = r.files.filter { ($0["source"] as? String)?.hasSuffix("Application.evtx") == true }
        let rawEVTX = evtx.first { $0["role"] as? String == "raw" }
        #expect(rawEVTX?["status"] as? String == "skipped")
        #expect((rawEVTX?["reason"] as? String)?.contains("redacted records stand in") == true)
        #expect(!r.entries.keys.contains { $0.hasSuffix("raw/Windows/System32/winevt/Logs/Application.evtx") })
        #expect(r.entries.keys.contains { $0.hasSuffix("records/Windows/System32/winevt/Logs/Application.evtx.jsonl") })

        // UTF-16 raw copies keep their structure: BOM, CRLF and every byte but the values.
        for rel in ["Windows/Temp/MSI7c3d1.LOG", "Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG"] {
            let original = try Data(contentsOf: site.appendingPathComponent(rel))
            var text = String(decoding: Array(original.dropFirst(2)).withUnsafeBufferPointer { b in
                Array(UnsafeRawBufferPointer(b).bindMemory(to: UInt16.self)) }, as: UTF16.self)
            for secret in planted.secrets { text = text.replacingOccurrences(of: secret, with: "[REDACTED]") }
            let expected = [0xFF, 0xFE] + Self.utf16le(text)
            #expect(r.entries["\(r.top)/raw/\(rel)"] == expected, "\(rel) is not the original with only its secrets replaced")
        }
        // The records were parsed from the redacted text: values gone, neighbours kept.
        let records = String(decoding: r.entries["\(r.top)/records/Windows/Temp/MSI7c3d1.LOG.jsonl"] ?? [], as: UTF8.self)
        #expect(records.contains("[REDACTED]") && records.contains("5.2.1.7"))
    }

    @Test func piiPseudonymsAreConsistentAndKeptOnSite() throws {
        let planted = try Self.planted()
        let (dir, site, out) = try Self.copySite("redact-pii")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.collect(site: site, out: out, ["--redact", "pii"])

        for value in planted.secrets + planted.pii {
            let found = Self.holders(value, in: r.entries)
            #expect(found.isEmpty, "\(value) is in \(found)")
            // Nor in entry names (a user's temp folder is named after the user).
            #expect(!r.entries.keys.contains { $0.contains(value) }, "\(value) names an entry")
            #expect(!r.bundle.contains(value))
        }
        #expect(r.entries.keys.contains { $0.contains("/raw/Users/user-") && $0.hasSuffix("/AppData/Local/Temp/MSI1a2b3.LOG") })
        for neighbour in planted.neighbours {
            #expect(!Self.holders(neighbour, in: r.entries).isEmpty, "\(neighbour) was redacted too")
        }
        // The mapping is beside the bundle, not in it, and holds the real values.
        let mapURL = out.appendingPathComponent("amt-redaction-map.json")
        let mapData = try Data(contentsOf: mapURL)
        let map = try #require(try JSONSerialization.jsonObject(with: mapData) as? [String: Any])
        let maps = try #require(map["maps"] as? [String: [String: String]])
        #expect(!r.entries.keys.contains { $0.contains("redaction-map") })
        #expect(Self.holders("amt-collect/redaction-map", in: r.entries).isEmpty)
        let host = try #require(maps["host"]?["webbrix-srv01"])
        let ipPrefix = try #require(maps["ipv4_prefix"]?["10.20.30"])
        let ip41 = ipPrefix + ".41", ip42 = ipPrefix + ".42"
        let user = try #require(maps["user"]?["webbrixsvc"])

        // The same pseudonyms in raw files (UTF-16 ERRORLOG), records, event records and the manifest.
        let errorlogRaw = try #require(r.entries["\(r.top)/raw/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG"])
        let errorlogRecords = try #require(r.entries["\(r.top)/records/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG.jsonl"])
        for p in [host, ip41, user] {
            #expect(Self.contains(errorlogRaw, Self.utf16le(p)), "\(p) not in the raw ERRORLOG")
            #expect(Self.contains(errorlogRecords, Array(p.utf8)), "\(p) not in the ERRORLOG records")
        }
        let evtxRecords = try #require(r.entries["\(r.top)/records/Windows/System32/winevt/Logs/Application.evtx.jsonl"])
        #expect(Self.contains(evtxRecords, Array(host.utf8)) && Self.contains(evtxRecords, Array(ip42.utf8)))
        #expect(Self.contains(r.entries["\(r.top)/raw/Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Summary.txt"] ?? [], Array(host.utf8)))
        #expect((r.manifest["host"] as? [String: Any])?["name"] as? String == host)
        let summary = String(decoding: r.entries["\(r.top)/SUMMARY.txt"] ?? [], as: UTF8.self)
        #expect(summary.contains(host))
        // Under pii every binary event log is left out.
        let rawEVTX = r.files.first { ($0["source"] as? String)?.hasSuffix("Application.evtx") == true && $0["role"] as? String == "raw" }
        #expect(rawEVTX?["status"] as? String == "skipped")
        #expect((rawEVTX?["reason"] as? String)?.contains("pii") == true)
        #expect(((r.manifest["collection"] as? [String: Any])?["redaction"] as? [String: Any])?["mode"] as? String == "pii")

        // A later run reuses the mapping: same pseudonyms, and the map only grows.
        try FileManager.default.removeItem(atPath: r.bundle)
        let again = try Self.collect(site: site, out: out, ["--redact", "pii"], epoch: "1795000600")
        let map2 = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: mapURL)) as? [String: Any])
        let maps2 = try #require(map2["maps"] as? [String: [String: String]])
        for (kind, entries) in maps {
            for (value, pseudonym) in entries { #expect(maps2[kind]?[value] == pseudonym, "\(kind) \(value) changed") }
        }
        let errorlog2 = try #require(again.entries["\(again.top)/records/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG.jsonl"])
        #expect(errorlog2 == errorlogRecords)
    }
}
