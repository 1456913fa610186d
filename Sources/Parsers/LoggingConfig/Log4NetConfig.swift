import LogRecord

/// The file appenders of a `<log4net>` section (standalone `log4net.config`, or inside
/// `App.config`/`Web.config`/`*.exe.config`/any `*.config`).
///
/// log4net sets appender properties by element name, case-insensitively, either as
/// `<file value="…"/>` or as `<param name="File" value="…"/>`; both are read. A type is matched by
/// its last name component, whatever namespace or assembly precedes it
/// (`DMCC_log4net.Appender.RollingFileAppender` is a `RollingFileAppender`).
enum Log4NetConfig {
    /// log4net `SimpleLayout` and `TTCCLayout` as the patterns they write.
    static let simplePattern = "%level - %message%newline"
    static let ttccPattern = "%timestamp [%thread] %level %logger %ndc - %message%newline"

    static func read(_ section: ConfigXMLElement, configFile: String, into result: inout LoggingConfigResult) {
        if !result.sections.contains("log4net") { result.sections.append("log4net") }
        let threshold = property(section, "threshold") ?? section.attribute("threshold")
        let sectionOff = threshold.map { ConfigXML.equalFold($0, "off") } ?? false

        // Appenders by name, and which of them a logger (or root) writes to, through forwarding
        // appenders too.
        let appenders = section.children(named: "appender")
        var referenced: Set<String> = []
        var pending: [String] = []
        for logger in section.children.filter({ $0.named("root") || $0.named("logger") || $0.named("category") }) {
            if sectionOff { break }
            if let level = property(logger, "level") ?? property(logger, "priority"), ConfigXML.equalFold(level, "off") { continue }
            for ref in logger.children(named: "appender-ref") {
                if let name = ref.attribute("ref") { pending.append(fold(name)) }
            }
        }
        while let name = pending.popLast() {
            guard referenced.insert(name).inserted else { continue }
            for a in appenders where fold(a.attribute("name") ?? "") == name {
                for ref in a.children(named: "appender-ref") {
                    if let inner = ref.attribute("ref") { pending.append(fold(inner)) }
                }
            }
        }

        for appender in appenders {
            let name = appender.attribute("name") ?? "(unnamed)"
            let type = typeName(appender.attribute("type") ?? "")
            guard type.lowercased().contains("fileappender") else { continue }
            guard let path = property(appender, "file") else {
                result.problem("\(configFile): log4net appender \(name) (\(type)) names no file")
                continue
            }
            var rolling = RollingHints()
            let rollingAppender = type.lowercased().contains("rolling")
            if rollingAppender {
                rolling.rollingStyle = property(appender, "rollingStyle") ?? "Composite"
                rolling.datePattern = property(appender, "datePattern") ?? ".yyyy-MM-dd"
                rolling.maxSizeRollBackups = property(appender, "maxSizeRollBackups").flatMap { Int($0.configTrimmed) }
                rolling.staticLogFileName = property(appender, "staticLogFileName").map(isTrue) ?? true
                rolling.preserveLogFileNameExtension = property(appender, "preserveLogFileNameExtension").map(isTrue) ?? false
            }
            let (layout, layoutType) = self.layout(appender, name: name, configFile: configFile, into: &result)
            result.logs.append(DeclaredLog(
                configFile: configFile, library: "log4net", target: name, targetType: type, path: path,
                layout: layout, layoutType: layoutType, rolling: rolling,
                encoding: property(appender, "encoding"), referenced: referenced.contains(fold(name))))
        }
    }

    /// The appender's layout: a pattern (`PatternLayout`, `DynamicPatternLayout`, and the fixed
    /// `SimpleLayout`/`TTCCLayout`), or only its type for layouts that are not line patterns.
    static func layout(_ appender: ConfigXMLElement, name: String, configFile: String,
                       into result: inout LoggingConfigResult) -> (LayoutSpec?, String?) {
        guard let layout = appender.child(named: "layout") else {
            result.problem("\(configFile): log4net appender \(name) declares no layout")
            return (nil, nil)
        }
        let written = layout.attribute("type") ?? ""
        let type = typeName(written).lowercased()
        let header = property(layout, "header"), footer = property(layout, "footer")
        switch type {
        case "patternlayout", "dynamicpatternlayout", "":
            // The pattern as a property, or as the layout's own `value` (the constructor argument).
            let pattern = property(layout, "conversionPattern") ?? layout.attribute("value") ?? "%message%newline"
            return (.log4net(pattern: pattern, header: header, footer: footer), written.isEmpty ? nil : written)
        case "simplelayout":
            return (.log4net(pattern: simplePattern, header: header, footer: footer), written)
        case "ttcclayout":
            return (.log4net(pattern: ttccPattern, header: header, footer: footer), written)
        default:
            return (nil, written)
        }
    }

    /// A property set on `element`: `<name value="…"/>` (or its text) or `<param name="name" value="…"/>`.
    static func property(_ element: ConfigXMLElement, _ name: String) -> String? {
        for child in element.children {
            if child.named(name) {
                if let v = child.attribute("value") { return v }
                let t = child.text.configTrimmed
                if !t.isEmpty { return t }
            } else if child.named("param"), let n = child.attribute("name"), ConfigXML.equalFold(n, name) {
                return child.attribute("value") ?? child.text.configTrimmed
            }
        }
        return nil
    }

    /// `log4net.Appender.RollingFileAppender, log4net` → `RollingFileAppender`.
    static func typeName(_ written: String) -> String {
        let noAssembly = written.split(separator: ",", maxSplits: 1).first.map(String.init) ?? written
        let trimmed = noAssembly.configTrimmed
        // A nested type: `log4net.Appender.FileAppender+MinimalLock`.
        return trimmed.split(separator: ".").last.map(String.init) ?? trimmed
    }

    static func fold(_ s: String) -> String { s.lowercased() }

    static func isTrue(_ s: String) -> Bool { ConfigXML.equalFold(s.configTrimmed, "true") }
}

extension String {
    /// Without leading and trailing ASCII white space.
    var configTrimmed: String {
        let u = Array(utf8)
        var a = 0, z = u.count
        func space(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        while a < z, space(u[a]) { a += 1 }
        while z > a, space(u[z - 1]) { z -= 1 }
        if a == 0, z == u.count { return self }
        return String(decoding: u[a..<z], as: UTF8.self)
    }
}
