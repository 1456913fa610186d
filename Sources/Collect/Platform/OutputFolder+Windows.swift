#if os(Windows)
import Foundation
import SystemPackage

extension OutputFolder {
    /// Creates one folder (its parent exists); the system's error when it cannot.
    static func createOne(_ path: FilePath) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: path.string, withIntermediateDirectories: false)
            return nil
        } catch {
            return systemReason(error)
        }
    }
}
#endif
