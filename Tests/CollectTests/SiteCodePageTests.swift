import Bundler
import Collect
import Foundation
import LogRecord
import Logging
import SystemPackage
import CodePageEncoding
import CodePages
import Testing

/// cp1250 bytes through the platform's converter.
private func cp1250(_ text: String) -> [UInt8]? { PlatformEncoder.encode(text, .windows1250) }

@Suite struct SiteCodePageTests {
    /// A copied Czech site: one setupapi log says windows-1250 clearly; the other has only letters
    /// that 1250 and 1252 share, and is read with the site's code page, as the manifest says.
    @Test(.enabled(if: cp1250("x") != nil, "needs glibc iconv to encode"))
    func aCopiedTreeLendsItsCodePageToAmbiguousFiles() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("amt-cp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let inf = base.appendingPathComponent("root/Windows/INF")
        try FileManager.default.createDirectory(at: inf, withIntermediateDirectories: true)
        let out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        var clear = "[Device Install Log]\r\n     OS Version = 10.0.17763\r\n\r\n"
        for i in 0..<12 {
            clear += ">>>  [Instalace zařízení - USB\\VID_0801&PID_000\(i % 10)]\r\n>>>  Section start 2024/03/05 10:11:\(10 + i).123\r\n"
            clear += "     dvi: Ovladač zařízení byl vybrán, přístup odepřen: oem\(i).inf\r\n<<<  Section end 2024/03/05 10:11:\(20 + i).456\r\n"
            clear += "<<<  [Exit status: SUCCESS]\r\n\r\n"
        }
        let ambiguous = ">>>  [Vlákno dál]\r\n>>>  Section start 2024/03/05 11:00:00.000\r\n     ump: Vlákno dál\r\n<<<  Section end 2024/03/05 11:00:01.000\r\n"
        try Data(try #require(cp1250(clear))).write(to: inf.appendingPathComponent("setupapi.dev.log"))
        // Alone, its "á" (0xE1 in both pages) would be read as windows-1252.
        try Data(try #require(cp1250(ambiguous))).write(to: inf.appendingPathComponent("setupapi.app.log"))

        let settings = CollectSettings(root: FilePath(base.appendingPathComponent("root").path), outputDirectory: FilePath(out.path),
                                       caseID: "cp", site: "Brno", zone: SiteZone.named("UTC")!,
                                       fixedCreated: Timestamp(microsecondsSinceEpoch: 1_796_000_000_000_000))
        let outcome = try CollectJob(settings: settings, logger: Logger(label: "test"), progress: { _ in }).run()
        #expect(outcome.claim.release() == nil)
        let reader = try BundleReader(path: outcome.bundle)
        let manifest = try reader.manifest()
        let dev = try #require(manifest.files.first { $0.source == "Windows/INF/setupapi.dev.log" })
        let app = try #require(manifest.files.first { $0.source == "Windows/INF/setupapi.app.log" })
        #expect(dev.encoding?.name == "windows-1250")
        #expect(dev.encoding?.decided == "detector")
        #expect(app.encoding?.name == "windows-1250")
        #expect(app.encoding?.decided == "site-prior" || app.encoding?.decided == "detector")
        let top = try #require(try reader.topFolder())
        let facts = String(decoding: try reader.read("\(top)/system/facts.json"), as: UTF8.self)
        #expect(facts.contains("\"ansi_code_page\" : 1250"))
        let records = String(decoding: try reader.read("\(top)/records/Windows/INF/setupapi.dev.log.jsonl"), as: UTF8.self)
        #expect(records.contains("Ovladač zařízení byl vybrán"))
        // The raw copy is the file's own bytes.
        let raw = try reader.read("\(top)/raw/Windows/INF/setupapi.dev.log")
        #expect(raw == (try #require(cp1250(clear))))
    }
}
