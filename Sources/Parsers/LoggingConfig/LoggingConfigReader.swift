import LogRecord

/// Reads a logging configuration file and lists the log files it declares, with their layouts.
///
/// JSON files (`appsettings*.json`) are read for Serilog; XML files for every `<log4net>` and
/// `<nlog>` section (the file's root or anywhere below `<configuration>`), Serilog's
/// `<appSettings>` keys and Enterprise Library's `<loggingConfiguration>`. The file is given whole
/// (the caller bounds its size); bad XML or JSON gives what could be read plus a problem.
public enum LoggingConfigReader {
    /// Reads `bytes`, the file at `path` (relative to the root; it names the logs' `configFile`).
    public static func read(_ bytes: [UInt8], path: String) -> LoggingConfigResult {
        var result = LoggingConfigResult()
        if looksLikeJSON(bytes, path: path) {
            switch ConfigJSON.parse(bytes) {
            case .success(let root):
                SerilogConfig.read(json: root, configFile: path, into: &result)
            case .failure(let problem):
                result.problem("\(path): \(problem.description)")
            }
            return result
        }
        let document = ConfigXML.parse(bytes)
        for p in document.problems { result.problem("\(path): XML: \(p)") }
        readXML(document.root, configFile: path, into: &result)
        if document.root.children.isEmpty, !bytes.isEmpty {
            result.problem("\(path): no XML element found")
        }
        return result
    }

    static func looksLikeJSON(_ bytes: [UInt8], path: String) -> Bool {
        if path.lowercased().hasSuffix(".json") { return true }
        let text = ConfigText.utf8(Array(bytes.prefix(256)))
        return text.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } == 0x7B
    }

    /// Finds the logging sections below `root` (at most two levels down: the file's root element,
    /// `<configuration>`, and a `<location>` or `<system.web>`-like wrapper).
    static func readXML(_ root: ConfigXMLElement, configFile: String, into result: inout LoggingConfigResult) {
        var level: [ConfigXMLElement] = root.children
        for _ in 0..<3 {
            var next: [ConfigXMLElement] = []
            for e in level {
                if e.named("log4net") {
                    Log4NetConfig.read(e, configFile: configFile, into: &result)
                } else if e.named("nlog") {
                    NLogConfig.read(e, configFile: configFile, into: &result)
                } else if e.named("loggingConfiguration") {
                    EntLibConfig.read(e, configFile: configFile, into: &result)
                } else if e.named("appSettings") {
                    SerilogConfig.read(appSettings: e, configFile: configFile, into: &result)
                } else {
                    next += e.children
                }
            }
            level = next
            if level.isEmpty { break }
        }
    }
}
