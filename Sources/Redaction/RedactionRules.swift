/// What `--redact` replaces.
///
/// - `none`: nothing.
/// - `secrets` (the default): passwords, keys and tokens (see `RedactionRule`).
/// - `pii`: secrets, and also host and domain names, IP and MAC addresses, user names, e-mail
///   addresses and badge / card numbers, each replaced by a consistent pseudonym.
public enum RedactionMode: String, Sendable, CaseIterable, Codable {
    case none, secrets, pii
}

/// The redaction rules, by name. The name is what the manifest counts under
/// (`collection.redaction.counts`, `files[].redactions`); the values themselves are never written.
///
/// | rule | mode | replaces |
/// |---|---|---|
/// | `connection-string-password` | secrets | `Password=…` / `Pwd=…` in connection strings (to `;` or the closing quote) |
/// | `secret-key-value` | secrets | the value of `NAME=value` / `NAME: value` / `"NAME": "value"` when NAME names a secret (below) |
/// | `config-value` | secrets | in collected `.config` files: `<add key="NAME" value="…"/>`, `NAME="…"` attributes, `<NAME>…</NAME>` elements, `NAME=value` lines |
/// | `xml-value` | secrets | the same XML forms in logs (e.g. exported events' `<Data Name="NAME">…</Data>`) |
/// | `msi-property` | secrets | MSI log property values (`Property(S): NAME = …` to the line end, `PROPERTY CHANGE: … NAME property. Its value is '…'`); `NAME=…` on command lines counts as `secret-key-value` |
/// | `msi-hidden-property` | secrets | values of the properties an MSI log lists in `MsiHiddenProperties` (remembered per file) |
/// | `url-credentials` | secrets | the password of `scheme://user:password@host` |
/// | `authorization-header` | secrets | the credentials after `Authorization:` / `Proxy-Authorization:` (scheme word kept) |
/// | `bearer-token` | secrets | the token after `Bearer ` where a value (after `:` or `=`) starts with it |
/// | `pem-private-key` | secrets | each body line of a `-----BEGIN … PRIVATE KEY-----` block (at a line start or as a value), to its END line; counted once per block |
/// | `event-data-secret` | secrets | an event record's data value whose name names a secret |
/// | `ip-address` | pii | IPv4 addresses; the same /8, /16, /24 map into the same pseudonym prefix, host octet kept |
/// | `mac-address` | pii | `aa:bb:cc:dd:ee:ff` / `aa-bb-cc-dd-ee-ff` |
/// | `email` | pii | `local@domain.tld` |
/// | `host-name` | pii | the collected host's name, event `Computer`, `\\HOST\`, `Data Source=`/`Server=` hosts, the host label of DNS names, any name learned so |
/// | `domain-name` | pii | DNS domains (known suffixes) and the `DOMAIN` of `DOMAIN\user` |
/// | `user-name` | pii | `DOMAIN\user`, `C:\Users\<name>`, `User: name`, `User ID=name`, `for user 'name'`, event user fields |
/// | `badge-number` | pii | digits after `badge` / `card` (optionally `number`, `no`, `#`, `id`): 4–20 digits |
///
/// Values already masked (`*****`) or empty are left as they are and not counted. Under `pii`
/// the names learned in context (`Server=`, `\\HOST\`, event `Computer`) are also replaced where
/// they stand alone, if they cannot be ordinary words (a digit or `-`, or all capitals). Dotted
/// quads after `version`, `build`, `v`, … and addresses ending in .0 or .255, loopback and
/// multicast are kept; so are XML element names (`<system.net>`) and public vendor domains.
///
/// A name names a secret when it contains (any case) `password`, `pwd`, `pass`, `secret`, `token`
/// or `key`, except names containing `public` (`publicKeyToken`), `keyword`, `keyboard`,
/// `passive`/`bypass`, names of keys that are identifiers (`SourceCabKey`, `SubKey`, `RootKey`,
/// `HKey`, `PrimaryKey`, `HotKey`, `KeyId`, …), the bare word `key`, and names ending in `name`, `path`, `file`, `type`,
/// `size`, `length`, `policy`, `format`, `count`, `expiry`, `expiration` (they describe a secret,
/// they are not one).
public enum RedactionRule: String, Sendable, CaseIterable {
    case connectionStringPassword = "connection-string-password"
    case secretKeyValue = "secret-key-value"
    case configValue = "config-value"
    case xmlValue = "xml-value"
    case msiProperty = "msi-property"
    case msiHiddenProperty = "msi-hidden-property"
    case urlCredentials = "url-credentials"
    case authorizationHeader = "authorization-header"
    case bearerToken = "bearer-token"
    case pemPrivateKey = "pem-private-key"
    case eventDataSecret = "event-data-secret"
    case ipAddress = "ip-address"
    case macAddress = "mac-address"
    case email = "email"
    case hostName = "host-name"
    case domainName = "domain-name"
    case userName = "user-name"
    case badgeNumber = "badge-number"

    /// Rules that apply in `pii` mode only.
    public var isPII: Bool {
        switch self {
        case .ipAddress, .macAddress, .email, .hostName, .domainName, .userName, .badgeNumber: true
        default: false
        }
    }
}

/// Replacements made, per rule.
public struct RedactionCounts: Sendable, Equatable {
    private var values: [Int]

    public init() { values = Array(repeating: 0, count: RedactionRule.allCases.count) }

    public subscript(rule: RedactionRule) -> Int {
        get { values[Self.index(rule)] }
        set { values[Self.index(rule)] = newValue }
    }

    public var total: Int { values.reduce(0, +) }
    public var isEmpty: Bool { total == 0 }

    public mutating func add(_ other: RedactionCounts) {
        for i in values.indices { values[i] += other.values[i] }
    }

    /// Rule name → count, rules with no replacement left out.
    public var byName: [String: Int] {
        var out: [String: Int] = [:]
        for (i, rule) in RedactionRule.allCases.enumerated() where values[i] > 0 { out[rule.rawValue] = values[i] }
        return out
    }

    private static func index(_ rule: RedactionRule) -> Int {
        RedactionRule.allCases.firstIndex(of: rule)!
    }
}

/// What a secret is replaced by.
public enum Redacted {
    public static let marker: [UInt8] = Array("[REDACTED]".utf8)
}

/// Byte classes and word tests shared by the rules (ASCII only; other bytes are never part of a
/// name).
enum Bytes {
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { let l = b | 0x20; return l >= 0x61 && l <= 0x7A }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
    /// Letters, digits, `_`, `.`, `-`, `$`: what names of keys, properties and accounts are made of.
    @inline(__always) static func isName(_ b: UInt8) -> Bool {
        isAlnum(b) || b == 0x5F || b == 0x2E || b == 0x2D || b == 0x24
    }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// Whether `name` (any case) names a secret (see `RedactionRule`).
    static func isSecretName(_ name: ArraySlice<UInt8>) -> Bool {
        guard name.count >= 3, name.count <= 80 else { return false }
        let l = name.map(lower)
        func has(_ w: String) -> Bool { contains(l, Array(w.utf8)) }
        guard has("pass") || has("pwd") || has("secret") || has("token") || has("key") else { return false }
        if has("public") || has("keyword") || has("keyboard") || has("passive") || has("bypass") || has("passthrough") { return false }
        // Keys that name things (registry keys, table keys, cabinet file keys), not secrets.
        for word in ["cabkey", "subkey", "regkey", "rootkey", "hkey", "primarykey", "foreignkey", "sortkey", "hotkey", "shortcutkey", "keycolumn", "keyusage", "keyspec", "keyid", "consentkey"] where has(word) {
            return false
        }
        // (`.Key` after an index: the key of a key/value list, `State[0].Key=` in WER reports.)
        let bare = l.first == 0x2E ? Array(l.dropFirst()) : l
        if bare == Array("key".utf8) || bare == Array("keys".utf8) { return false }
        for suffix in ["name", "path", "file", "type", "size", "length", "policy", "format", "count", "expiry", "expiration"] {
            if l.count > suffix.count, l.suffix(suffix.count).elementsEqual(suffix.utf8) { return false }
        }
        return true
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] {
                var k = 1
                while k < needle.count && haystack[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
