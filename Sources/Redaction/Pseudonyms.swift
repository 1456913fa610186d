#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

/// Consistent pseudonyms for `pii` redaction: the same value (any case) gets the same pseudonym
/// everywhere in a bundle, and in later bundles when the mapping is loaded again.
///
/// The mapping file (`amt-redaction-map.json`, see `fileName`) is written next to the bundle in
/// the output folder; it holds the real values and so never goes into a bundle.
///
/// Pseudonyms: `host-N`, `domainN.example` (DNS domains), `DOMAINN` (NetBIOS domains), `user-N`,
/// `person-N@example.invalid`, `badge-N`, MAC `02-00-00-XX-XX-XX` (separator and case kept), and
/// IPv4 addresses whose first three octets are mapped level by level (the first /8 seen becomes
/// 10, the next 11, …; the /16s inside one /8 become .0, .1, …; likewise the /24s) with the host
/// octet kept, so addresses in one /24 stay in one pseudonym /24.
/// Used by one thread at a time (the parse thread, then the main thread once it has finished).
public final class Pseudonyms: @unchecked Sendable {
    public static let fileName = "amt-redaction-map.json"
    public static let schema = "amt-collect/redaction-map/1"

    public enum Kind: String, CaseIterable, Sendable {
        case host, dnsDomain = "dns_domain", netbiosDomain = "netbios_domain", user, email, mac, badge, ipv4Prefix = "ipv4_prefix"
    }

    private var maps: [Kind: [String: String]] = [:]
    /// IPv4 prefixes: children per mapped parent prefix, to number the next child.
    private var ipChildren: [String: Int] = [:]

    public init() {}

    /// Pseudonym of `value` (looked up lower-cased), made if new.
    public func pseudonym(_ kind: Kind, _ value: String) -> String {
        let key = value.lowercased()
        if let p = maps[kind]?[key] { return p }
        let n = (maps[kind]?.count ?? 0) + 1
        let made: String
        switch kind {
        case .host: made = "host-\(n)"
        case .dnsDomain: made = "domain\(n).example"
        case .netbiosDomain: made = "DOMAIN\(n)"
        case .user: made = "user-\(n)"
        case .email: made = "person-\(n)@example.invalid"
        case .badge: made = "badge-\(n)"
        case .mac:
            let hex = String(n, radix: 16)
            let six = String(repeating: "0", count: max(0, 6 - hex.count)) + hex
            let c = Array(six)
            made = "02-00-00-\(c[0])\(c[1])-\(c[2])\(c[3])-\(c[4])\(c[5])"
        case .ipv4Prefix: made = "" // made by `ipv4`
        }
        maps[kind, default: [:]][key] = made
        return made
    }

    /// Whether `value` (any case) already has a pseudonym of `kind`.
    public func isKnown(_ kind: Kind, _ value: String) -> Bool {
        return maps[kind]?[value.lowercased()] != nil
    }

    /// The pseudonym of an IPv4 address given as its four octets.
    public func ipv4(_ o: [Int]) -> String {
        var parent = ""
        var mapped = ""
        for level in 0..<3 {
            let key = (0...level).map { String(o[$0]) }.joined(separator: ".")
            if let m = maps[.ipv4Prefix]?[key] {
                mapped = m
            } else {
                let index = ipChildren[parent, default: 0]
                ipChildren[parent] = index + 1
                let octet = level == 0 ? 10 + index % 240 : index % 256
                mapped = level == 0 ? String(octet) : mapped + "." + String(octet)
                maps[.ipv4Prefix, default: [:]][key] = mapped
            }
            parent = mapped
        }
        return mapped + "." + String(o[3])
    }

    /// The mapping as JSON: `{"schema": …, "maps": {kind: {value: pseudonym}}}`, sorted.
    public func encoded() throws -> [UInt8] {
        let copy = maps
        var out: [String: [String: String]] = [:]
        for (k, v) in copy where !v.isEmpty { out[k.rawValue] = v }
        let file = MapFile(schema: Self.schema,
                           note: "Real values and their pseudonyms in amt-collect bundles (pii redaction). Keep on site; never send.",
                           maps: out)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(file)) + [0x0A]
    }

    /// Loads a mapping written by `encoded()`.
    public static func decode(_ bytes: [UInt8]) throws -> Pseudonyms {
        let file = try JSONDecoder().decode(MapFile.self, from: Data(bytes))
        let p = Pseudonyms()
        for (k, v) in file.maps {
            guard let kind = Kind(rawValue: k) else { continue }
            p.maps[kind] = v
        }
        // Rebuild the child counts of mapped IPv4 prefixes.
        for (key, mapped) in p.maps[.ipv4Prefix] ?? [:] {
            let parts = mapped.split(separator: ".")
            let parent = parts.dropLast().joined(separator: ".")
            let index = (Int(parts.last ?? "") ?? 0) - (parts.count == 1 ? 10 : 0)
            p.ipChildren[parent] = max(p.ipChildren[parent] ?? 0, index + 1)
            _ = key
        }
        return p
    }

    /// The mapping in `directory`, or an empty one when there is none. A file that cannot be read
    /// throws (pseudonyms must not silently change between runs).
    public static func load(from directory: FilePath) throws -> Pseudonyms {
        let path = directory.appending(fileName).string
        guard let data = FileManager.default.contents(atPath: path) else { return Pseudonyms() }
        do {
            return try decode(Array(data))
        } catch {
            throw RedactionMapError(path: path, reason: "not a redaction map: \(error)")
        }
    }

    /// Writes the mapping to `directory` (temporary name, then renamed).
    public func save(to directory: FilePath) throws {
        let path = directory.appending(Self.fileName).string
        do {
            // Atomic: written under a name of its own and renamed over the old map, so that two runs
            // saving at once never share a temporary file and a reader sees one whole map.
            try Data(try encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RedactionMapError(path: path, reason: "cannot write: \(error)")
        }
    }

    private struct MapFile: Codable {
        var schema: String
        var note: String?
        var maps: [String: [String: String]]
    }
}

/// The redaction map could not be read or written.
public struct RedactionMapError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "redaction map \(path): \(reason)" }
}
