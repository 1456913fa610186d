#if os(Windows)
import Foundation
import SystemPackage

extension EventLogExport {
    static let isSupported = true

    /// Runs `wevtutil epl <channel> <destination>`; throws with wevtutil's own words on failure.
    static func export(channel: String, to destination: FilePath) throws {
        let process = Process()
        let systemRoot = ProcessInfo.processInfo.environment["SystemRoot"] ?? "C:\\Windows"
        process.executableURL = URL(fileURLWithPath: systemRoot + "\\System32\\wevtutil.exe")
        process.arguments = ["epl", channel, destination.string, "/ow:true"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CollectError("wevtutil epl \(channel) failed (exit \(process.terminationStatus)): \(text)")
        }
    }
}
#endif
