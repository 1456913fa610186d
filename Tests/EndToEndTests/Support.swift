import CArchive
import Foundation
import Testing

/// Runs the built `amt-collect` binary and reads what it made.
enum E2E {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary: `AMT_COLLECT_BIN`, else `amt-collect` beside the test bundle in the build folder.
    static var binary: URL {
        if let env = ProcessInfo.processInfo.environment["AMT_COLLECT_BIN"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("amt-collect")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/amt-collect")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Terminated by a signal rather than exiting.
        var signaled: Bool
    }

    /// Runs `executable` with `arguments`; `prefix` (e.g. `setpriv …`) wraps the command.
    static func run(_ arguments: [String], prefix: [String] = [], environment: [String: String] = [:],
                    shell: String? = nil) throws -> Result {
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell]
        } else if prefix.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [binary.path] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Output goes to files, so that neither stream can fill up and block the process.
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("amt-e2e-out-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent("amt-e2e-err-\(UUID().uuidString)")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }

    static func tempDir(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("amt-e2e-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every file under `dir` (relative path → SHA-like fingerprint of bytes, size, mtime).
    static func snapshot(_ dir: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(at: dir, includingPropertiesForKeys: nil) else { return result }
        for case let url as URL in e {
            let rel = String(url.path.dropFirst(dir.path.count))
            let attrs = try fm.attributesOfItem(atPath: url.path)
            let type = attrs[.type] as? FileAttributeType
            let mtime = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let perms = attrs[.posixPermissions] as? Int ?? 0
            var fingerprint = "\(type?.rawValue ?? "?") \(perms) \(mtime)"
            if type == .typeRegular, perms & 0o444 != 0 {
                let data = try Data(contentsOf: url)
                fingerprint += " \(data.count) \(data.base64EncodedString())"
            }
            result[rel] = fingerprint
        }
        return result
    }

    static var isRoot: Bool { getuid() == 0 }

    static var isLinux: Bool {
        #if os(Linux)
        true
        #else
        false
        #endif
    }

    /// Entries of an archive read back with libarchive (independent of the bundler's reader):
    /// path → bytes.
    static func readArchive(_ path: String) throws -> [String: [UInt8]] {
        guard let a = archive_read_new() else { throw ArchiveReadError(message: "archive_read_new failed") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_all(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            throw ArchiveReadError(message: String(cString: archive_error_string(a)))
        }
        var entries: [String: [UInt8]] = [:]
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
                throw ArchiveReadError(message: String(cString: archive_error_string(a)))
            }
            let name = String(cString: archive_entry_pathname(entry))
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buf.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
                if n == 0 { break }
                guard n > 0 else { throw ArchiveReadError(message: "reading \(name): \(String(cString: archive_error_string(a)))") }
                bytes.append(contentsOf: buf[0..<n])
            }
            entries[name] = bytes
        }
        return entries
    }

    struct ArchiveReadError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
