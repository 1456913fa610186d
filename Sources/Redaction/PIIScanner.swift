/// The `pii` rules over one line of ASCII-compatible bytes (see `RedactionRule`). Runs after the
/// secret rules; the ranges they replaced are left alone.
struct PIIScanner {
    let p: UnsafeBufferPointer<UInt8>
    let names: Pseudonyms
    var edits: [RedactionEdit] = []

    init(_ p: UnsafeBufferPointer<UInt8>, names: Pseudonyms) {
        self.p = p
        self.names = names
    }

    /// DNS suffixes taken as domains (the last label, all lower or all upper case).
    static let suffixes: Set<String> = [
        "com", "net", "org", "local", "lan", "corp", "internal", "intra", "intranet", "home", "edu", "gov",
        "mil", "biz", "info", "io", "ad", "domain", "localdomain", "us", "uk", "ca", "au", "de", "fr", "nl",
        "be", "ch", "at", "it", "es", "se", "no", "dk", "fi", "ie", "nz", "jp", "in", "br", "mx", "za", "co",
    ]
    /// `DOMAIN\x` prefixes that are not domains.
    static let notDomains: Set<String> = [
        "hklm", "hkcu", "hkcr", "hku", "hkcc", "hkey_local_machine", "hkey_current_user", "hkey_classes_root",
        "hkey_users", "authority", "builtin", "service", "apppool", "nt", "window manager", "font driver host",
        // Device instance ids (setupapi): USB\VID_…, PCI\VEN_…
        "usb", "pci", "hid", "acpi", "root", "swd", "hdaudio", "storage", "scsi", "usbstor", "display", "bth",
        "bthenum", "usbprint", "wpdbusenum", "sw", "umb", "ide", "stor", "monitor", "disk", "volume",
    ]
    /// Public domains that name no site: vendors, schemas, examples.
    static let publicDomains: Set<String> = [
        "microsoft.com", "microsoft.net", "windows.com", "windowsupdate.com", "w3.org", "nlog-project.org",
        "apache.org", "xmlsoap.org", "amt-us.com", "example.com", "example.org", "example.net", "example.invalid",
        "domain.com", "verisign.com", "digicert.com", "msftncsi.com", "office.com", "live.com", "nuget.org",
    ]
    /// Accounts that are not people.
    static let wellKnownUsers: Set<String> = [
        "system", "local service", "localservice", "network service", "networkservice", "sa", "administrator",
        "guest", "defaultapppool", "anonymous", "anonymous logon", "iusr", "-", "n/a", "null", "(null)",
        "public", "default", "all", "default user", "defaultuser0", "everyone", "trustedinstaller", "none",
    ]

    /// Words after which a dotted quad is a version, not an address.
    static let versionWords: Set<String> = ["ver", "rev", "build", "release", "update", "firmware", "fw", "driver", "sp"]

    var n: Int { p.count }

    func string(_ s: Int, _ e: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self) }

    func word(_ at: Int, _ w: StaticString) -> Bool {
        let count = w.utf8CodeUnitCount
        guard at + count <= n else { return false }
        let u = w.utf8Start
        for k in 0..<count where Bytes.lower(p[at + k]) != u[k] { return false }
        return at + count == n || !Bytes.isAlnum(p[at + count])
    }

    @inline(__always) func isToken(_ b: UInt8) -> Bool { Bytes.isAlnum(b) || b == 0x2E || b == 0x2D || b == 0x5F }

    mutating func add(_ s: Int, _ e: Int, _ text: String, _ rule: RedactionRule) {
        guard e > s else { return }
        edits.append(RedactionEdit(start: s, end: e, replacement: Array(text.utf8), rule: rule))
    }

    /// Scans `start..<end` (one line), skipping `blocked` ranges (sorted).
    mutating func line(_ start: Int, _ end: Int, blocked: ArraySlice<RedactionEdit>) {
        var j = start
        var b = blocked.startIndex
        while j < end {
            while b < blocked.endIndex && blocked[b].end <= j { b += 1 }
            if b < blocked.endIndex && blocked[b].start <= j {
                j = blocked[b].end
                continue
            }
            let limit = b < blocked.endIndex ? blocked[b].start : end
            let c = p[j]
            if c == 0x2F, j + 2 < limit, p[j + 1] == 0x2F, let next = urlUser(j + 2, limit, end) {
                j = next
                continue
            }
            if c == 0x5C, j + 2 < limit, p[j + 1] == 0x5C, Bytes.isAlnum(p[j + 2]), j == start || p[j - 1] != 0x5C {
                j = unc(j + 2, limit)
                continue
            }
            guard Bytes.isAlnum(c), j == start || !isToken(p[j - 1]) else {
                j += 1
                continue
            }
            j = token(j, start, limit)
        }
    }

    /// `//user:password@` or `//user@` in a URL: the user (the password is a secret).
    mutating func urlUser(_ s: Int, _ limit: Int, _ end: Int) -> Int? {
        var k = s
        while k < limit && Bytes.isName(p[k]) { k += 1 }
        guard k > s, k < end, p[k] == 0x3A || p[k] == 0x40 else { return nil }
        var a = k
        while a < end && p[a] != 0x40 && p[a] != 0x2F && !Bytes.isSpace(p[a]) { a += 1 }
        guard a < end, p[a] == 0x40 else { return nil }
        user(s, k)
        return k
    }

    /// `\\HOST\…`: the host.
    mutating func unc(_ s: Int, _ limit: Int) -> Int {
        var e = s
        while e < limit && (Bytes.isAlnum(p[e]) || p[e] == 0x2D || p[e] == 0x5F) { e += 1 }
        guard e < limit, p[e] == 0x5C || p[e] == 0x2E else { return e }
        if p[e] == 0x2E { return s } // an FQDN or address: the token rules take it
        host(s, e)
        return e
    }

    mutating func host(_ s: Int, _ e: Int) {
        let name = string(s, e)
        let l = name.lowercased()
        guard l != "localhost", l != "local", !l.isEmpty, l != "." else { return }
        add(s, e, names.pseudonym(.host, name), .hostName)
    }

    /// One token starting at `s`: tries each rule in turn; returns where scanning goes on.
    mutating func token(_ s: Int, _ lineStart: Int, _ limit: Int) -> Int {
        if let e = mac(s, limit) { return e }
        var te = s
        while te < limit && isToken(p[te]) { te += 1 }
        // E-mail: local@domain.tld (the local part may also hold + and %).
        var le = te
        while le < limit && (isToken(p[le]) || p[le] == 0x2B || p[le] == 0x25) { le += 1 }
        if le < limit, p[le] == 0x40, let de = dnsName(le + 1, limit, requireSuffix: true) {
            add(s, de, names.pseudonym(.email, string(s, de)), .email)
            return de
        }
        var core = te
        while core > s && p[core - 1] == 0x2E { core -= 1 }
        if let e = ipv4(s, core) { return e }
        if Self.hasDot(p, s, core), let e = fqdn(s, core) { return e }
        if let e = context(s, te, lineStart, limit) { return e }
        if let e = domainUser(s, te, lineStart, limit) { return e }
        // A host name seen before (the collected host, event `Computer`, learned from context).
        if core - s >= 4, !Self.hasDot(p, s, core) {
            let name = string(s, core)
            if Self.isDistinctive(name), names.isKnown(.host, name) {
                add(s, core, names.pseudonym(.host, name), .hostName)
            } else if name == name.uppercased(), names.isKnown(.netbiosDomain, name) {
                add(s, core, names.pseudonym(.netbiosDomain, name), .domainName)
            }
        }
        return te
    }

    /// A known host name is replaced wherever it stands alone only when it cannot be an ordinary
    /// word: it holds a digit or `-`, or is written in capitals (`WEBBRIX-SRV01`, `ARCH01`,
    /// `FILESRV`; not `mail`, `files`, `db`).
    static func isDistinctive(_ name: String) -> Bool {
        name.count >= 4 && (name.contains { $0.isNumber || $0 == "-" } || (name == name.uppercased() && name.contains { $0.isLetter }))
    }

    static func hasDot(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        for k in s..<e where p[k] == 0x2E { return true }
        return false
    }

    // MARK: - Addresses

    mutating func mac(_ s: Int, _ limit: Int) -> Int? {
        guard s + 17 <= limit else { return nil }
        let sep = p[s + 2]
        guard sep == 0x3A || sep == 0x2D else { return nil }
        for g in 0..<6 {
            let k = s + g * 3
            guard Bytes.isHex(p[k]), Bytes.isHex(p[k + 1]) else { return nil }
            if g < 5 { guard p[k + 2] == sep else { return nil } }
        }
        if s + 17 < limit, isToken(p[s + 17]) || p[s + 17] == sep { return nil }
        let text = string(s, s + 17)
        let digits = text.filter { $0.isHexDigit }
        if digits == "000000000000" || digits.lowercased() == "ffffffffffff" { return s + 17 }
        var pseudo = names.pseudonym(.mac, digits)
        if sep == 0x3A { pseudo = pseudo.replacingAll("-", with: ":") }
        if text.contains(where: { $0.isUppercase }) { pseudo = pseudo.uppercased() }
        add(s, s + 17, pseudo, .macAddress)
        return s + 17
    }

    /// A dotted quad that is an address, not a version: four octets 0–255 without leading zeros,
    /// not after `version`/`ver`/`v`, not ending in .0 or .255, not loopback/multicast/mask.
    mutating func ipv4(_ s: Int, _ e: Int) -> Int? {
        var octets: [Int] = []
        var k = s
        while k < e {
            var v = 0, digits = 0
            let start = k
            // Only the first four digits are kept (more is never an octet): a long run of digits
            // cannot overflow the value.
            while k < e && Bytes.isDigit(p[k]) {
                if digits < 4 { v = v * 10 + Int(p[k] - 0x30) }
                digits += 1
                k += 1
            }
            guard digits >= 1, digits <= 3, v <= 255, !(digits > 1 && p[start] == 0x30) else { return nil }
            octets.append(v)
            if k < e { guard p[k] == 0x2E else { return nil }; k += 1; guard k < e else { return nil } }
        }
        guard octets.count == 4 else { return nil }
        let o = octets
        if o[0] == 0 || o[0] == 127 || o[0] >= 224 || o[3] == 0 || o[3] == 255 { return e }
        if o[0] == 255 { return e }
        // After a version word: a version number.
        var b = s
        while b > 0 && (Bytes.isSpace(p[b - 1]) || p[b - 1] == 0x3D || p[b - 1] == 0x3A || p[b - 1] == 0x22) { b -= 1 }
        if b > 0, Bytes.isAlpha(p[b - 1]) {
            var w = b
            while w > 0 && Bytes.isAlpha(p[w - 1]) { w -= 1 }
            let word = string(w, b).lowercased()
            if word == "v" || word.hasSuffix("version") || Self.versionWords.contains(word) { return e }
        }
        add(s, e, names.ipv4(o), .ipAddress)
        return e
    }

    /// The end of a DNS name starting at `s` (labels of letters, digits, `-`), or nil.
    func dnsName(_ s: Int, _ limit: Int, requireSuffix: Bool) -> Int? {
        var e = s
        while e < limit && (Bytes.isAlnum(p[e]) || p[e] == 0x2D || p[e] == 0x2E) { e += 1 }
        while e > s && p[e - 1] == 0x2E { e -= 1 }
        guard e > s, Self.hasDot(p, s, e) else { return nil }
        if requireSuffix {
            var d = e
            while d > s && p[d - 1] != 0x2E { d -= 1 }
            guard e - d >= 2, (d..<e).allSatisfy({ Bytes.isAlpha(p[$0]) }) else { return nil }
        }
        return e
    }

    /// `host.domain.tld` / `domain.tld` with a known suffix written in one case.
    mutating func fqdn(_ s: Int, _ e: Int) -> Int? {
        let text = string(s, e)
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }),
              let last = labels.last, Self.suffixes.contains(last.lowercased()),
              last == last.lowercased() || last == last.uppercased(),
              !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        // `<system.net>`: an XML element, not a domain; public domains name no site.
        if s > 0, p[s - 1] == 0x3C || (p[s - 1] == 0x2F && s > 1 && p[s - 2] == 0x3C) { return e }
        let lower = text.lowercased()
        if Self.publicDomains.contains(where: { lower == $0 || lower.hasSuffix("." + $0) }) { return e }
        if labels.count == 2 {
            add(s, e, names.pseudonym(.dnsDomain, text), .domainName)
        } else {
            let hostLabel = String(labels[0])
            let domain = labels.dropFirst().joined(separator: ".")
            let first = labels[0].utf8.count
            add(s, s + first, names.pseudonym(.host, hostLabel), .hostName)
            add(s + first + 1, e, names.pseudonym(.dnsDomain, domain), .domainName)
        }
        return e
    }

    // MARK: - Names in context

    /// The value after a key ending at `ke`: `: v`, `= v`, ` 'v'`; quoted contents or a name
    /// (with `\` for DOMAIN\user). `nil` when no such value follows.
    func keyedValue(_ ke: Int, _ limit: Int, quoteOnly: Bool = false) -> (Int, Int)? {
        var k = ke
        while k < limit && Bytes.isSpace(p[k]) { k += 1 }
        if !quoteOnly {
            guard k < limit, p[k] == 0x3A || p[k] == 0x3D else { return nil }
            k += 1
            while k < limit && Bytes.isSpace(p[k]) { k += 1 }
        }
        guard k < limit else { return nil }
        if p[k] == 0x27 || p[k] == 0x22 || p[k] == 0x5B {
            let close: UInt8 = p[k] == 0x5B ? 0x5D : p[k]
            var e = k + 1
            while e < limit && p[e] != close { e += 1 }
            return e > k + 1 ? (k + 1, e) : nil
        }
        if quoteOnly { return nil }
        var e = k
        while e < limit && (Bytes.isName(p[e]) || p[e] == 0x5C || p[e] == 0x40) { e += 1 }
        while e > k && p[e - 1] == 0x2E { e -= 1 }
        return e > k ? (k, e) : nil
    }

    /// A user name value: `DOMAIN\user` (both replaced) or `user`.
    mutating func user(_ s: Int, _ e: Int) {
        var slash: Int? = nil
        for k in s..<e where p[k] == 0x5C { slash = k }
        if let slash {
            let domain = string(s, slash)
            if !domain.isEmpty, !Self.notDomains.contains(domain.lowercased()), !domain.contains(" ") {
                add(s, slash, names.pseudonym(.netbiosDomain, domain), .domainName)
            }
            user(slash + 1, e)
            return
        }
        let name = string(s, e)
        guard !name.isEmpty, !Self.wellKnownUsers.contains(name.lowercased()), !name.hasPrefix("%%"), !name.hasPrefix("S-1-") else { return }
        if name.contains("@") {
            add(s, e, names.pseudonym(.email, name), .email)
            return
        }
        add(s, e, names.pseudonym(.user, name), .userName)
    }

    /// Key words that introduce a user, a host or a badge number.
    mutating func context(_ s: Int, _ te: Int, _ lineStart: Int, _ limit: Int) -> Int? {
        let len = te - s
        guard len >= 2, len <= 20 else { return nil }
        let w = string(s, te).lowercased()
        switch w {
        case "users":
            // C:\Users\<name>\…, /Users/<name>/, /home/<name>/
            guard te + 1 < limit, p[te] == 0x5C || p[te] == 0x2F, s > lineStart, p[s - 1] == 0x5C || p[s - 1] == 0x2F else { return nil }
            var e = te + 1
            while e < limit && p[e] != 0x5C && p[e] != 0x2F && p[e] != 0x22 && p[e] != 0x27 && p[e] != 0x0D && p[e] != 0x3B { e += 1 }
            let name = string(te + 1, e)
            guard !name.isEmpty, !Self.wellKnownUsers.contains(name.lowercased()), !name.lowercased().hasPrefix("all users") else { return e }
            add(te + 1, e, names.pseudonym(.user, name), .userName)
            return e
        case "user", "username", "userid", "uid", "login", "logon", "account", "accountname", "logonname", "owner", "operator":
            var ke = te
            // Two-word keys: User ID, User Name, Account Name, Logon Name.
            if te + 1 < limit, p[te] == 0x20, word(te + 1, "id") { ke = te + 3 } else if te + 1 < limit, p[te] == 0x20, word(te + 1, "name") { ke = te + 5 }
            if let (vs, ve) = keyedValue(ke, limit) ?? (w == "user" || w == "login" ? keyedValue(ke, limit, quoteOnly: true) : nil) {
                user(vs, ve)
                return ve
            }
            return nil
        case "server", "host", "hostname", "computer", "computername", "machine", "machinename", "workstation",
             "workstationname", "address", "addr", "source", "client", "node", "is":
            if w == "source", !(s >= 5 && string(s - 5, s).lowercased() == "data ") { return nil }
            if w == "is", !(s >= 12 && string(s - 12, s).lowercased() == "server name ") { return nil }
            var ke = te
            if te + 1 < limit, p[te] == 0x20, word(te + 1, "name") { ke = te + 5 }
            guard let (vs, ve) = keyedValue(ke, limit) ?? (w == "is" ? keyedValue(ke, limit, quoteOnly: true) : nil) else { return nil }
            var he = vs
            while he < ve && (Bytes.isAlnum(p[he]) || p[he] == 0x2D || p[he] == 0x5F || p[he] == 0x2E) { he += 1 }
            if he > vs, ipv4(vs, he) != nil { return max(he, ve) }
            if he > vs, Self.hasDot(p, vs, he) {
                if let e = fqdn(vs, he) { return e }
                return he
            }
            guard he > vs, (vs..<he).contains(where: { Bytes.isAlpha(p[$0]) }) else { return nil }
            let value = string(vs, he).lowercased()
            if ["local", "localhost", "tcp", "np", "lpc", "true", "false", "none", "unknown"].contains(value) { return he }
            host(vs, he)
            return he
        case "name":
            // Exported events: <Data Name="TargetUserName">value</Data>.
            guard te + 2 < limit, p[te] == 0x3D, p[te + 1] == 0x22 else { return nil }
            var q = te + 2
            while q < limit && p[q] != 0x22 { q += 1 }
            guard q + 1 < limit, p[q + 1] == 0x3E else { return nil }
            let field = string(te + 2, q).lowercased()
            var e = q + 2
            while e < limit && p[e] != 0x3C { e += 1 }
            guard e > q + 2 else { return nil }
            let value = string(q + 2, e)
            if Redactor.userFields.contains(field) {
                user(q + 2, e)
            } else if Redactor.domainFields.contains(field), !Self.notDomains.contains(value.lowercased()), value != "-" {
                add(q + 2, e, value.contains(".") ? names.pseudonym(.dnsDomain, value) : names.pseudonym(.netbiosDomain, value), .domainName)
            } else if Redactor.hostFields.contains(field), value != "-", !value.contains(" ") {
                if Self.hasDot(p, q + 2, e), let end = fqdn(q + 2, e) { return end }
                host(q + 2, e)
            } else {
                return nil
            }
            return e
        case "badge", "card", "cardnumber", "badgenumber", "cardno", "badgeno", "badgeid", "cardid", "cardholder":
            var k = te
            func skipBlanks() { while k < limit && (Bytes.isSpace(p[k]) || p[k] == 0x3A || p[k] == 0x3D || p[k] == 0x23) { k += 1 } }
            skipBlanks()
            if word(k, "number") { k += 6 } else if word(k, "no") { k += 2 } else if word(k, "nr") { k += 2 } else if word(k, "id") { k += 2 }
            if k < limit, p[k] == 0x2E { k += 1 }
            skipBlanks()
            var e = k
            while e < limit && Bytes.isDigit(p[e]) { e += 1 }
            guard e - k >= 2, e - k <= 20, e == limit || !isToken(p[e]) || p[e] == 0x2E else { return nil }
            add(k, e, names.pseudonym(.badge, string(k, e)), .badgeNumber)
            return e
        default:
            return nil
        }
    }

    /// `DOMAIN\user` where DOMAIN is upper case (or a known domain) and the name does not go on
    /// as a path. `HOST\INSTANCE` (a known host, or a name in capitals after the backslash, as SQL
    /// Server instances are written) replaces the host and keeps the instance.
    mutating func domainUser(_ s: Int, _ te: Int, _ lineStart: Int, _ limit: Int) -> Int? {
        guard te + 1 < limit, p[te] == 0x5C, Bytes.isAlnum(p[te + 1]) else { return nil }
        if s > lineStart, p[s - 1] == 0x5C || p[s - 1] == 0x2F || p[s - 1] == 0x3A { return nil }
        let domain = string(s, te)
        guard domain.count >= 2, !domain.contains("."), !Self.notDomains.contains(domain.lowercased()) else { return nil }
        let upper = domain == domain.uppercased() && domain.contains(where: { $0.isLetter })
        guard upper || names.isKnown(.netbiosDomain, domain) else { return nil }
        var e = te + 1
        while e < limit && (Bytes.isName(p[e])) { e += 1 }
        while e > te + 1 && p[e - 1] == 0x2E { e -= 1 }
        // A path or a device id goes on after the name; a user name has a letter.
        if e < limit, p[e] == 0x5C || p[e] == 0x2F || p[e] == 0x26 { return nil }
        guard (te + 1..<e).contains(where: { Bytes.isAlpha(p[$0]) }) else { return nil }
        let second = string(te + 1, e)
        let instance = second == second.uppercased() && second.count >= 3
        if names.isKnown(.host, domain) || instance {
            // HOST\INSTANCE (SQL Server, instance names in capitals): the host only.
            add(s, te, names.pseudonym(.host, domain), .hostName)
            return e
        }
        user(s, e)
        return e
    }
}
