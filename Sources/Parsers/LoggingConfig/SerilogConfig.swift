import LogRecord

/// Serilog file sinks: `appsettings*.json` `Serilog.WriteTo` (array or object form, `Async`
/// wrapping `configure`, `Logger` sub-loggers with `configureLogger`) and the `<appSettings>` keys
/// `serilog:write-to:File.path` … of `*.config` files.
enum SerilogConfig {
    /// The File sink's default output template.
    static let defaultTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}"
    static let nestingLimit = 8

    static func read(json root: JSONValue, configFile: String, into result: inout LoggingConfigResult) {
        guard let serilog = root.configMember("Serilog") else { return }
        if !result.sections.contains("serilog") { result.sections.append("serilog") }
        var names: [String: Int] = [:]
        readWriteTo(serilog.configMember("WriteTo"), configFile: configFile, depth: 0, names: &names, into: &result)
    }

    static func readWriteTo(_ writeTo: JSONValue?, configFile: String, depth: Int, names: inout [String: Int],
                            into result: inout LoggingConfigResult) {
        guard let writeTo, depth < nestingLimit else { return }
        var sinks: [JSONValue] = []
        switch writeTo {
        case .array(let items): sinks = items
        case .object(let members): sinks = members.map(\.1)
        case .string(let name): sinks = [.object([("Name", .string(name))])]
        default: return
        }
        for sink in sinks {
            let name = sink.configMember("Name")?.configScalar ?? ""
            let args = sink.configMember("Args")
            switch name.lowercased() {
            case "async":
                readWriteTo(args?.configMember("configure"), configFile: configFile, depth: depth + 1, names: &names, into: &result)
            case "logger":
                readWriteTo(args?.configMember("configureLogger")?.configMember("WriteTo"), configFile: configFile,
                            depth: depth + 1, names: &names, into: &result)
            case "file", "rollingfile", "map":
                if name.lowercased() == "map" {
                    readWriteTo(args?.configMember("configure"), configFile: configFile, depth: depth + 1, names: &names, into: &result)
                    continue
                }
                let pathKey = name.lowercased() == "rollingfile" ? "pathFormat" : "path"
                guard let path = args?.configMember(pathKey)?.configScalar ?? args?.configMember("path")?.configScalar else {
                    result.problem("\(configFile): Serilog \(name) sink names no \(pathKey)")
                    continue
                }
                names[name, default: 0] += 1
                let target = names[name]! == 1 ? name : "\(name)#\(names[name]!)"
                result.logs.append(log(kind: name, target: target, path: path,
                                       template: args?.configMember("outputTemplate")?.configScalar,
                                       formatter: formatterName(args?.configMember("formatter")),
                                       interval: args?.configMember("rollingInterval")?.configScalar,
                                       rollOnSize: args?.configMember("rollOnFileSizeLimit")?.configScalar.map { ConfigXML.equalFold($0, "true") },
                                       configFile: configFile))
            default:
                continue
            }
        }
    }

    /// `<appSettings>` keys of Serilog.Settings.AppSettings: `serilog:write-to:File.path` etc.
    static func read(appSettings: ConfigXMLElement, configFile: String, into result: inout LoggingConfigResult) {
        var sinks: [String: [String: String]] = [:]
        var order: [String] = []
        for add in appSettings.children(named: "add") {
            guard let key = add.attribute("key"), let value = add.attribute("value") else { continue }
            let lower = key.lowercased()
            let prefix = "serilog:write-to:"
            guard lower.hasPrefix(prefix) else { continue }
            let rest = key.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: ".") else { continue }
            let sink = String(rest[..<dot]), argument = String(rest[rest.index(after: dot)...]).lowercased()
            if sinks[sink] == nil { order.append(sink) }
            sinks[sink, default: [:]][argument] = value
        }
        guard !sinks.isEmpty else { return }
        if !result.sections.contains("serilog") { result.sections.append("serilog") }
        for sink in order {
            let args = sinks[sink] ?? [:]
            let lower = sink.lowercased()
            guard lower == "file" || lower == "rollingfile" else { continue }
            guard let path = args[lower == "rollingfile" ? "pathformat" : "path"] ?? args["path"] else {
                result.problem("\(configFile): serilog:write-to:\(sink) names no path")
                continue
            }
            result.logs.append(log(kind: sink, target: sink, path: path, template: args["outputtemplate"],
                                   formatter: args["formatter"], interval: args["rollinginterval"],
                                   rollOnSize: args["rollonfilesizelimit"].map { ConfigXML.equalFold($0, "true") },
                                   configFile: configFile))
        }
    }

    static func formatterName(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s): s
        case .object: value?.configMember("type")?.configScalar ?? value?.configMember("$type")?.configScalar
        default: nil
        }
    }

    static func log(kind: String, target: String, path: String, template: String?, formatter: String?,
                    interval: String?, rollOnSize: Bool?, configFile: String) -> DeclaredLog {
        var rolling = RollingHints()
        rolling.rollingInterval = interval ?? (kind.lowercased() == "rollingfile" ? nil : "Infinite")
        rolling.rollOnFileSizeLimit = rollOnSize
        var layout: LayoutSpec?
        var layoutType: String?
        if let formatter {
            layoutType = formatter
            let name = (formatter.split(separator: ",").first.map(String.init) ?? formatter).configTrimmed
            let short = (name.split(separator: ".").last.map(String.init) ?? name).lowercased()
            switch short {
            case "compactjsonformatter", "renderedcompactjsonformatter": layout = .serilogJSON(compact: true)
            case "jsonformatter", "renderedjsonformatter": layout = .serilogJSON(compact: false)
            default: layout = nil
            }
        } else {
            layout = .serilog(template: template ?? defaultTemplate)
        }
        return DeclaredLog(configFile: configFile, library: "serilog", target: target, targetType: kind, path: path,
                           layout: layout, layoutType: layoutType, rolling: rolling)
    }
}

/// Enterprise Library logging block: `<loggingConfiguration>` file listeners and their text
/// formatters.
enum EntLibConfig {
    static func read(_ section: ConfigXMLElement, configFile: String, into result: inout LoggingConfigResult) {
        if !result.sections.contains("entlib") { result.sections.append("entlib") }
        var templates: [String: (String?, String)] = [:]
        for formatters in section.children(named: "formatters") {
            for f in formatters.children(named: "add") {
                guard let name = f.attribute("name") else { continue }
                let type = f.attribute("type") ?? ""
                let template = type.lowercased().contains("textformatter") ? f.attribute("template") : nil
                templates[name.lowercased()] = (template, type)
            }
        }
        // Listeners referenced by a category or special source that is not switched off.
        var referenced: Set<String> = []
        var sources: [ConfigXMLElement] = []
        for c in section.children(named: "categorySources") { sources += c.children(named: "add") }
        for s in section.children(named: "specialSources") { sources += s.children }
        for source in sources {
            if let sw = source.attribute("switchValue"), ConfigXML.equalFold(sw.configTrimmed, "Off") { continue }
            for listeners in source.children(named: "listeners") {
                for l in listeners.children(named: "add") {
                    if let n = l.attribute("name") { referenced.insert(n.lowercased()) }
                }
            }
        }
        for listeners in section.children(named: "listeners") {
            for l in listeners.children(named: "add") {
                let name = l.attribute("name") ?? "(unnamed)"
                let written = l.attribute("type") ?? l.attribute("listenerDataType") ?? ""
                let type = Log4NetConfig.typeName(written)
                let lower = type.lowercased()
                guard lower.contains("flatfiletracelistener") || lower.contains("xmltracelistener") else { continue }
                guard let fileName = l.attribute("fileName") else {
                    result.problem("\(configFile): Enterprise Library listener \(name) names no fileName")
                    continue
                }
                var layout: LayoutSpec?
                var layoutType: String?
                if lower.contains("xmltracelistener") {
                    layoutType = "XmlTraceListener"
                } else if let f = l.attribute("formatter") {
                    if let (template, ftype) = templates[f.lowercased()] {
                        if let template { layout = .entLib(template: template) } else { layoutType = ftype }
                    } else {
                        result.problem("\(configFile): listener \(name) names formatter \(f), which is not declared")
                    }
                }
                var rolling = RollingHints()
                if lower.contains("rolling") { rolling.timeStampPattern = l.attribute("timeStampPattern") ?? "yyyy-MM-dd" }
                result.logs.append(DeclaredLog(
                    configFile: configFile, library: "entlib", target: name, targetType: type, path: fileName,
                    layout: layout, layoutType: layoutType, rolling: rolling, referenced: referenced.contains(name.lowercased())))
            }
        }
    }
}
