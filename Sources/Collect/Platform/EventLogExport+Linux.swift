#if !os(Windows)
import SystemPackage

extension EventLogExport {
    /// There is no Windows event log service here: nothing is exported.
    static let isSupported = false

    static func export(channel: String, to destination: FilePath) throws {
        throw CollectError("exporting the event log channel '\(channel)' needs Windows (wevtutil)")
    }
}
#endif
