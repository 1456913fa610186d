import CodePages
import LogRecord

/// Redaction for one collection: the mode, the pseudonyms (under `pii`) and the replacements
/// made so far, per rule.
///
/// Text is redacted line by line in its own encoding (`TextRedactor`), records field by field
/// (`redact(_:)`), single strings with `redact(text:)`. Used by one thread at a time.
public final class Redactor: @unchecked Sendable {
    public let mode: RedactionMode
    public let names: Pseudonyms
    /// Replacements made through this redactor and every `TextRedactor` it made.
    public private(set) var totals = RedactionCounts()

    /// `knownHosts`: host names to replace wherever they appear as a word under `pii` (the
    /// collected host's name).
    public init(mode: RedactionMode, names: Pseudonyms = Pseudonyms(), knownHosts: [String] = []) {
        self.mode = mode
        self.names = names
        if mode == .pii {
            for h in knownHosts where !h.isEmpty { _ = names.pseudonym(.host, h) }
        }
    }

    public var isActive: Bool { mode != .none }

    /// A streaming redactor for one text file. `isConfig`: a configuration file (its values count
    /// as `config-value`). `codePagePrior`: the site's ANSI code page, for a file that is not UTF-8.
    public func text(isConfig: Bool = false, codePagePrior: CodePage? = nil) -> TextRedactor {
        TextRedactor(owner: self, isConfig: isConfig, codePagePrior: codePagePrior)
    }

    func count(_ c: RedactionCounts) { totals.add(c) }

    /// Edits for `buffer` (complete lines), carrying `state` from line to line.
    func edits(_ buffer: UnsafeBufferPointer<UInt8>, state: inout TextState) -> [RedactionEdit] {
        guard mode != .none, buffer.count > 0 else { return [] }
        var secrets = SecretScanner(buffer, state: state)
        secrets.run()
        state = secrets.state
        guard mode == .pii else { return secrets.edits }
        let blocked = secrets.edits
        var pii = PIIScanner(buffer, names: names)
        var start = 0
        var b = 0
        while start < buffer.count {
            var end = start
            while end < buffer.count && buffer[end] != 0x0A { end += 1 }
            let first = b
            while b < blocked.count && blocked[b].start < end { b += 1 }
            pii.line(start, end, blocked: blocked[first..<b])
            start = end + 1
        }
        guard !pii.edits.isEmpty else { return blocked }
        return (blocked + pii.edits).sorted { $0.start < $1.start }
    }

    /// `text` with the rules applied (a string held in memory: a summary line, a record field).
    public func redact(text: String) -> String {
        var counts = RedactionCounts()
        let out = redact(text: text, counts: &counts)
        totals.add(counts)
        return out
    }

    func redact(text: String, counts: inout RedactionCounts) -> String {
        guard mode != .none, !text.isEmpty else { return text }
        var state = TextState()
        var s = text
        return s.withUTF8 { buffer in
            let edits = self.edits(buffer, state: &state)
            guard !edits.isEmpty else { return text }
            for e in edits where e.counted { counts[e.rule] += 1 }
            return String(decoding: TextRedactor.apply(edits, to: buffer), as: UTF8.self)
        }
    }

    /// A source path relative to the root, as the bundle names it: under `pii` the user folder
    /// names (`Users/<name>/`) are replaced. Counted like any other replacement.
    public func redact(path: String) -> String {
        guard mode == .pii else { return path }
        var counts = RedactionCounts()
        // The path rule needs a separator before `Users`.
        let out = String(redact(text: "/" + path, counts: &counts).dropFirst())
        totals.add(counts)
        return out
    }

    // MARK: - Records

    /// Event data names whose values are user names, host names or domains under `pii`.
    static let userFields: Set<String> = ["targetusername", "subjectusername", "username", "accountname", "user", "samaccountname", "targetoutboundusername", "logonaccount"]
    static let domainFields: Set<String> = ["targetdomainname", "subjectdomainname", "domainname", "domain", "targetoutbounddomainname"]
    static let hostFields: Set<String> = ["workstationname", "workstation", "computer", "computername", "machinename", "servername", "hostname", "targetservername"]

    /// Redacts every string field of `record` in place (message, error fields, stack trace,
    /// `winlog` names, data values, `amt.*` extras). Returns the replacements made.
    @discardableResult
    public func redact(_ record: inout Record) -> RedactionCounts {
        var c = RedactionCounts()
        guard mode != .none else { return c }
        // Values named as users/hosts in event data are learned first, so the message (built
        // from them) gets the same pseudonyms.
        var literal: [(String, String)] = []
        if var w = record.winlog {
            if mode == .pii {
                if let name = w.computerName, !name.isEmpty {
                    let p = hostPseudonym(name, &c)
                    w.computerName = p
                }
            }
            w.eventData = w.eventData.map { (name, value) in
                (name, self.dataValue(name: name, value: value, counts: &c, literal: &literal))
            }
            w.userData = w.userData.map { (name, value) in
                let leaf = String(name.split(separator: "/").last ?? Substring(name))
                return (name, self.dataValue(name: leaf, value: value, counts: &c, literal: &literal))
            }
            record.winlog = w
        }
        if mode == .pii, let h = record.hostName, !h.isEmpty {
            record.hostName = hostPseudonym(h, &c, count: record.winlog == nil)
        }
        // The text rules first (they give known values the same pseudonyms), then what only the
        // data names told (a user name in a field called TargetUserName).
        record.message = replacing(redact(text: record.message, counts: &c), literal)
        if let t = record.errorType { record.errorType = redact(text: t, counts: &c) }
        if let s = record.stackTrace { record.stackTrace = replacing(redact(text: s, counts: &c), literal) }
        if let e = record.processExecutable { record.processExecutable = replacing(redact(text: e, counts: &c), literal) }
        if let p = record.provider { record.provider = redact(text: p, counts: &c) }
        if !record.extras.isEmpty { record.extras = record.extras.map { ($0.0, redact(json: $0.1, name: $0.0, counts: &c)) } }
        totals.add(c)
        return c
    }

    private func hostPseudonym(_ name: String, _ c: inout RedactionCounts, count: Bool = true) -> String {
        // `host.domain.tld`: the host label and the domain apart, as in text.
        let redacted = redact(text: name, counts: &c)
        if redacted != name { return redacted }
        if count { c[.hostName] += 1 }
        return names.pseudonym(.host, name)
    }

    private func replacing(_ text: String, _ pairs: [(String, String)]) -> String {
        var out = text
        for (from, to) in pairs where from.count >= 3 { out = out.replacingAll(from, with: to) }
        return out
    }

    private func dataValue(name: String, value: String, counts c: inout RedactionCounts, literal: inout [(String, String)]) -> String {
        guard !value.isEmpty else { return value }
        let key = Array(name.utf8)
        if Bytes.isSecretName(key[...]), !value.hasPrefix("%%"), value != "-" {
            c[.eventDataSecret] += 1
            literal.append((value, String(decoding: Redacted.marker, as: UTF8.self)))
            return String(decoding: Redacted.marker, as: UTF8.self)
        }
        if mode == .pii {
            let l = name.lowercased()
            if Self.userFields.contains(l), !PIIScanner.wellKnownUsers.contains(value.lowercased()), value != "-", !value.hasPrefix("S-1-") {
                let p = value.contains("@") ? names.pseudonym(.email, value) : names.pseudonym(.user, value)
                c[value.contains("@") ? .email : .userName] += 1
                literal.append((value, p))
                return p
            }
            if Self.domainFields.contains(l), value != "-", !PIIScanner.notDomains.contains(value.lowercased()), !value.contains(" ") {
                let p = value.contains(".") ? names.pseudonym(.dnsDomain, value) : names.pseudonym(.netbiosDomain, value)
                c[.domainName] += 1
                literal.append((value, p))
                return p
            }
            if Self.hostFields.contains(l), value != "-", value.lowercased() != "localhost", !value.contains(" ") {
                let redacted = redact(text: value, counts: &c)
                if redacted != value { return redacted }
                let p = names.pseudonym(.host, value)
                c[.hostName] += 1
                literal.append((value, p))
                return p
            }
        }
        return redact(text: value, counts: &c)
    }

    private func redact(json: JSONValue, name: String, counts c: inout RedactionCounts) -> JSONValue {
        switch json {
        case .string(let s):
            if Bytes.isSecretName(Array(name.utf8)[...]), !s.isEmpty {
                c[.secretKeyValue] += 1
                return .string(String(decoding: Redacted.marker, as: UTF8.self))
            }
            return .string(redact(text: s, counts: &c))
        case .object(let members): return .object(members.map { ($0.0, redact(json: $0.1, name: $0.0, counts: &c)) })
        case .array(let items): return .array(items.map { redact(json: $0, name: name, counts: &c) })
        default: return json
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
