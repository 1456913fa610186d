#if os(Windows)
import SystemPackage
import WinSDK

/// Windows: the instances of `HKLM\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL`
/// (value name: instance, data: its id) and each id's startup parameters `SQLArg0`…
/// (`…\<id>\MSSQLServer\Parameters`), read with `RegGetValueW` (64-bit view).
enum PlatformSQLInstances {
    static let serverKey = #"SOFTWARE\Microsoft\Microsoft SQL Server"#

    static func list() -> [SQLInstanceLog] {
        var result: [SQLInstanceLog] = []
        for (_, id) in instanceIDs() {
            let parameters = "\(serverKey)\\\(id)\\MSSQLServer\\Parameters"
            var arguments: [String] = []
            for n in 0..<SQLInstances.argumentLimit {
                guard let a = PlatformSystem.registryString(HKEY_LOCAL_MACHINE, parameters, "SQLArg\(n)") else { break }
                arguments.append(a)
            }
            guard let path = SQLInstances.errorLog(arguments: arguments) else { continue }
            result.append(SQLInstanceLog(instanceID: id, errorLog: FilePath(path),
                                         source: "registry HKLM\\\(parameters) (SQLArg* -e)"))
        }
        return result
    }

    /// (instance name, id) from the `Instance Names\SQL` key's values.
    static func instanceIDs() -> [(String, String)] {
        var key: HKEY?
        let path = "\(serverKey)\\Instance Names\\SQL"
        let opened = path.withCString(encodedAs: UTF16.self) { p in
            RegOpenKeyExW(HKEY_LOCAL_MACHINE, p, 0, REGSAM(KEY_QUERY_VALUE | KEY_WOW64_64KEY), &key)
        }
        guard opened == LSTATUS(ERROR_SUCCESS), let key else { return [] }
        defer { RegCloseKey(key) }
        var result: [(String, String)] = []
        var index: DWORD = 0
        while index < DWORD(SQLInstances.instanceLimit) {
            var name = [WCHAR](repeating: 0, count: 256)
            var nameLength = DWORD(name.count)
            var data = [WCHAR](repeating: 0, count: 256)
            var dataBytes = DWORD(data.count * MemoryLayout<WCHAR>.size)
            var type: DWORD = 0
            let status = data.withUnsafeMutableBytes { raw in
                RegEnumValueW(key, index, &name, &nameLength, nil, &type,
                              raw.baseAddress?.assumingMemoryBound(to: BYTE.self), &dataBytes)
            }
            index += 1
            if status == LSTATUS(ERROR_NO_MORE_ITEMS) { break }
            guard status == LSTATUS(ERROR_SUCCESS), type == DWORD(REG_SZ) else { continue }
            let instance = String(decoding: name.prefix(Int(nameLength)), as: UTF16.self)
            let id = String(decoding: data.prefix(Int(dataBytes) / MemoryLayout<WCHAR>.size).prefix(while: { $0 != 0 }),
                            as: UTF16.self)
            if !id.isEmpty { result.append((instance, id)) }
        }
        return result
    }
}
#endif
