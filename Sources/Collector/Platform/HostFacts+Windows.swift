#if os(Windows)
import Foundation
import WinSDK

/// Host name (`GetComputerNameExW`), OS name (registry `ProductName`) and version (Foundation's
/// `ProcessInfo`, which asks the kernel rather than the compatibility-shimmed `GetVersionEx`).
enum PlatformHost {
    static func fill(_ facts: inout HostFacts) {
        var size: DWORD = 0
        _ = GetComputerNameExW(ComputerNameDnsHostname, nil, &size)
        if size > 0 {
            var buffer = [WCHAR](repeating: 0, count: Int(size) + 1)
            if GetComputerNameExW(ComputerNameDnsHostname, &buffer, &size) {
                facts.name = String(decoding: buffer.prefix(Int(size)), as: UTF16.self)
                facts.notes.append("name from GetComputerNameExW")
            }
        }
        if let product = registryString(#"SOFTWARE\Microsoft\Windows NT\CurrentVersion"#, "ProductName") {
            facts.os = product
            facts.notes.append("os from the registry (ProductName)")
        } else {
            facts.os = "Windows"
            facts.notes.append("os: ProductName not readable; edition unknown")
        }
        let v = ProcessInfo.processInfo.operatingSystemVersion
        facts.osVersion = "\(v.majorVersion).\(v.minorVersion).\(v.patchVersion)"
        facts.ansiCodePage = Int(GetACP())
        facts.notes.append("ansi_code_page from GetACP")
    }

    static func registryString(_ key: String, _ value: String) -> String? {
        var size: DWORD = 0
        let status = key.withCString(encodedAs: UTF16.self) { k in
            value.withCString(encodedAs: UTF16.self) { v in
                RegGetValueW(HKEY_LOCAL_MACHINE, k, v, DWORD(RRF_RT_REG_SZ), nil, nil, &size)
            }
        }
        guard status == LSTATUS(ERROR_SUCCESS), size > 0 else { return nil }
        var buffer = [WCHAR](repeating: 0, count: Int(size) / MemoryLayout<WCHAR>.size + 1)
        let read = key.withCString(encodedAs: UTF16.self) { k in
            value.withCString(encodedAs: UTF16.self) { v in
                RegGetValueW(HKEY_LOCAL_MACHINE, k, v, DWORD(RRF_RT_REG_SZ), nil, &buffer, &size)
            }
        }
        guard read == LSTATUS(ERROR_SUCCESS) else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF16.self)
    }
}
#endif
