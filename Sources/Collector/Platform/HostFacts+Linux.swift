#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LogRecord
import SystemPackage

/// Host name (`gethostname`), OS name and version (`/etc/os-release`, `uname`).
enum PlatformHost {
    static func fill(_ facts: inout HostFacts) {
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count - 1) == 0 {
            let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !name.isEmpty {
                facts.name = name
                facts.notes.append("name from gethostname")
            }
        }
        var u = utsname()
        var kernel: (name: String, release: String)?
        if uname(&u) == 0 {
            func text<T>(_ field: inout T) -> String {
                withUnsafeBytes(of: &field) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
            }
            kernel = (text(&u.sysname), text(&u.release))
        }
        let release = osRelease()
        if let name = release["NAME"] {
            facts.os = name
            facts.notes.append("os from /etc/os-release")
        } else if let kernel {
            facts.os = kernel.name
            facts.notes.append("os from uname")
        }
        var version: [String] = []
        if let v = release["VERSION_ID"] ?? release["VERSION"] { version.append(v) }
        if let kernel { version.append("kernel \(kernel.release)") }
        if !version.isEmpty {
            facts.osVersion = version.count == 2 ? "\(version[0]) (\(version[1]))" : version[0]
        }
    }

    /// `KEY=value` pairs of `/etc/os-release` (or `/usr/lib/os-release`), quotes removed.
    static func osRelease() -> [String: String] {
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            guard var reader = try? SourceReader(path: FilePath(path), cap: 64 << 10),
                  let chunk = try? reader.nextChunk()
            else { continue }
            var result: [String: String] = [:]
            for line in String(decoding: chunk.bytes, as: UTF8.self).split(separator: "\n") {
                guard let eq = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
                let key = String(line[..<eq])
                var value = Substring(line[line.index(after: eq)...])
                if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                    value = value.dropFirst().dropLast()
                }
                result[key] = String(value)
            }
            return result
        }
        return [:]
    }
}
#endif
