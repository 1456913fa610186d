import LogRecord

/// Windows Error Reporting report files (`Report.wer` under `ProgramData/Microsoft/Windows/WER/
/// ReportArchive/*/` and `ReportQueue/*/`; UTF-16LE with or without BOM): `Key=Value` lines, one
/// report per file, written by WER when a program crashes or hangs.
///
/// One record per report, emitted at the end of the report (the end of the file, or a second
/// `Version=` line after a report's `EventType=`, when reports were joined into one file):
/// - `@timestamp`: `EventTime`, a FILETIME (100 ns since 1601, UTC; `amt.time_source` `utc`).
/// - `event.provider` `Windows Error Reporting`; `event.code` the event type (`APPCRASH`, `BEX64`,
///   `CLR20r3`, `MoAppCrash`, `APPHANG`…) as WER names it in the Application log.
/// - `process.name`: the file name of `AppPath` (else the signature's application name, else
///   `AppName`, which is the program's description: `IIS Worker Process`); `process.executable`:
///   `AppPath` (else `UI[2]`, the path WER shows in its dialog).
/// - `error.code`: the exception code as `0x` + 8 lower-case hex digits; `error.type`: the .NET
///   exception type of a `CLR20r3` report (which has no exception code).
/// - `amt.wer.*`: `event_type`, `friendly_name`, `report_id`, `report_type`, `app.{name, version,
///   timestamp, path, display_name}`, `module.{name, version, timestamp}`, `exception.{code, offset}`,
///   `clr.{method, il_offset}`, `hang.{signature, type}`, `package`, `fatal`, `bucket_id`,
///   `os_version`, `locale_id`, `loaded_modules` (a count), `queued` (the report is in
///   `ReportQueue`: not sent yet), and `signature`: every `Sig[N]` as `{name, value}` in index
///   order (at most `maxSignatures`).
///
/// Signature names are localized (`Nom de l'application`, `Anwendungsname`…), so parameters are
/// found by their position for the event types whose layout is known (`positions`); English names
/// are used for the others. A value that does not look like what its position holds (a module
/// version that is not dotted numbers, an exception code that is not hex) is left out rather than
/// misread.
///
/// Levels (`log.level`): `BlueScreen` critical; crashes (`APPCRASH`, `BEX*`, `CLR20r3`, `MoAppCrash`,
/// `MoBEX`, any type containing `crash`) and types containing `Failure` error; hangs (`*Hang*`)
/// warning; other reports information. Lines that are not `Key=Value` are counted
/// (`wer_other_lines`); a report without `EventType` is a parse error.
public struct WERParser: TextFormatParser {
    public static let dataset = Dataset.wer

    /// `Sig[N]` entries kept per report (a report has about ten; more is not a WER report).
    static let maxSignatures = 32
    /// Bytes kept of one value (paths and names; the rest of a longer value is cut).
    static let maxValueBytes = 2048
    /// FILETIMEs of 1980-01-01 to 2200-01-01: a report time outside is not a time.
    static let fileTimeRange: ClosedRange<UInt64> = 119_600_064_000_000_000...189_025_920_000_000_000

    public static func score(lines: [String], path: String) -> Int {
        var keys = 0, pairs = 0
        for line in lines {
            let u = Array(line.utf8.prefix(40))
            if Bytes.has(u, P.version) || Bytes.has(u, P.eventType) || Bytes.has(u, P.eventTime)
                || Bytes.has(u, P.sig0Name) || Bytes.has(u, P.reportIdentifier) {
                keys += 1
            }
            if u.contains(0x3D) { pairs += 1 }
        }
        if keys >= 3 && pairs * 10 >= lines.count * 9 { return 98 }
        if keys >= 2 && pairs * 2 >= lines.count { return 70 }
        return 0
    }

    private let context: ParseContext
    private let template: Record
    private let queued: Bool
    private var lineBytes = LineBytes()
    private var report = Report()

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        var t = RecordTemplate.make(dataset: Self.dataset, context: context)
        t.provider = "Windows Error Reporting"
        template = t
        queued = context.sourcePath.lowercased().contains("reportqueue/")
    }

    /// What one report said, as far as it has been read.
    struct Report {
        var started = false
        var line: Int?
        var eventType: String?
        var eventTime: UInt64?
        var values: [String: String] = [:]
        var sigNames: [Int: String] = [:]
        var sigValues: [Int: String] = [:]
        var dynamicValues: [Int: String] = [:]
        var loadedModules = 0
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        let u = lineBytes.load(line.text)
        guard let eq = u.firstIndex(of: 0x3D), eq > 0 else {
            // Not `Key=Value`: counted; outside any report (text that is no report at all) kept
            // as a record of its own, so nothing of such a file is lost.
            if !Bytes.isBlank(u) {
                stats.count("wer_other_lines")
                guard !report.started else { return }
                var r = template
                r.message = line.text
                r.line = line.number
                try emit(&r)
            }
            return
        }
        let key = u[0..<eq]
        var valueEnd = u.count
        while valueEnd > eq + 1, u[valueEnd - 1] == 0x20 || u[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let value = Bytes.string(u, eq + 1, min(valueEnd, eq + 1 + Self.maxValueBytes))

        if key.elementsEqual(P.versionKey), report.eventType != nil {
            // A second report in the same text.
            try flush(stats: &stats, emit: emit)
        }
        if !report.started {
            report.started = true
            report.line = line.number
        }
        if let (kind, index, field) = Self.indexedKey(key) {
            switch kind {
            case .sig:
                guard index < Self.maxSignatures else { stats.count("wer_signatures_dropped"); return }
                if field == .name { report.sigNames[index] = value } else if field == .value { report.sigValues[index] = value }
            case .dynamicSig:
                if field == .value, index < Self.maxSignatures { report.dynamicValues[index] = value }
            case .loadedModule:
                report.loadedModules += 1
            case .other:
                break
            }
            return
        }
        let name = String(decoding: key, as: UTF8.self)
        switch name {
        case "EventType": report.eventType = value
        case "EventTime": report.eventTime = UInt64(value)
        case "AppName", "AppPath", "FriendlyEventName", "ReportIdentifier", "ReportType", "IsFatal",
             "Response.BucketId", "NsAppName", "ConsentKey", "UI[2]":
            report.values[name] = value
        default:
            break
        }
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flush(stats: &stats, emit: emit)
    }

    private mutating func flush(stats: inout ParseStats, emit: RecordSink) throws {
        defer { report = Report() }
        guard report.started else { return }
        guard let eventType = report.eventType, !eventType.isEmpty else {
            stats.recordProblem("line \(report.line.map(String.init) ?? "?"): a report without EventType")
            return
        }
        var r = template
        r.line = report.line
        r.code = eventType
        r.level = Self.level(eventType)
        if let ft = report.eventTime {
            if Self.fileTimeRange.contains(ft) {
                r.timestamp = Timestamp(fileTime: ft, precision: .milliseconds)
                r.timeSource = .utc
            } else {
                stats.recordProblem("line \(report.line.map(String.init) ?? "?"): EventTime \(ft) is not a time between 1980 and 2200")
            }
        }
        let sig = Self.signature(eventType: eventType, names: report.sigNames, values: report.sigValues)
        let appPath = Self.nonEmpty(report.values["AppPath"]) ?? Self.nonEmpty(report.values["UI[2]"])
        // `AppName` is the program's description (`IIS Worker Process`): the file name is taken
        // from its path, else from the signature (`w3wp.exe`), and the description kept beside.
        let displayName = Self.nonEmpty(report.values["AppName"])
        let appName = appPath.flatMap(Self.fileName) ?? sig.appName ?? displayName
        r.processName = appName
        r.processExecutable = appPath
        if let code = sig.exceptionCode { r.errorCode = code }
        if let type = sig.clrException { r.errorType = type }

        var wer: [(String, JSONValue)] = [("event_type", .string(eventType))]
        func put(_ k: String, _ v: String?) { if let v = Self.nonEmpty(v) { wer.append((k, .string(v))) } }
        put("friendly_name", report.values["FriendlyEventName"])
        put("report_id", report.values["ReportIdentifier"])
        if let t = report.values["ReportType"], let n = Int64(t) { wer.append(("report_type", .int(n))) }
        var app: [(String, JSONValue)] = []
        if let appName { app.append(("name", .string(appName))) }
        if let displayName, displayName != appName { app.append(("display_name", .string(displayName))) }
        if let v = sig.appVersion { app.append(("version", .string(v))) }
        if let v = sig.appTimestamp { app.append(("timestamp", .string(v))) }
        if let appPath { app.append(("path", .string(appPath))) }
        if !app.isEmpty { wer.append(("app", .object(app))) }
        var module: [(String, JSONValue)] = []
        if let v = sig.moduleName { module.append(("name", .string(v))) }
        if let v = sig.moduleVersion { module.append(("version", .string(v))) }
        if let v = sig.moduleTimestamp { module.append(("timestamp", .string(v))) }
        if !module.isEmpty { wer.append(("module", .object(module))) }
        var exception: [(String, JSONValue)] = []
        if let v = sig.exceptionCode { exception.append(("code", .string(v))) }
        if let v = sig.exceptionOffset { exception.append(("offset", .string(v))) }
        if let v = sig.clrException { exception.append(("type", .string(v))) }
        if !exception.isEmpty { wer.append(("exception", .object(exception))) }
        var clr: [(String, JSONValue)] = []
        if let v = sig.clrMethod { clr.append(("method", .string(v))) }
        if let v = sig.clrILOffset { clr.append(("il_offset", .string(v))) }
        if !clr.isEmpty { wer.append(("clr", .object(clr))) }
        var hang: [(String, JSONValue)] = []
        if let v = sig.hangSignature { hang.append(("signature", .string(v))) }
        if let v = sig.hangType { hang.append(("type", .string(v))) }
        if !hang.isEmpty { wer.append(("hang", .object(hang))) }
        put("package", sig.package)
        if let f = report.values["IsFatal"] { wer.append(("fatal", .bool(f == "1"))) }
        put("bucket_id", report.values["Response.BucketId"])
        put("os_version", report.dynamicValues[1])
        put("locale_id", report.dynamicValues[2])
        if report.loadedModules > 0 { wer.append(("loaded_modules", .int(Int64(report.loadedModules)))) }
        if queued { wer.append(("queued", .bool(true))) }
        let indices = Set(report.sigNames.keys).union(report.sigValues.keys).sorted()
        if !indices.isEmpty {
            wer.append(("signature", .array(indices.map { i in
                .object([("name", .string(report.sigNames[i] ?? "")), ("value", .string(report.sigValues[i] ?? ""))])
            })))
        }
        r.extras = [("wer", .object(wer))]
        r.message = Self.message(eventType: eventType, friendly: report.values["FriendlyEventName"], app: appName,
                                 sig: sig)
        stats.count("wer_reports")
        try emit(&r)
    }

    /// `APPCRASH: w3wp.exe 10.0.17763.1 stopped (fault module clr.dll 4.8.4515.0, exception
    /// 0xe0434352 at offset 0x…)`.
    static func message(eventType: String, friendly: String?, app: String?, sig: Signature) -> String {
        var s = eventType + ":"
        s += " " + (app ?? "unknown program")
        if let v = sig.appVersion { s += " " + v }
        var details: [String] = []
        if let m = sig.moduleName {
            details.append("fault module " + m + (sig.moduleVersion.map { " " + $0 } ?? ""))
        }
        if let c = sig.exceptionCode {
            details.append("exception " + c + (sig.exceptionOffset.map { " at offset " + $0 } ?? ""))
        } else if let o = sig.exceptionOffset {
            details.append("offset " + o)
        }
        if let t = sig.clrException { details.append(".NET exception " + t) }
        if let h = sig.hangSignature { details.append("hang signature " + h + (sig.hangType.map { ", type " + $0 } ?? "")) }
        if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
        if let f = nonEmpty(friendly) { s += " - " + f }
        return s
    }

    static func level(_ eventType: String) -> Severity {
        let t = eventType.lowercased()
        if t == "bluescreen" { return .critical }
        if t.contains("crash") || t.hasPrefix("bex") || t.hasPrefix("mobex") || t.hasPrefix("clr20") || t.contains("failure") {
            return .error
        }
        if t.contains("hang") { return .warning }
        return .information
    }

    // MARK: - Signature

    /// The parameters of a report's problem signature, by meaning.
    struct Signature {
        var appName, appVersion, appTimestamp: String?
        var moduleName, moduleVersion, moduleTimestamp: String?
        var exceptionCode, exceptionOffset: String?
        var clrMethod, clrILOffset, clrException: String?
        var hangSignature, hangType: String?
        var package: String?
    }

    enum Role {
        case appName, appVersion, appTimestamp, moduleName, moduleVersion, moduleTimestamp
        case exceptionCode, exceptionOffset, clrMethod, clrILOffset, clrException, hangSignature, hangType, package
    }

    /// The parameter at each position, for the event types whose signature layout is fixed.
    static func positions(_ eventType: String) -> [Role]? {
        let crash: [Role] = [.appName, .appVersion, .appTimestamp, .moduleName, .moduleVersion, .moduleTimestamp,
                             .exceptionCode, .exceptionOffset]
        let bex: [Role] = [.appName, .appVersion, .appTimestamp, .moduleName, .moduleVersion, .moduleTimestamp,
                           .exceptionOffset, .exceptionCode]
        let hang: [Role] = [.appName, .appVersion, .appTimestamp, .hangSignature, .hangType]
        switch eventType.lowercased() {
        case "appcrash": return crash
        case "bex", "bex64": return bex
        case "mobex": return [.package] + bex
        case "moappcrash": return [.package] + crash
        case "clr20r3":
            return [.appName, .appVersion, .appTimestamp, .moduleName, .moduleVersion, .moduleTimestamp,
                    .clrMethod, .clrILOffset, .clrException]
        case "apphang", "apphangb1", "apphangxprocb1": return hang
        case "moapphang": return [.package] + hang
        default: return nil
        }
    }

    /// English signature names (`Sig[N].Name`) and what they hold: used for event types without a
    /// known layout (Windows Update's `Error Code` is read as the exception code).
    static func role(forName name: String) -> Role? {
        switch name.lowercased() {
        case "application name", "app name": .appName
        case "application version", "app version": .appVersion
        case "application timestamp", "app timestamp": .appTimestamp
        case "fault module name", "faulting module name": .moduleName
        case "fault module version": .moduleVersion
        case "fault module timestamp": .moduleTimestamp
        case "exception code", "error code", "hresult": .exceptionCode
        case "exception offset": .exceptionOffset
        case "package full name": .package
        case "hang signature": .hangSignature
        case "hang type": .hangType
        default: nil
        }
    }

    static func signature(eventType: String, names: [Int: String], values: [Int: String]) -> Signature {
        var s = Signature()
        var roles: [Int: Role] = [:]
        if let layout = positions(eventType) {
            for (i, role) in layout.enumerated() { roles[i] = role }
        } else {
            for (i, name) in names { if let role = role(forName: name) { roles[i] = role } }
        }
        for (i, role) in roles {
            guard let v = nonEmpty(values[i]) else { continue }
            switch role {
            case .appName: s.appName = v
            case .appVersion: s.appVersion = isVersion(v) ? v : nil
            case .appTimestamp: s.appTimestamp = isHex(v) ? v.lowercased() : nil
            case .moduleName: s.moduleName = v
            case .moduleVersion: s.moduleVersion = isVersion(v) ? v : nil
            case .moduleTimestamp: s.moduleTimestamp = isHex(v) ? v.lowercased() : nil
            case .exceptionCode: s.exceptionCode = hexCode(v)
            case .exceptionOffset: s.exceptionOffset = isHex(v) ? "0x" + v.lowercased() : nil
            case .clrMethod: s.clrMethod = v
            case .clrILOffset: s.clrILOffset = v
            case .clrException: s.clrException = v
            case .hangSignature: s.hangSignature = v
            case .hangType: s.hangType = v
            case .package: s.package = v
            }
        }
        return s
    }

    /// `c0000005` → `0xc0000005` (a code of up to 8 hex digits, `0x` optional); `nil` otherwise.
    static func hexCode(_ v: String) -> String? {
        var t = Substring(v.lowercased())
        if t.hasPrefix("0x") { t = t.dropFirst(2) }
        guard !t.isEmpty, t.utf8.count <= 8, t.utf8.allSatisfy(Bytes.isHex) else { return nil }
        return "0x" + String(repeating: "0", count: 8 - t.utf8.count) + t
    }

    static func isHex(_ v: String) -> Bool {
        !v.isEmpty && v.utf8.count <= 32 && v.utf8.allSatisfy(Bytes.isHex)
    }

    /// Dotted numbers (`10.0.17763.1`, `0.0.0.0`).
    static func isVersion(_ v: String) -> Bool {
        !v.isEmpty && v.utf8.count <= 64 && v.utf8.allSatisfy { Bytes.isDigit($0) || $0 == 0x2E }
            && v.utf8.first != 0x2E
    }

    /// `C:\Windows\System32\inetsrv\w3wp.exe` → `w3wp.exe`; `nil` for a path ending in a separator.
    static func fileName(_ path: String) -> String? {
        let name = path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map(String.init)
        guard let name, !name.isEmpty, !path.hasSuffix("\\"), !path.hasSuffix("/") else { return nil }
        return name
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    // MARK: - Keys

    enum IndexedKind { case sig, dynamicSig, loadedModule, other }
    enum IndexedField { case name, value, none }

    /// `Sig[3].Name` → (.sig, 3, .name); `LoadedModule[12]` → (.loadedModule, 12, .none);
    /// any other `X[N]…` key → `.other`; `nil` for keys without an index. `UI[2]` is not indexed
    /// here (it is a value looked up by name).
    static func indexedKey(_ key: ArraySlice<UInt8>) -> (IndexedKind, Int, IndexedField)? {
        guard let open = key.firstIndex(of: 0x5B), let close = key[open...].firstIndex(of: 0x5D), close > open + 1 else {
            return nil
        }
        var n = 0
        for c in key[(open + 1)..<close] {
            guard Bytes.isDigit(c), n < 1_000_000 else { return nil }
            n = n * 10 + Int(c - 0x30)
        }
        let head = key[key.startIndex..<open]
        let tail = key[(close + 1)...]
        let field: IndexedField = tail.elementsEqual(P.dotName) ? .name : tail.elementsEqual(P.dotValue) ? .value : .none
        if head.elementsEqual(P.sig) { return (.sig, n, field) }
        if head.elementsEqual(P.dynamicSig) { return (.dynamicSig, n, field) }
        if head.elementsEqual(P.loadedModule) { return (.loadedModule, n, field) }
        if head.elementsEqual(P.ui) { return nil }
        return (.other, n, field)
    }

    enum P {
        static let version = [UInt8](ascii: "Version=")
        static let versionKey = [UInt8](ascii: "Version")
        static let eventType = [UInt8](ascii: "EventType=")
        static let eventTime = [UInt8](ascii: "EventTime=")
        static let sig0Name = [UInt8](ascii: "Sig[0].Name=")
        static let reportIdentifier = [UInt8](ascii: "ReportIdentifier=")
        static let sig = [UInt8](ascii: "Sig")
        static let dynamicSig = [UInt8](ascii: "DynamicSig")
        static let loadedModule = [UInt8](ascii: "LoadedModule")
        static let ui = [UInt8](ascii: "UI")
        static let dotName = [UInt8](ascii: ".Name")
        static let dotValue = [UInt8](ascii: ".Value")
    }
}
