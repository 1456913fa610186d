import Collector
import LogRecord
import Parsers

extension Surface {
    /// Logging configuration readers and the path mapper. The first byte picks how the rest is
    /// read: as `NLog.config`/`log4net.config`/`Web.config` (XML sections), as `appsettings.json`
    /// (Serilog), or as a path one of the libraries declares. Whatever comes out must hold: every
    /// pattern the mapper gives is a valid root-relative glob that cannot leave the root.
    public static func loggingConfig(_ input: UnsafeBufferPointer<UInt8>) {
        guard let first = input.first else { return }
        let bytes = Array(input.dropFirst())
        let names = ["Program Files/AMT/WebBRIX/NLog.config", "inetpub/wwwroot/Site/Web.config",
                     "Program Files/AMT/Svc/appsettings.Production.json", "log4net.config"]
        switch first % 8 {
        case 0..<4:
            let path = names[Int(first % 4)]
            let result = LoggingConfigReader.read(bytes, path: path)
            check(result.problems.count <= 20, "more problems than the cap")
            for log in result.logs {
                check(log.configFile == path, "a declared log names another config")
                checkMapping(LogPathMapper.map(log))
            }
        default:
            let libraries = ["log4net", "nlog", "serilog", "entlib"]
            var rolling = RollingHints()
            rolling.rollingStyle = "Composite"
            rolling.datePattern = String(decoding: bytes.prefix(16), as: UTF8.self)
            rolling.maxSizeRollBackups = 3
            rolling.archives = true
            rolling.rollingInterval = "Day"
            rolling.timeStampPattern = "yyyy-MM-dd"
            let text = String(decoding: bytes, as: UTF8.self)
            let log = DeclaredLog(configFile: "Program Files/AMT/App/App.exe.config", library: libraries[Int(first % 4)],
                                  target: "fuzz", targetType: "RollingFile", path: text, layout: nil, rolling: rolling)
            checkMapping(LogPathMapper.map(log))
        }
    }

    static func checkMapping(_ mapping: LogPathMapping) {
        for pattern in mapping.patterns {
            let glob: Glob
            do { glob = try Glob(pattern) } catch {
                check(false, "mapped pattern \(pattern) is not a valid glob: \(error)")
                return
            }
            check(!pattern.hasPrefix("/"), "mapped pattern \(pattern) is absolute")
            check(!pattern.split(separator: "/").contains(".."), "mapped pattern \(pattern) leaves the root")
            _ = glob.matches("ProgramData/AMT/x.log")
        }
    }
}
