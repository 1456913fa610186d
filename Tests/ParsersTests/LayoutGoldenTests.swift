import Foundation
import LogRecord
import Parsers
import Testing

/// Golden records for each layout family, from the config + log pairs `scripts/make-layout-fixtures`
/// writes under `Fixtures/parsers/amt.error/layouts/`: the layout is taken out of the config here
/// (a small extraction of the test's own) and the log parsed with it. The site's zone is a fixed
/// UTC-5 (`Etc/GMT+5`): local times shift by five hours, UTC renderers and stated offsets do not.
@Suite struct LayoutGoldenTests {
    struct Pair: Sendable, CustomTestStringConvertible {
        var dir: String
        var config: String
        var log: String
        var entries: Int
        var testDescription: String { dir }
    }

    static let pairs: [Pair] = [
        Pair(dir: "log4net", config: "log4net.config", log: "AMTError.log", entries: 7),
        Pair(dir: "nlog", config: "NLog.config", log: "2026-11-24.log", entries: 7),
        Pair(dir: "nlog-json", config: "NLog.config", log: "errors.json", entries: 7),
        Pair(dir: "nlog-csv", config: "NLog.config", log: "errors.csv", entries: 7),
        Pair(dir: "serilog", config: "appsettings.json", log: "webbrix-20261124.log", entries: 7),
        Pair(dir: "clef", config: "appsettings.json", log: "webbrix.clef", entries: 7),
        Pair(dir: "entlib", config: "web.config", log: "trace.log", entries: 7),
    ]

    static let root = TestPaths.fixtures.appendingPathComponent("parsers/amt.error/layouts")
    static let zone = SiteZone(timeZone: TimeZone(identifier: "Etc/GMT+5")!, isKnown: true)

    static func unescapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#13;", with: "\r").replacingOccurrences(of: "&#10;", with: "\n")
            .replacingOccurrences(of: "&#xA;", with: "\n").replacingOccurrences(of: "&#xD;", with: "\r")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func groups(_ pattern: String, _ text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : String(text[Range(m.range(at: $0), in: text)!]) }
        }
    }

    /// The layout the pair's config declares, read here with regular expressions.
    static func spec(_ p: Pair) throws -> LayoutSpec {
        let text = try String(contentsOf: root.appendingPathComponent(p.dir).appendingPathComponent(p.config), encoding: .utf8)
        func first(_ pattern: String) -> String? { groups(pattern, text).first.map { unescapeXML($0[1]) } }
        switch p.dir {
        case "log4net":
            return .log4net(pattern: first(#"conversionPattern value="([^"]*)""#)!, header: first(#"<header value="([^"]*)""#),
                            footer: first(#"<footer value="([^"]*)""#))
        case "nlog":
            return .nlog(layout: first(#"layout="([^"]*)""#)!)
        case "nlog-json":
            return .nlogJSON(attributes: groups(#"<attribute name="([^"]*)" layout="([^"]*)""#, text).map { LayoutColumn(name: $0[1], layout: unescapeXML($0[2])) })
        case "nlog-csv":
            return .nlogCSV(columns: groups(#"<column name="([^"]*)" layout="([^"]*)""#, text).map { LayoutColumn(name: $0[1], layout: unescapeXML($0[2])) },
                            delimiter: first(#"delimiter="([^"]*)""#) ?? "Auto", withHeader: first(#"withHeader="([^"]*)""#) == "true")
        case "serilog":
            return .serilog(template: first(#""outputTemplate": "([^"]*)""#)!)
        case "clef":
            return .serilogJSON(compact: first(#""formatter": "([^"]*)""#)!.contains("Compact"))
        case "entlib":
            return .entLib(template: first(#"template="([^"]*)""#)!)
        default:
            throw CocoaError(.featureUnsupported)
        }
    }

    static func parse(_ p: Pair, layout: DeclaredLayout?, chunkSize: Int = 977) throws -> (records: [Record], stats: ParseStats) {
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(p.dir).appendingPathComponent(p.log)))
        let context = ParseContext(sourcePath: "layouts/\(p.dir)/\(p.log)", zone: zone, layout: layout)
        return try TextParsing.parse(bytes: bytes, dataset: "amt.error", context: context, chunkSize: chunkSize)
    }

    @Test(arguments: pairs)
    func golden(_ p: Pair) throws {
        let declared = DeclaredLayout(spec: try Self.spec(p), configFile: "layouts/\(p.dir)/\(p.config)", target: p.dir)
        let (records, stats) = try Self.parse(p, layout: declared)
        #expect(stats.layout?.source == .config)
        #expect(stats.layout?.file == "layouts/\(p.dir)/\(p.config)")
        #expect(stats.parseErrors == 0, "\(stats.problems)")
        #expect(records.filter { $0.timestamp != nil }.count == p.entries)
        // Byte by byte, the same.
        let (again, _) = try Self.parse(p, layout: declared, chunkSize: 1)
        #expect(again == records)
        var out: [UInt8] = []
        let writer = JSONLinesWriter()
        for r in records { writer.append(r, to: &out) }
        let expectedURL = Self.root.appendingPathComponent(p.dir).appendingPathComponent(p.log + ".expected.jsonl")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try Data(out).write(to: expectedURL)
            Issue.record("re-recorded \(expectedURL.lastPathComponent); unset RECORD_GOLDEN to compare")
            return
        }
        let want = try String(contentsOf: expectedURL, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let got = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (i, (g, w)) in zip(got, want).enumerated() where g != w {
            Issue.record("\(p.dir): record \(i + 1) differs\n got: \(g)\nwant: \(w)")
            return
        }
        #expect(got.count == want.count)
    }

    /// Without the config the same entries, levels and times come out (inferred layout).
    @Test(arguments: pairs)
    func inferredAgrees(_ p: Pair) throws {
        let declared = DeclaredLayout(spec: try Self.spec(p), configFile: "layouts/\(p.dir)/\(p.config)")
        let (withConfig, _) = try Self.parse(p, layout: declared)
        let (inferred, stats) = try Self.parse(p, layout: nil)
        #expect(stats.layout?.source == .inferred || stats.layout?.source == .builtin)
        // A UTC renderer (`universalTime=true`) or a local EntLib `{timestamp(local)}` cannot be
        // told from the other without the config: there the times agree up to the zone's offset.
        let shifts = Set(zip(inferred, withConfig).map { ($0.timestamp?.microseconds ?? 0) - ($1.timestamp?.microseconds ?? 0) })
        #expect(inferred.count == withConfig.count)
        #expect(inferred.allSatisfy { $0.timestamp != nil } == withConfig.allSatisfy { $0.timestamp != nil })
        #expect(shifts.count == 1 && shifts.first! % 900_000_000 == 0, "\(shifts)")
        if !["nlog", "entlib"].contains(p.dir) { #expect(shifts == [0]) }
        #expect(inferred.map(\.level) == withConfig.map(\.level))
        #expect(inferred.map(\.errorType) == withConfig.map(\.errorType))
    }

    /// A declared layout that matches nothing in the file falls back to inference, and says so.
    @Test func mismatchedConfigFallsBack() throws {
        let p = Self.pairs[0]
        let wrong = DeclaredLayout(spec: .nlog(layout: "${longdate}|${level}|${logger}|${message}"), configFile: "NLog.config", target: "file")
        let (records, stats) = try Self.parse(p, layout: wrong)
        #expect(stats.layout?.source == .inferred || stats.layout?.source == .builtin)
        #expect(stats.problems.contains { $0.contains("NLog.config") && $0.contains("inferred") })
        #expect(records.filter { $0.timestamp != nil }.count == p.entries)
    }
}
