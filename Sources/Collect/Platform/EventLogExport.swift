import Collector
import LogRecord
import Foundation
import SystemPackage

/// On a live Windows system the event log service holds the `.evtx` files open, so they cannot be
/// copied; they are exported through the system instead (`wevtutil epl`), and the export is what
/// gets parsed and bundled. Elsewhere (a copied tree, or not Windows) files are read as they are.
enum EventLogExport {
    /// The channel name for an event log file: `Microsoft-Windows-X%4Operational.evtx` →
    /// `Microsoft-Windows-X/Operational` (`%4` stands for `/` in the file names).
    static func channel(forFile name: String) -> String {
        var base = name
        if base.lowercased().hasSuffix(".evtx") { base = String(base.dropLast(5)) }
        return base.replacingOccurrences(of: "%4", with: "/")
    }

    /// Sources to export: event log files the discovery could not open on a live system.
    static func exportable(_ skipped: [SkippedSource], catalog: Catalog, liveRoot: Bool) -> [SkippedSource] {
        guard liveRoot, isSupported else { return [] }
        let eventEntries = Set(catalog.entries.filter { $0.kind == .dataset(Dataset.evtx) }.map(\.id))
        return skipped.filter { eventEntries.contains($0.entryID) && $0.code == .permissionDenied }
    }
}
