@testable import Collect
import Collector
import Bundler
import Foundation
import LogRecord
import Logging
import Parsers
import Redaction
import SystemPackage
import Testing

/// A site written for the test: configs that name logs inside and outside the catalog's folders.
private struct ConfigSite {
    let root: URL
    let out: URL

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("amt-config-logs-\(UUID().uuidString)")
        root = base.appendingPathComponent("root")
        out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func remove() { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }

    var settings: CollectSettings {
        CollectSettings(root: FilePath(root.path), outputDirectory: FilePath(out.path), zone: SiteZone.named("UTC")!,
                        fixedCreated: Timestamp(microsecondsSinceEpoch: 1_796_000_000_000_000))
    }
}

private let nlogConfig = """
<nlog xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <targets>
    <target xsi:type="File" name="errors" fileName="C:\\ProgramData\\Vendor\\Logs\\errors-${shortdate}.log"
            layout="${longdate} [${level:uppercase=true}] ${logger} ${message}" />
    <target xsi:type="File" name="web" fileName="${basedir}/../../../inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log"
            layout="${longdate}|${level}|${message}" />
    <target xsi:type="File" name="gone" fileName="C:\\ProgramData\\Vendor\\Logs\\gone.log" />
    <target xsi:type="File" name="unused" fileName="C:\\ProgramData\\Vendor\\Logs\\unused.log" />
  </targets>
  <rules><logger name="*" minlevel="Info" writeTo="errors,web,gone" /></rules>
</nlog>
"""

private let log4netConfig = """
<configuration><log4net>
  <appender name="Same" type="log4net.Appender.FileAppender">
    <file value="C:\\ProgramData\\Vendor\\Logs\\errors-2026-11-24.log" />
    <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%date %-5level %logger - %message%newline" /></layout>
  </appender>
  <appender name="Share" type="log4net.Appender.FileAppender">
    <file value="\\\\filer\\logs\\x.log" />
    <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%message%newline" /></layout>
  </appender>
  <root><appender-ref ref="Same" /><appender-ref ref="Share" /></root>
</log4net></configuration>
"""

@Suite("Config-named logs in collect")
struct ConfigNamedLogsTests {
    @Test("declared logs are found, layouts attached to new and catalog-found files, missing ones listed")
    func search() throws {
        let site = try ConfigSite()
        defer { site.remove() }
        try site.write("Program Files/AMT/WebBRIX/NLog.config", nlogConfig)
        try site.write("Program Files/AMT/WebBRIX/Service.exe.config", log4netConfig)
        try site.write("ProgramData/Vendor/Logs/errors-2026-11-24.log", "2026-11-24 10:00:00.000 [ERROR] A boom\n")
        try site.write("ProgramData/Vendor/Logs/errors-2026-11-23.log", "2026-11-23 10:00:00.000 [INFO] A ok\n")
        try site.write("ProgramData/Vendor/Logs/unused.log", "old\n")
        try site.write("inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log", "2026-11-24 10:00:00.0000|Error|x\n")
        // Serilog in a site's appsettings (comments allowed), rolling by day.
        try site.write("inetpub/wwwroot/Api/appsettings.Production.json", """
            { // the API's logging
              "Serilog": { "WriteTo": [ { "Name": "File", "Args": { "path": "C:\\\\ProgramData\\\\Vendor\\\\Logs\\\\api-.log",
                "rollingInterval": "Day", "formatter": "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact" } }, ] }
            }
            """)
        try site.write("ProgramData/Vendor/Logs/api-20261124.log", "{\"@t\":\"2026-11-24T10:00:00Z\",\"@mt\":\"x\"}\n")

        let settings = site.settings
        let found = Discovery(root: settings.root, catalog: settings.catalog, logger: Logger(label: "test")).run()
        #expect(found.sources.contains { $0.relativePath == "inetpub/wwwroot/Api/appsettings.Production.json" && $0.kind == .config })
        let logs = ConfigLogSearch.run(after: found, root: settings.root, includes: [], window: .all, logger: Logger(label: "test"))

        // New files: the error logs, the API's log and the unused target's old file; the web log was found by the catalog.
        #expect(logs.sources.map(\.relativePath) == [
            "ProgramData/Vendor/Logs/api-20261124.log",
            "ProgramData/Vendor/Logs/errors-2026-11-23.log", "ProgramData/Vendor/Logs/errors-2026-11-24.log",
            "ProgramData/Vendor/Logs/unused.log"])
        #expect(logs.layouts["ProgramData/Vendor/Logs/api-20261124.log"]?.spec == .serilogJSON(compact: true))
        #expect(logs.sources.allSatisfy { $0.kind == .dataset(Dataset.amtError) })
        #expect(logs.sources.first?.entryID == "config:inetpub/wwwroot/Api/appsettings.Production.json#File")
        #expect(logs.sources.dropFirst().first?.entryID == "config:Program Files/AMT/WebBRIX/NLog.config#errors")
        #expect(found.sources.contains { $0.relativePath == "inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log" })

        let web = try #require(logs.layouts["inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log"])
        #expect(web == DeclaredLayout(spec: .nlog(layout: "${longdate}|${level}|${message}"),
                                      configFile: "Program Files/AMT/WebBRIX/NLog.config", target: "web"))
        // Two configs name one file: the choice is by config path, then target, and is noted.
        let same = try #require(logs.layouts["ProgramData/Vendor/Logs/errors-2026-11-24.log"])
        #expect(same.configFile == "Program Files/AMT/WebBRIX/NLog.config")
        #expect(same.target == "errors")
        #expect(logs.notes.contains {
            $0.hasPrefix("ProgramData/Vendor/Logs/errors-2026-11-24.log: also named by Program Files/AMT/WebBRIX/Service.exe.config target Same")
        }, "\(logs.notes)")

        // Missing: a referenced target without files, and one on a share; the unused target is not expected.
        #expect(logs.missing == [
            .init(path: "ProgramData/Vendor/Logs/gone.log", entry: "config:Program Files/AMT/WebBRIX/NLog.config#gone",
                  reason: "named by Program Files/AMT/WebBRIX/NLog.config target gone; not found under the root"),
            .init(path: "\\\\filer\\logs\\x.log", entry: "config:Program Files/AMT/WebBRIX/Service.exe.config#Share",
                  reason: "named by Program Files/AMT/WebBRIX/Service.exe.config target Share; on a network share (\\\\filer\\logs)"),
        ], "\(logs.missing)")
    }

    @Test("the layout reaches the parse context of every source a config names")
    func layoutReachesParse() throws {
        let site = try ConfigSite()
        defer { site.remove() }
        try site.write("Program Files/AMT/WebBRIX/NLog.config", nlogConfig)
        try site.write("ProgramData/Vendor/Logs/errors-2026-11-24.log", "2026-11-24 10:00:00.000 [ERROR] A boom\n")
        try site.write("inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log", "2026-11-24 10:00:00.0000|Error|x\n")
        let settings = site.settings
        let job = CollectJob(settings: settings, logger: Logger(label: "test"))
        let found = Discovery(root: settings.root, catalog: settings.catalog, logger: Logger(label: "test")).run()
        let logs = ConfigLogSearch.run(after: found, root: settings.root, includes: [], window: .all, logger: Logger(label: "test"))
        let plan = job.sourceJobs(found, configLogs: logs, redactor: Redactor(mode: .secrets))
        let context = SourceContext(work: FilePath(site.out.path), hostName: nil, zone: settings.zone, window: .all,
                                    redactor: nil, packLevel: nil)
        func layout(_ path: String) -> DeclaredLayout? {
            plan.jobs.first { $0.relativePath == path }.flatMap { SourceStage.parseContext(for: $0, context: context).layout }
        }
        #expect(layout("ProgramData/Vendor/Logs/errors-2026-11-24.log")?.spec
                == .nlog(layout: "${longdate} [${level:uppercase=true}] ${logger} ${message}"))
        #expect(layout("inetpub/wwwroot/WebBRIX/App_Data/AMTError-web.log")?.target == "web")
        #expect(layout("Program Files/AMT/WebBRIX/NLog.config") == nil)
        #expect(plan.configMissing.map(\.path) == ["ProgramData/Vendor/Logs/gone.log"])
    }

    @Test("a collect run bundles the found logs and lists the missing ones in the manifest and SUMMARY.txt")
    func collect() throws {
        let site = try ConfigSite()
        defer { site.remove() }
        try site.write("Program Files/AMT/WebBRIX/NLog.config", nlogConfig)
        try site.write("ProgramData/Vendor/Logs/errors-2026-11-24.log", "2026-11-24 10:00:00.000 [ERROR] A boom\n")
        let outcome = try CollectJob(settings: site.settings, logger: Logger(label: "test")).run()
        _ = outcome.claim.release()
        let reader = try BundleReader(path: outcome.bundle)
        let names = try reader.entries().map(\.name)
        func entry(_ suffix: String) throws -> [UInt8] {
            try reader.read(try #require(names.first { $0.hasSuffix(suffix) }, "no \(suffix) in \(names)"))
        }
        let manifest = try entry("/manifest.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.contains { $0["source"] as? String == "ProgramData/Vendor/Logs/errors-2026-11-24.log" && $0["kind"] as? String == "amt.error" })
        let skipped = try #require(json["skipped"] as? [[String: Any]])
        #expect(skipped.contains {
            $0["source"] as? String == "ProgramData/Vendor/Logs/gone.log"
                && $0["reason"] as? String == "named by Program Files/AMT/WebBRIX/NLog.config target gone; not found under the root"
        }, "\(skipped)")
        let summary = String(decoding: try entry("/SUMMARY.txt"), as: UTF8.self)
        #expect(summary.contains("LOGS NAMED BY LOGGING CONFIGS BUT NOT COLLECTED (2)\n"), "\(summary)")
        #expect(summary.contains("  ProgramData/Vendor/Logs/gone.log: named by Program Files/AMT/WebBRIX/NLog.config target gone; not found under the root\n"))
    }

    @Test("the demo site: every AMT log its configs name gets the config's layout")
    func demoSite() throws {
        let root = FilePath(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/demo-site").path)
        let found = Discovery(root: root, catalog: .builtin(), logger: Logger(label: "test")).run()
        let logs = ConfigLogSearch.run(after: found, root: root, includes: [], window: .all, logger: Logger(label: "test"))
        #expect(logs.notes.isEmpty, "\(logs.notes)")
        #expect(logs.layouts.mapValues { "\($0.configFile)#\($0.target ?? "")" } == [
            "inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-2026-11-26.log": "Program Files (x86)/AMT/WebBRIX/NLog.config#amterror",
            "ProgramData/AMT/Services/AMTError_Service.log": "Program Files (x86)/AMT/WebBRIX/web.config#AMTErrorService",
            "ProgramData/Integrator/WebBRIX-logs/integrator-2026-11-24.log":
                "Program Files (x86)/AMT/WebBRIX/Integrator/WebBRIX.Integrator.exe.config#integrator",
            "ProgramData/Integrator/WebBRIX-logs/archive/integrator.0.log":
                "Program Files (x86)/AMT/WebBRIX/Integrator/WebBRIX.Integrator.exe.config#integrator",
        ])
        #expect(logs.layouts["ProgramData/AMT/Services/AMTError_Service.log"]?.spec == .log4net(
            pattern: "%date [%thread] %-5level %logger - %message%newline%exception", header: "[Header]\r\n", footer: "[Footer]\r\n"))
        #expect(logs.sources.map(\.relativePath) == ["ProgramData/Integrator/WebBRIX-logs/archive/integrator.0.log",
                                                    "ProgramData/Integrator/WebBRIX-logs/integrator-2026-11-24.log"])
        #expect(logs.missing.map(\.reason) == [
            "named by Program Files (x86)/AMT/WebBRIX/Integrator/WebBRIX.Integrator.exe.config target trace; on another volume (D:)"])
    }

    @Test("a rolling log on another volume is listed once, not once per rolled name")
    func otherVolumeListedOnce() throws {
        let site = try ConfigSite()
        defer { site.remove() }
        try site.write("Program Files/AMT/WebBRIX/log4net.config", """
            <log4net>
              <appender name="Rolling" type="log4net.Appender.RollingFileAppender">
                <file value="E:\\Logs\\app.log" />
                <rollingStyle value="Composite" /><datePattern value="yyyyMMdd" /><maxSizeRollBackups value="5" />
                <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%date %message%newline" /></layout>
              </appender>
              <root><level value="ALL" /><appender-ref ref="Rolling" /></root>
            </log4net>
            """)
        let found = Discovery(root: site.settings.root, catalog: .builtin(), logger: Logger(label: "test")).run()
        let logs = ConfigLogSearch.run(after: found, root: site.settings.root, includes: [], window: .all, logger: Logger(label: "test"))
        #expect(logs.missing.map(\.reason) == ["named by Program Files/AMT/WebBRIX/log4net.config target Rolling; on another volume (E:)"])
    }

    @Test("a config on another volume is matched against an --include of that drive")
    func includeOnOtherDrive() {
        #expect(ConfigLogSearch.includeMatches(FilePath("D:\\Logs\\app-2026.log"), drive: "D:", pattern: "Logs/app-*.log",
                                               includes: [FilePath("D:\\Logs")]))
        #expect(!ConfigLogSearch.includeMatches(FilePath("D:\\Other\\app-2026.log"), drive: "D:", pattern: "Logs/app-*.log",
                                                includes: [FilePath("D:\\Other")]))
        #expect(!ConfigLogSearch.includeMatches(FilePath("E:\\Logs\\app-2026.log"), drive: "D:", pattern: "Logs/app-*.log",
                                                includes: [FilePath("E:\\Logs")]))
    }
}
