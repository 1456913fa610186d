import Foundation
import LogRecord
import SystemPackage
import EventLog

/// Writes bytes to a fresh temporary file and reads them back with the reader.
enum TempEVTX {
    static func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evtx-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(UUID().uuidString + ".evtx")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// Every record of `bytes` and the stats of the walk.
    static func records(_ bytes: [UInt8], sourcePath: String = "Windows/System32/winevt/Logs/Test.evtx") throws -> ([Record], ParseStats) {
        try withFile(bytes) { path in
            var stats = ParseStats()
            var out: [Record] = []
            try EVTXReader(path: FilePath(path)).read(context: ParseContext(sourcePath: sourcePath), stats: &stats) { out.append($0) }
            return (out, stats)
        }
    }

    static func xml(_ bytes: [UInt8]) throws -> [String] {
        try withFile(bytes) { path in
            var stats = ParseStats()
            var out: [String] = []
            try EVTXReader(path: FilePath(path)).readXML(stats: &stats) { out.append($0) }
            return out
        }
    }
}
