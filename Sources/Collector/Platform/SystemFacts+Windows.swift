#if os(Windows)
import Foundation
import SystemPackage
import WinSDK

/// Windows: uptime from `GetTickCount64`; fixed drives from `GetLogicalDriveStringsW`,
/// `GetDiskFreeSpaceExW` and `GetVolumeInformationW`; interfaces from `GetAdaptersAddresses`;
/// .NET Framework 4.x from the registry `Release` value, .NET runtimes from
/// `Program Files*\dotnet\shared`; WebBRIX / AMT products from the registry Uninstall keys and
/// version files under `Program Files*\AMT*` on the system drive.
enum PlatformSystem {
    static func fill(_ facts: inout SystemFacts) {
        let seconds = Int64(GetTickCount64() / 1000)
        facts.uptimeSeconds = seconds
        facts.lastBoot = SystemFacts.bootTime(uptimeSeconds: seconds)
        facts.notes.append("uptime_seconds from GetTickCount64; last_boot = now - uptime")

        facts.volumes = volumes()
        if facts.volumes.isEmpty {
            facts.unknown.append("volumes: unknown (GetLogicalDriveStringsW / GetDiskFreeSpaceExW gave no fixed drive)")
        }

        switch interfaces() {
        case .success(let list): facts.interfaces = list
        case .failure(let error): facts.unknown.append("interfaces: unknown (\(error.text))")
        }

        let drive = ProcessInfo.processInfo.environment["SystemDrive"] ?? "C:"
        let scan = SystemTreeScan(root: FilePath(drive + "\\"))

        facts.product = uninstalledProducts() + scan.products().map { SystemTreeScan.onDrive(drive, $0) }
        if facts.product.isEmpty {
            facts.unknown.append("product: unknown (no Uninstall registry entry names WebBRIX or AMT, and no "
                + "version file under \(drive)\\Program Files*\\AMT*)")
        }

        var dotNet: [SystemFacts.InstalledProduct] = []
        let ndp = #"SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full"#
        if let release = registryDWORD(HKEY_LOCAL_MACHINE, ndp, "Release") {
            if let version = SystemFacts.netFrameworkVersion(release: release) {
                dotNet.append(.init(name: ".NET Framework", version: version,
                                    source: "registry HKLM\\\(ndp) Release = \(release)"))
            } else {
                facts.unknown.append("dot_net: .NET Framework version unknown (Release \(release) in HKLM\\\(ndp) is below the 4.5 table)")
            }
        } else {
            dotNet += scan.netFrameworkFolders().map { found in
                var p = SystemTreeScan.onDrive(drive, found)
                p.source += " (registry Release value not readable)"
                return p
            }
        }
        dotNet += scan.dotNetRuntimes().map { SystemTreeScan.onDrive(drive, $0) }
        facts.dotNet = dotNet
        if facts.dotNet.isEmpty {
            facts.unknown.append("dot_net: unknown (no NDP\\v4\\Full Release value, Framework folder or dotnet\\shared runtime)")
        }
    }

    // MARK: Volumes

    static func volumes() -> [SystemFacts.Volume] {
        var buffer = [WCHAR](repeating: 0, count: 1024)
        let length = Int(GetLogicalDriveStringsW(DWORD(buffer.count - 1), &buffer))
        guard length > 0, length < buffer.count else { return [] }
        // "C:\␀D:\␀␀"
        var roots: [[WCHAR]] = []
        var current: [WCHAR] = []
        for unit in buffer.prefix(length) {
            if unit == 0 {
                if !current.isEmpty { roots.append(current) }
                current = []
            } else {
                current.append(unit)
            }
        }
        if !current.isEmpty { roots.append(current) }

        var result: [SystemFacts.Volume] = []
        for root in roots {
            let z = root + [0]
            let name = String(decoding: root, as: UTF16.self)
            // Fixed disks only: removable, CD-ROM and network drives can stall or prompt.
            guard GetDriveTypeW(z) == UINT(DRIVE_FIXED) else { continue }
            var available = ULARGE_INTEGER()
            var total = ULARGE_INTEGER()
            var free = ULARGE_INTEGER()
            guard GetDiskFreeSpaceExW(z, &available, &total, &free) else { continue }
            var fsName = [WCHAR](repeating: 0, count: Int(MAX_PATH) + 1)
            let fileSystem: String? = GetVolumeInformationW(z, nil, 0, nil, nil, nil, &fsName, DWORD(fsName.count))
                ? String(decoding: fsName.prefix(while: { $0 != 0 }), as: UTF16.self) : nil
            result.append(.init(
                mountPoint: name, fileSystem: fileSystem,
                totalBytes: Int64(clamping: total.QuadPart), freeBytes: Int64(clamping: available.QuadPart),
                source: "GetLogicalDriveStringsW + GetDiskFreeSpaceExW (free = available to this user)"
                    + (fileSystem != nil ? " + GetVolumeInformationW" : "")))
        }
        return result
    }

    // MARK: Interfaces

    struct InterfaceError: Error {
        var text: String
    }

    static func interfaces() -> Result<[SystemFacts.NetworkInterface], InterfaceError> {
        let flags = ULONG(GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER)
        var size: ULONG = 0
        var status = GetAdaptersAddresses(ULONG(AF_UNSPEC), flags, nil, nil, &size)
        var storage: UnsafeMutableRawPointer?
        defer { storage?.deallocate() }
        var attempts = 0
        repeat {
            storage?.deallocate()
            let bytes = max(Int(size), MemoryLayout<IP_ADAPTER_ADDRESSES>.stride)
            storage = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<IP_ADAPTER_ADDRESSES>.alignment)
            status = GetAdaptersAddresses(ULONG(AF_UNSPEC), flags, nil,
                                          storage!.assumingMemoryBound(to: IP_ADAPTER_ADDRESSES.self), &size)
            attempts += 1
        } while status == ULONG(ERROR_BUFFER_OVERFLOW) && attempts < 4
        guard status == ULONG(ERROR_SUCCESS), let storage else {
            return .failure(InterfaceError(text: "GetAdaptersAddresses failed: error \(status)"))
        }

        var result: [SystemFacts.NetworkInterface] = []
        var adapter: UnsafeMutablePointer<IP_ADAPTER_ADDRESSES>? = storage.assumingMemoryBound(to: IP_ADAPTER_ADDRESSES.self)
        while let a = adapter {
            defer { adapter = a.pointee.Next }
            let name: String
            if let friendly = a.pointee.FriendlyName {
                name = String(decodingCString: friendly, as: UTF16.self)
            } else if let adapterName = a.pointee.AdapterName {
                name = String(cString: adapterName)
            } else {
                continue
            }
            var entry = SystemFacts.NetworkInterface(name: name, isUp: a.pointee.OperStatus == IfOperStatusUp,
                                                      source: "GetAdaptersAddresses")
            var unicast = a.pointee.FirstUnicastAddress
            while let u = unicast {
                defer { unicast = u.pointee.Next }
                guard let address = u.pointee.Address.lpSockaddr else { continue }
                let family = Int32(address.pointee.sa_family)
                guard family == AF_INET || family == AF_INET6 else { continue }
                var host = [WCHAR](repeating: 0, count: Int(NI_MAXHOST))
                if GetNameInfoW(address, u.pointee.Address.iSockaddrLength, &host, DWORD(host.count),
                                nil, 0, NI_NUMERICHOST) == 0 {
                    entry.addresses.append(String(decoding: host.prefix(while: { $0 != 0 }), as: UTF16.self))
                }
            }
            let macLength = min(Int(a.pointee.PhysicalAddressLength), 8)
            if macLength > 0 {
                let bytes = withUnsafeBytes(of: a.pointee.PhysicalAddress) { Array($0.prefix(macLength)) }
                if bytes.contains(where: { $0 != 0 }) {
                    entry.mac = bytes.map { byte in
                        let hex = String(byte, radix: 16)
                        return hex.count == 1 ? "0" + hex : hex
                    }.joined(separator: ":")
                }
            }
            result.append(entry)
        }
        return .success(result)
    }

    // MARK: Registry

    /// WebBRIX / AMT entries of the 64- and 32-bit Uninstall keys (DisplayName, DisplayVersion).
    static func uninstalledProducts() -> [SystemFacts.InstalledProduct] {
        var result: [SystemFacts.InstalledProduct] = []
        for path in [#"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"#,
                     #"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"#] {
            var key: HKEY?
            let opened = path.withCString(encodedAs: UTF16.self) { p in
                RegOpenKeyExW(HKEY_LOCAL_MACHINE, p, 0, REGSAM(KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS), &key)
            }
            guard opened == LSTATUS(ERROR_SUCCESS), let key else { continue }
            defer { RegCloseKey(key) }
            var index: DWORD = 0
            while index < 10_000 {
                var name = [WCHAR](repeating: 0, count: 256)
                var nameLength = DWORD(name.count)
                let status = RegEnumKeyExW(key, index, &name, &nameLength, nil, nil, nil, nil)
                index += 1
                if status == LSTATUS(ERROR_NO_MORE_ITEMS) { break }
                guard status == LSTATUS(ERROR_SUCCESS) else { continue }
                let sub = String(decoding: name.prefix(Int(nameLength)), as: UTF16.self)
                guard let display = registryString(key, sub, "DisplayName"),
                      SystemFacts.isProductName(display, publisher: registryString(key, sub, "Publisher")),
                      let version = registryString(key, sub, "DisplayVersion"), !version.isEmpty
                else { continue }
                result.append(.init(name: display, version: version,
                                    source: "registry HKLM\\\(path)\\\(sub) (DisplayName, DisplayVersion)"))
            }
        }
        return result
    }

    static func registryString(_ root: HKEY, _ key: String, _ value: String) -> String? {
        var size: DWORD = 0
        let status = key.withCString(encodedAs: UTF16.self) { k in
            value.withCString(encodedAs: UTF16.self) { v in
                RegGetValueW(root, k, v, DWORD(RRF_RT_REG_SZ), nil, nil, &size)
            }
        }
        guard status == LSTATUS(ERROR_SUCCESS), size > 0, size < 1 << 16 else { return nil }
        var buffer = [WCHAR](repeating: 0, count: Int(size) / MemoryLayout<WCHAR>.size + 1)
        var bufferBytes = DWORD(buffer.count * MemoryLayout<WCHAR>.size)
        let read = key.withCString(encodedAs: UTF16.self) { k in
            value.withCString(encodedAs: UTF16.self) { v in
                RegGetValueW(root, k, v, DWORD(RRF_RT_REG_SZ), nil, &buffer, &bufferBytes)
            }
        }
        guard read == LSTATUS(ERROR_SUCCESS) else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF16.self)
    }

    static func registryDWORD(_ root: HKEY, _ key: String, _ value: String) -> UInt32? {
        var data: DWORD = 0
        var size = DWORD(MemoryLayout<DWORD>.size)
        let status = key.withCString(encodedAs: UTF16.self) { k in
            value.withCString(encodedAs: UTF16.self) { v in
                RegGetValueW(root, k, v, DWORD(RRF_RT_REG_DWORD), nil, &data, &size)
            }
        }
        return status == LSTATUS(ERROR_SUCCESS) ? UInt32(data) : nil
    }
}
#endif
