import Foundation
import LogRecord
@testable import Parsers
import Testing

private func read(_ text: String, _ path: String) -> LoggingConfigResult {
    LoggingConfigReader.read(Array(text.utf8), path: path)
}

private func log(_ r: LoggingConfigResult, _ target: String) throws -> DeclaredLog {
    try #require(r.logs.first { $0.target == target }, "no declared log \(target) in \(r.logs.map(\.target))")
}

@Suite("Logging configs: log4net")
struct LoggingConfigLog4NetTests {
    @Test("Web.config section: rolling file appender, pattern with header/footer, referenced by root")
    func webConfig() throws {
        let r = read("""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <configSections><section name="log4net" type="log4net.Config.Log4NetConfigurationSectionHandler, log4net" /></configSections>
          <log4net>
            <appender name="Svc" type="log4net.Appender.RollingFileAppender">
              <file value="C:\\ProgramData\\AMT\\Services\\AMTError_Service.log" />
              <rollingStyle value="Size" />
              <maxSizeRollBackups value="5" />
              <layout type="log4net.Layout.PatternLayout">
                <header value="[Header]&#13;&#10;" />
                <footer value="[Footer]&#13;&#10;" />
                <conversionPattern value="%date [%thread] %-5level %logger - %message%newline%exception" />
              </layout>
            </appender>
            <appender name="Console" type="log4net.Appender.ConsoleAppender">
              <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
            </appender>
            <appender name="Unused" type="log4net.Appender.FileAppender">
              <file value="unused.log" />
              <layout type="log4net.Layout.XmlLayout" />
            </appender>
            <root><level value="INFO" /><appender-ref ref="Svc" /><appender-ref ref="Console" /></root>
          </log4net>
        </configuration>
        """, "Program Files (x86)/AMT/WebBRIX/web.config")
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.logs.count == 2)
        let svc = try log(r, "Svc")
        #expect(svc.targetType == "RollingFileAppender")
        #expect(svc.referenced)
        #expect(svc.layout == .log4net(pattern: "%date [%thread] %-5level %logger - %message%newline%exception",
                                       header: "[Header]\r\n", footer: "[Footer]\r\n"))
        #expect(svc.rolling.maxSizeRollBackups == 5)
        #expect(svc.rolling.rollingStyle == "Size")
        #expect(svc.declaredLayout?.configFile == "Program Files (x86)/AMT/WebBRIX/web.config")
        let mapped = LogPathMapper.map(svc)
        #expect(mapped.patterns == ["ProgramData/AMT/Services/AMTError_Service.log",
                                    "ProgramData/AMT/Services/AMTError_Service.log.[0-9]*"])
        let unused = try log(r, "Unused")
        #expect(!unused.referenced)
        #expect(unused.layout == nil)
        #expect(unused.layoutType == "log4net.Layout.XmlLayout")
        #expect(LogPathMapper.map(unused).patterns == ["Program Files (x86)/AMT/WebBRIX/unused.log"])
    }

    @Test("param syntax, any case, custom assembly prefix, logger references, level OFF")
    func paramSyntax() throws {
        let r = read("""
        <log4net>
          <appender name="A" type="DMCC_log4net.Appender.RollingFileAppender, DMCC">
            <param name="File" value="logs\\app.log" />
            <MaxSizeRollBackups value ="3"/>
            <param name="DatePattern" value="yyyyMMdd" />
            <param name="RollingStyle" value="Composite" />
            <param name="StaticLogFileName" value="false" />
            <param name="PreserveLogFileNameExtension" value="TRUE" />
            <layout type="DMCC_log4net.Layout.PatternLayout">
              <param name="ConversionPattern" value="%d [%t] %-5p %c - %m%n" />
            </layout>
          </appender>
          <appender name="B" type="log4net.Appender.FileAppender">
            <file value="b.log" />
            <layout type="log4net.Layout.SimpleLayout" />
          </appender>
          <appender name="Fwd" type="log4net.Appender.BufferingForwardingAppender">
            <appender-ref ref="B" />
          </appender>
          <appender name="C" type="log4net.Appender.FileAppender">
            <file value="c.log" />
            <layout type="log4net.Layout.PatternLayout" value="%message%newline" />
          </appender>
          <logger name="x"><level value="DEBUG" /><appender-ref ref="A" /><appender-ref ref="Fwd" /></logger>
          <logger name="y"><level value="OFF" /><appender-ref ref="C" /></logger>
        </log4net>
        """, "Program Files/App/log4net.config")
        let a = try log(r, "A")
        #expect(a.targetType == "RollingFileAppender")
        #expect(a.layout == .log4net(pattern: "%d [%t] %-5p %c - %m%n"))
        #expect(a.referenced)
        #expect(a.rolling.preserveLogFileNameExtension == true)
        #expect(a.rolling.staticLogFileName == false)
        #expect(LogPathMapper.map(a).patterns == [
            "Program Files/App/logs/app.log", "Program Files/App/logs/app*.log",
            "Program Files/App/logs/app*.[0-9]*.log", "Program Files/App/logs/app.[0-9]*.log",
        ])
        let b = try log(r, "B")
        #expect(b.referenced, "written through the forwarding appender")
        #expect(b.layout == .log4net(pattern: Log4NetConfig.simplePattern))
        let c = try log(r, "C")
        #expect(!c.referenced, "its only logger is OFF")
        #expect(c.layout == .log4net(pattern: "%message%newline"))
    }

    @Test("date-rolled names, environment variables and pattern strings in file names")
    func fileNames() throws {
        let r = read("""
        <log4net>
          <appender name="D" type="log4net.Appender.RollingFileAppender">
            <file value="${ProgramData}\\Vendor\\%property{LogName}.log" />
            <rollingStyle value="Date" />
            <datePattern value="'.'yyyy-MM-dd'.txt'" />
            <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
          </appender>
          <appender name="E" type="log4net.Appender.FileAppender">
            <file type="log4net.Util.PatternString" value="%envFolderPath{CommonApplicationData}\\V\\log-%date{yyyyMMdd}.txt" />
            <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
          </appender>
          <appender name="F" type="log4net.Appender.FileAppender">
            <file value="${NO_SUCH_VARIABLE}\\x.log" />
            <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
          </appender>
          <appender name="G" type="log4net.Appender.FileAppender">
            <file value="D:\\Logs\\g.log" />
            <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
          </appender>
          <appender name="H" type="log4net.Appender.FileAppender">
            <file value="\\\\fileserver\\logs\\h.log" />
            <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout>
          </appender>
          <root><appender-ref ref="D" /><appender-ref ref="E" /><appender-ref ref="F" /><appender-ref ref="G" /><appender-ref ref="H" /></root>
        </log4net>
        """, "app/log4net.config")
        #expect(LogPathMapper.map(try log(r, "D")).patterns == ["ProgramData/Vendor/*.log", "ProgramData/Vendor/*.log.*-*-*.txt"])
        #expect(LogPathMapper.map(try log(r, "E")).patterns == ["ProgramData/V/log-*.txt"])
        let f = LogPathMapper.map(try log(r, "F"))
        #expect(f.patterns.isEmpty)
        #expect(f.elsewhere.map(\.reason) == ["environment variable NO_SUCH_VARIABLE cannot be resolved"])
        let g = LogPathMapper.map(try log(r, "G"))
        #expect(g.patterns.isEmpty)
        #expect(g.elsewhere == [.init(drive: "D:", pattern: "Logs/g.log", reason: "on another volume (D:)")])
        let folder = read("""
        <log4net><appender name="R" type="log4net.Appender.RollingFileAppender">
          <file value="logs\\" /><datePattern value="yyyy-MM-dd'-FULL.log'" /><staticLogFileName value="false" />
          <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n" /></layout></appender>
        <appender name="F" type="log4net.Appender.FileAppender"><file value="logs\\" /></appender></log4net>
        """, "app/log4net.config")
        #expect(LogPathMapper.map(try log(folder, "R")).patterns == ["app/logs/*-*-*-FULL.log"])
        #expect(LogPathMapper.map(try log(folder, "F")).elsewhere.map(\.reason) == ["the path names a folder, not a file"])
        let h = LogPathMapper.map(try log(r, "H"))
        #expect(h.elsewhere.map(\.reason) == ["on a network share (\\\\fileserver\\logs)"])
    }
}

@Suite("Logging configs: NLog")
struct LoggingConfigNLogTests {
    @Test("the demo site's NLog.config: target, layout, rule, shortdate file name")
    func demo() throws {
        let url = Samples.packageRoot.appendingPathComponent("Fixtures/demo-site/Program Files (x86)/AMT/WebBRIX/NLog.config")
        let bytes = try [UInt8](Data(contentsOf: url))
        let r = LoggingConfigReader.read(bytes, path: "Program Files (x86)/AMT/WebBRIX/NLog.config")
        #expect(r.problems.isEmpty, "\(r.problems)")
        let t = try log(r, "amterror")
        #expect(t.referenced)
        #expect(t.encoding == "utf-16")
        #expect(t.layout == .nlog(layout: "${longdate}|${level:uppercase=true}|${logger}|${message}${onexception:${newline}${exception:format=tostring}}"))
        #expect(LogPathMapper.map(t).patterns.first == "inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-*.log")
    }

    @Test("variables, wrappers, async targets, JSON and CSV layouts, archives, unreferenced targets")
    func variants() throws {
        let r = read("""
        <nlog xmlns="http://www.nlog-project.org/schemas/NLog.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <variable name="logDir" value="${specialfolder:folder=CommonApplicationData}/Integrator/logs" />
          <variable name="line" value="${longdate} [${level:uppercase=true}] ${logger} ${message}" />
          <targets async="true">
            <target xsi:type="File" name="main" fileName="${var:logDir}/main-${shortdate}.log" layout="${line}"
                    archiveFileName="${logDir}/archive/main.{####}.log" archiveAboveSize="1000000" />
            <target xsi:type="BufferingWrapper" name="buffered">
              <target xsi:type="File" name="json" fileName="${basedir}/json.log">
                <layout xsi:type="JsonLayout">
                  <attribute name="time" layout="${longdate}" />
                  <attribute name="level" layout="${level}" />
                  <attribute name="error" encode="false">
                    <layout xsi:type="JsonLayout"><attribute name="type" layout="${exception:format=type}" /></layout>
                  </attribute>
                </layout>
              </target>
            </target>
            <target xsi:type="File" name="csv" fileName="csv.log" archiveEvery="Day">
              <layout xsi:type="CsvLayout" delimiter="Semicolon" withHeader="false">
                <column name="time" layout="${longdate}" />
                <column name="message" layout="${message}" />
              </layout>
            </target>
            <target xsi:type="File" name="plain" fileName="${tempdir}/plain.log" />
          </targets>
          <rules>
            <logger name="*" minlevel="Info" writeTo="Main, buffered" />
            <logger name="*" minlevel="Off" writeTo="plain" />
          </rules>
        </nlog>
        """, "Program Files/Vendor/NLog.config")
        #expect(r.problems.isEmpty, "\(r.problems)")
        let main = try log(r, "main")
        #expect(main.referenced)
        #expect(main.layout == .nlog(layout: "${longdate} [${level:uppercase=true}] ${logger} ${message}"))
        #expect(main.expandedPath == "${specialfolder:folder=CommonApplicationData}/Integrator/logs/main-${shortdate}.log")
        #expect(LogPathMapper.map(main).patterns == ["ProgramData/Integrator/logs/main-*.log",
                                                     "ProgramData/Integrator/logs/archive/main.*.log"])
        let json = try log(r, "json")
        #expect(json.referenced, "written through its wrapper")
        #expect(json.layout == .nlogJSON(attributes: [
            LayoutColumn(name: "time", layout: "${longdate}"), LayoutColumn(name: "level", layout: "${level}"),
            LayoutColumn(name: "error.type", layout: "${exception:format=type}")]))
        #expect(LogPathMapper.map(json).patterns == ["Program Files/Vendor/json.log"])
        let csv = try log(r, "csv")
        #expect(!csv.referenced)
        #expect(csv.layout == .nlogCSV(columns: [LayoutColumn(name: "time", layout: "${longdate}"),
                                                 LayoutColumn(name: "message", layout: "${message}")],
                                       delimiter: "Semicolon", withHeader: false))
        #expect(LogPathMapper.map(csv).patterns == ["Program Files/Vendor/csv.log", "Program Files/Vendor/csv.*.log",
                                                    "Program Files/Vendor/csv_*.log"])
        let plain = try log(r, "plain")
        #expect(!plain.referenced, "its only rule is Off")
        #expect(plain.layout == .nlog(layout: NLogConfig.defaultLayout))
        #expect(LogPathMapper.map(plain).patterns == ["Windows/Temp/plain.log", "Users/*/AppData/Local/Temp/plain.log"])
    }

    @Test("the <nlog> section of an App.config")
    func section() throws {
        let r = read("""
        <configuration>
          <configSections><section name="nlog" type="NLog.Config.ConfigSectionHandler, NLog"/></configSections>
          <nlog><targets><target type="File" name="f" filename="${basedir}\\logs\\${processname}.log"/></targets>
            <rules><logger name="*" writeTo="f"/></rules></nlog>
        </configuration>
        """, "Program Files/AMT/Bridge/Bridge.exe.config")
        let f = try log(r, "f")
        #expect(f.referenced)
        #expect(LogPathMapper.map(f).patterns == ["Program Files/AMT/Bridge/logs/*.log"])
    }
}

@Suite("Logging configs: Serilog and Enterprise Library")
struct LoggingConfigSerilogTests {
    @Test("appsettings.json with comments, trailing commas, Async, formatters and rolling intervals")
    func appsettings() throws {
        let r = read("""
        {
          // comment
          "Serilog": {
            "WriteTo": [
              { "Name": "Console" },
              { "Name": "Async", "Args": { "configure": [
                { "Name": "File", "Args": { "path": "C:\\\\ProgramData\\\\Integrator\\\\log-.txt", "rollingInterval": "Day",
                  "outputTemplate": "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}" } },
              ] } },
              /* block */
              { "Name": "File", "Args": { "path": "logs/events.json",
                  "formatter": "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
                  "rollOnFileSizeLimit": true } },
              { "Name": "RollingFile", "Args": { "pathFormat": "logs/old-{Date}.txt" } },
            ],
          },
        }
        """, "inetpub/wwwroot/Integrator/appsettings.Production.json")
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.logs.map(\.target) == ["File", "File#2", "RollingFile"])
        let first = try log(r, "File")
        #expect(first.layout == .serilog(template: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}"))
        #expect(LogPathMapper.map(first).patterns == ["ProgramData/Integrator/log-.txt", "ProgramData/Integrator/log-[0-9]*.txt"])
        let second = try log(r, "File#2")
        #expect(second.layout == .serilogJSON(compact: true))
        #expect(LogPathMapper.map(second).patterns == ["inetpub/wwwroot/Integrator/logs/events.json",
                                                       "inetpub/wwwroot/Integrator/logs/events_[0-9]*.json"])
        let old = try log(r, "RollingFile")
        #expect(old.layout == .serilog(template: SerilogConfig.defaultTemplate))
        #expect(LogPathMapper.map(old).patterns == ["inetpub/wwwroot/Integrator/logs/old-*.txt",
                                                    "inetpub/wwwroot/Integrator/logs/old-*_[0-9]*.txt"])
    }

    @Test("serilog:write-to keys in <appSettings>")
    func appSettingsKeys() throws {
        let r = read("""
        <configuration><appSettings>
          <add key="serilog:using:File" value="Serilog.Sinks.File" />
          <add key="serilog:write-to:File.path" value="%ProgramData%\\Svc\\svc.log" />
          <add key="serilog:write-to:File.formatter" value="Serilog.Formatting.Json.JsonFormatter, Serilog" />
          <add key="serilog:write-to:File.rollingInterval" value="Hour" />
        </appSettings></configuration>
        """, "Program Files/Svc/Svc.exe.config")
        let f = try log(r, "File")
        #expect(f.layout == .serilogJSON(compact: false))
        #expect(LogPathMapper.map(f).patterns == ["ProgramData/Svc/svc.log", "ProgramData/Svc/svc[0-9]*.log"])
    }

    @Test("bad JSON gives a problem with line and column, no logs")
    func badJSON() {
        let r = read("{\n  \"Serilog\": { \"WriteTo\": [ { \"Name\": \"File\" \"Args\": {} } ] }\n}", "appsettings.json")
        #expect(r.logs.isEmpty)
        #expect(r.problems.count == 1)
        #expect(r.problems.first?.contains("line 2") == true, "\(r.problems)")
    }

    @Test("Enterprise Library listeners, formatter templates with escaped newlines, category references")
    func entLib() throws {
        let r = read("""
        <configuration><loggingConfiguration name="" tracingEnabled="true" defaultCategory="General">
          <listeners>
            <add name="Rolling" type="Microsoft.Practices.EnterpriseLibrary.Logging.TraceListeners.RollingFlatFileTraceListener, Microsoft.Practices.EnterpriseLibrary.Logging"
                 fileName="%ProgramData%\\AMT\\trace.log" formatter="Text" rollInterval="Day" />
            <add name="Flat" type="Microsoft.Practices.EnterpriseLibrary.Logging.TraceListeners.FlatFileTraceListener, Microsoft.Practices.EnterpriseLibrary.Logging"
                 fileName="flat.log" formatter="Text" />
          </listeners>
          <formatters>
            <add type="Microsoft.Practices.EnterpriseLibrary.Logging.Formatters.TextFormatter, Microsoft.Practices.EnterpriseLibrary.Logging"
                 template="Timestamp: {timestamp}&#xA;Message: {message}&#xA;Severity: {severity}" name="Text" />
          </formatters>
          <categorySources><add switchValue="All" name="General"><listeners><add name="Rolling" /></listeners></add></categorySources>
          <specialSources><errors switchValue="Off" name="Errors"><listeners><add name="Flat" /></listeners></errors></specialSources>
        </loggingConfiguration></configuration>
        """, "Program Files/AMT/Web/Web.config")
        let rolling = try log(r, "Rolling")
        #expect(rolling.referenced)
        #expect(rolling.layout == .entLib(template: "Timestamp: {timestamp}\nMessage: {message}\nSeverity: {severity}"))
        #expect(LogPathMapper.map(rolling).patterns == ["ProgramData/AMT/trace.log", "ProgramData/AMT/trace.*.log",
                                                        "ProgramData/AMT/trace.log.*"])
        let flat = try log(r, "Flat")
        #expect(!flat.referenced)
        #expect(LogPathMapper.map(flat).patterns == ["Program Files/AMT/Web/flat.log"])
    }
}

@Suite("Logging configs: robustness")
struct LoggingConfigRobustnessTests {
    @Test("broken XML keeps what it can read and says what is wrong")
    func brokenXML() throws {
        let r = read("""
        <log4net><appender name="A" type="log4net.Appender.FileAppender"><file value="a.log"/>
          <layout type="log4net.Layout.PatternLayout"><conversionPattern value="%m%n"/></layout>
        </appender><root><appender-ref ref="A"/>
        """, "x/log4net.config")
        #expect(r.logs.count == 1)
        #expect(r.logs.first?.referenced == true)
        #expect(r.problems.contains { $0.contains("ends inside") }, "\(r.problems)")
    }

    @Test("entity bombs are not expanded, deep nesting and huge inputs stop with a problem")
    func limits() {
        let bomb = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
        <log4net><appender name="A" type="log4net.Appender.FileAppender"><file value="&lol2;.log"/></appender></log4net>
        """
        let r = read(bomb, "a/log4net.config")
        #expect(r.logs.first?.path == "&lol2;.log")
        #expect(r.problems.contains { $0.contains("not expanded") })

        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        let d = read(deep, "deep.config")
        #expect(d.problems.contains { $0.contains("nested deeper") }, "\(d.problems)")

        let json = String(repeating: "[", count: 100_000)
        let j = read(json, "appsettings.json")
        #expect(j.problems.first?.contains("nested deeper") == true)

        let many = "<r>" + String(repeating: "<x/>", count: ConfigXML.elementLimit + 10) + "</r>"
        let m = read(many, "many.config")
        #expect(m.problems.contains { $0.contains("more than") })
    }

    @Test("a path of separators only, or a date pattern that reads as a drive, gives no pattern (found by FuzzLoggingConfig)")
    func separatorsOnly() {
        var rolling = RollingHints()
        rolling.rollingStyle = "Composite"
        rolling.datePattern = "\\"
        for (path, datePattern) in [("\\", "\\"), ("/", "/"), ("\\", "'C:'")] {
            rolling.datePattern = datePattern
            let log = DeclaredLog(configFile: "a/b.config", library: "log4net", target: "t", targetType: "RollingFileAppender",
                                  path: path, layout: nil, rolling: rolling)
            let mapped = LogPathMapper.map(log)
            #expect(mapped.patterns.isEmpty, "\(path) \(datePattern): \(mapped.patterns)")
            #expect(!mapped.elsewhere.isEmpty)
        }
        // Date patterns of folders stay folders.
        rolling.datePattern = "yyyy\\\\MM'/app.log'"
        let log = DeclaredLog(configFile: "a/b.config", library: "log4net", target: "t", targetType: "RollingFileAppender",
                              path: "logs\\", layout: nil, rolling: rolling)
        #expect(LogPathMapper.map(log).patterns == ["a/logs/*/*/app.log"])
    }

    @Test("UTF-16 configs are read")
    func utf16() throws {
        let text = "<nlog><targets><target type=\"File\" name=\"u\" fileName=\"C:\\Logs\\ü.log\"/></targets></nlog>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let r = LoggingConfigReader.read(bytes, path: "NLog.config")
        #expect(LogPathMapper.map(try log(r, "u")).patterns == ["Logs/ü.log"])
    }

    @Test("literal glob characters in paths are escaped; '..' is resolved and may not leave the drive")
    func escaping() throws {
        let r = read("""
        <log4net><appender name="A" type="log4net.Appender.FileAppender"><file value="..\\[logs]\\{x}.log"/></appender>
        <appender name="B" type="log4net.Appender.FileAppender"><file value="..\\..\\..\\x.log"/></appender></log4net>
        """, "Program Files/App/log4net.config")
        #expect(LogPathMapper.map(try log(r, "A")).patterns == ["Program Files/[[]logs[]]/[{]x[}].log"])
        #expect(LogPathMapper.map(try log(r, "B")).elsewhere.map(\.reason) == ["the path leads above the drive's root"])
    }
}

@Suite("Logging configs: real samples")
struct LoggingConfigSampleTests {
    /// Each pair's config, the target that wrote the log beside it, and the log's name.
    static let pairs: [(folder: String, config: String, target: String, log: String)] = [
        ("crmdataimporter", "App.config", "FileAppender", "log-file.txt"),
        ("redington", "log4net.config", "RollingFile", "log.txt"),
        ("tourplanner", "App.config", "RollingFile", "logfile.txt"),
        ("tracksystem", "Log4Net.config", "LogFileAppender", "log-file.txt"),
        ("tripasdegato", "App.config", "File", "logfile.txt"),
        ("wrpserver", "App.config", "RollingFileAppender", "rolling.log"),
    ]

    @Test("every pair's config declares the log beside it (or under logs/), with a pattern layout", .needsSamples)
    func pairs() throws {
        for pair in Self.pairs {
            let url = try Samples.url("text/dotnet_pairs/\(pair.folder)/\(pair.config)")
            let relative = "Program Files/\(pair.folder)/\(pair.config)"
            let r = LoggingConfigReader.read(try [UInt8](Data(contentsOf: url)), path: relative)
            #expect(r.problems.isEmpty, "\(pair.folder): \(r.problems)")
            let l = try log(r, pair.target)
            guard case .log4net(let pattern, _, _)? = l.layout else {
                Issue.record("\(pair.folder): no log4net pattern: \(String(describing: l.layout))")
                continue
            }
            #expect(pattern.contains("%"))
            let mapped = LogPathMapper.map(l)
            if pair.folder == "redington" {
                #expect(mapped.elsewhere.first?.reason == "on another volume (E:)")
            } else {
                let glob = try #require(mapped.patterns.first)
                #expect(glob.hasPrefix("Program Files/\(pair.folder)/"), "\(glob)")
                #expect(glob.hasSuffix(pair.log), "\(pair.folder): \(glob)")
            }
        }
    }

    @Test("the DMCC config: custom assembly prefixes, only referenced appenders marked so", .needsSamples)
    func dmcc() throws {
        let url = try Samples.url("text/dotnet_pairs/phonerec/DMCC.config")
        let r = LoggingConfigReader.read(try [UInt8](Data(contentsOf: url)), path: "Program Files/Avaya/DMCC.config")
        #expect(r.logs.map(\.target).sorted() == ["LogFileAppender", "RollingLogFileAppender"])
        let rolling = try log(r, "RollingLogFileAppender")
        #expect(rolling.referenced)
        #expect(rolling.layout == .log4net(pattern: "%date [%thread] %-5level %logger [%ndc] - %message%newline",
                                           header: "[Header]\r\n", footer: "[Footer]\r\n"))
        #expect(try log(r, "LogFileAppender").layout
            == .log4net(pattern: "%date [%thread] %-5level %logger [%ndc] <%property{auth}> - %message%newline",
                        header: "[Header]\r\n", footer: "[Footer]\r\n"))
    }

    @Test("NLog and Serilog samples", .needsSamples)
    func nlogSerilog() throws {
        let nlog = LoggingConfigReader.read(
            try [UInt8](Data(contentsOf: try Samples.url("text/dotnet_pairs/currencyaggregator/NLog.config"))),
            path: "Program Files/CA/NLog.config")
        let file = try log(nlog, "logfile")
        #expect(file.referenced)
        #expect(file.rolling.archives)
        #expect(LogPathMapper.map(file).patterns.first == "Program Files/CA/logs/*.log")
        #expect(!nlog.logs.contains { $0.target == "logconsole" })

        let serilog = LoggingConfigReader.read(
            try [UInt8](Data(contentsOf: try Samples.url("text/dotnet_pairs/dotnetenglishp7/appsettings.json"))),
            path: "inetpub/wwwroot/api/appsettings.json")
        #expect(serilog.problems.isEmpty, "\(serilog.problems)")
        #expect(serilog.logs.count == 2)
        #expect(serilog.logs.first?.layout == .serilog(template: "{Timestamp:G} {Message}{NewLine:1}{Exception:1}"))
        #expect(serilog.logs.last?.layout == .serilogJSON(compact: false))
        #expect(LogPathMapper.map(serilog.logs[0]).patterns == ["Users/Gaetan/source/repos/DotNetEnglishP7_ter/src/Logs/log.txt"])
    }
}
