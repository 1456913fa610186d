#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

#if os(Linux)
/// Linux: uptime from `/proc/uptime`, volumes from `/proc/self/mounts` + `statvfs`, interfaces
/// from `getifaddrs`, .NET runtimes from `/usr/{share,lib}/dotnet/shared`. WebBRIX runs on
/// Windows only, so no product is looked for.
enum PlatformSystem {
    static func fill(_ facts: inout SystemFacts) {
        if let text = readProcFile("/proc/uptime"),
           let first = text.split(separator: " ").first, let seconds = Double(first), seconds >= 0 {
            let whole = Int64(seconds.rounded(.down))
            facts.uptimeSeconds = whole
            facts.lastBoot = SystemFacts.bootTime(uptimeSeconds: whole)
            facts.notes.append("uptime_seconds from /proc/uptime; last_boot = now - uptime")
        } else {
            facts.unknown.append("uptime_seconds: unknown (/proc/uptime not readable)")
            facts.unknown.append("last_boot: unknown (no uptime)")
        }

        if let mounts = readProcFile("/proc/self/mounts") {
            facts.volumes = volumes(mounts)
            if facts.volumes.isEmpty {
                facts.unknown.append("volumes: unknown (no disk file system in /proc/self/mounts answered statvfs)")
            }
        } else {
            facts.unknown.append("volumes: unknown (/proc/self/mounts not readable)")
        }

        switch interfaces() {
        case .success(let list): facts.interfaces = list
        case .failure(let reason): facts.unknown.append("interfaces: unknown (\(reason))")
        }

        facts.unknown.append("product: unknown (not looked for on Linux: WebBRIX runs on Windows)")
        let scan = SystemTreeScan(root: FilePath("/"))
        facts.dotNet = scan.dotNetRuntimes(in: [["usr", "share", "dotnet"], ["usr", "lib", "dotnet"]])
        if facts.dotNet.isEmpty {
            facts.unknown.append("dot_net: unknown (no runtime folder under /usr/share/dotnet/shared or /usr/lib/dotnet/shared)")
        }
    }

    /// Pseudo and memory file systems: not disks.
    static let pseudoFileSystems: Set<String> = [
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "securityfs", "pstore",
        "debugfs", "tracefs", "mqueue", "hugetlbfs", "bpf", "configfs", "fusectl", "autofs", "binfmt_misc",
        "rpc_pipefs", "nsfs", "efivarfs", "selinuxfs", "fuse.gvfsd-fuse", "fuse.portal", "nfsd", "rootfs",
    ]

    /// Volumes from `/proc/self/mounts` lines (`device mountpoint fstype options 0 0`), each
    /// mount point once, pseudo file systems and file bind-mounts left out.
    static func volumes(_ mounts: String) -> [SystemFacts.Volume] {
        var seen: Set<String> = []
        var result: [SystemFacts.Volume] = []
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let type = String(fields[2])
            guard !pseudoFileSystems.contains(type) else { continue }
            let mountPoint = unescape(fields[1])
            guard !seen.contains(mountPoint) else { continue }
            var st = stat()
            guard stat(mountPoint, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { continue }
            var vfs = statvfs()
            guard statvfs(mountPoint, &vfs) == 0 else { continue }
            let unit = Int64(vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize)
            let total = Int64(vfs.f_blocks) * unit
            guard total > 0 else { continue }
            seen.insert(mountPoint)
            result.append(.init(mountPoint: mountPoint, fileSystem: type, totalBytes: total,
                                freeBytes: Int64(vfs.f_bavail) * unit,
                                source: "/proc/self/mounts + statvfs (free = available to non-root users)"))
        }
        return result
    }

    /// `\040` (space), `\011` (tab), `\012`, `\134` (backslash) in a mounts field.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 3 < raw.count,
               let v = UInt8(String(decoding: raw[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(v)
                i += 4
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Interfaces from `getifaddrs`: IFF_UP, AF_INET / AF_INET6 addresses via `getnameinfo`, the
    /// hardware address from the AF_PACKET entry.
    static func interfaces() -> Result<[SystemFacts.NetworkInterface], InterfaceError> {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else {
            return .failure(InterfaceError(text: "getifaddrs failed: errno \(errno)"))
        }
        defer { freeifaddrs(head) }
        var order: [String] = []
        var byName: [String: SystemFacts.NetworkInterface] = [:]
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let cName = entry.pointee.ifa_name else { continue }
            let name = String(cString: cName)
            if byName[name] == nil {
                order.append(name)
                byName[name] = .init(name: name, isUp: false, source: "getifaddrs")
            }
            if entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 { byName[name]?.isUp = true }
            guard let addr = entry.pointee.ifa_addr else { continue }
            let family = Int32(addr.pointee.sa_family)
            if family == AF_INET || family == AF_INET6 {
                let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(addr, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    let text = String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    byName[name]?.addresses.append(text)
                }
            } else if family == AF_PACKET {
                // struct sockaddr_ll: family(2) protocol(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr[8]
                let mac: String? = UnsafeRawPointer(addr).withMemoryRebound(to: UInt8.self, capacity: 20) { p in
                    let length = Int(p[11])
                    guard length > 0, length <= 8 else { return nil }
                    let bytes = (0..<length).map { p[12 + $0] }
                    guard bytes.contains(where: { $0 != 0 }) else { return nil }
                    return bytes.map { byte in
                        let hex = String(byte, radix: 16)
                        return hex.count == 1 ? "0" + hex : hex
                    }.joined(separator: ":")
                }
                if let mac { byName[name]?.mac = mac }
            }
        }
        return .success(order.compactMap { byName[$0] })
    }

    struct InterfaceError: Error {
        var text: String
    }

    /// A `/proc` file's text (its `stat` size is 0, so it is read until end of file), at most 1 MiB.
    static func readProcFile(_ path: String) -> String? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly) else { return nil }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count < 1 << 20 {
            guard let n = try? buffer.withUnsafeMutableBytes({ try fd.read(into: $0) }) else { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: buffer.prefix(n))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
#else
/// Other Unix systems (macOS builds only): none of the Linux sources exist there.
enum PlatformSystem {
    static func fill(_ facts: inout SystemFacts) {
        let reason = "not read on this operating system (amt-collect reads these on Linux and Windows)"
        for fact in ["uptime_seconds", "last_boot", "volumes", "interfaces", "product", "dot_net"] {
            facts.unknown.append("\(fact): unknown (\(reason))")
        }
    }
}
#endif
#endif
