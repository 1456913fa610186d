import Foundation
import SystemPackage

/// A failure of the engine: a whole run, or one step of it, could not be done. The message is
/// worded for the person running it (what failed, where, and why); front ends show it as it is.
public struct CollectError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The sentence for any error: the project's error types word themselves through
    /// `description`; others (Foundation's, the system's) through what they describe.
    public static func describe(_ error: any Error) -> String {
        String(describing: error)
    }

    /// The system's words for a Foundation file error that has a POSIX cause ("Read-only file
    /// system"; Foundation's own, "The file doesn't exist", hide why), with the path it names
    /// when it names one. `nil` for any other error.
    public static func systemReason(_ error: any Error) -> (reason: String, path: String?)? {
        let ns = error as NSError
        let cause: NSError? = switch ns.domain {
        case NSPOSIXErrorDomain: ns
        case NSCocoaErrorDomain: (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
        default: nil
        }
        guard let cause else { return nil }
        return (Errno(rawValue: Int32(cause.code)).description, ns.userInfo[NSFilePathErrorKey] as? String)
    }
}

/// How far a run of `CollectJob` has come, for a front end to show.
public enum CollectProgress: Sendable, Equatable {
    /// Looking for logs under the root.
    case discovering(root: FilePath)
    /// The `number`th source (counting from 1) is in the bundle; `path` as the bundle names it.
    case source(number: Int, path: String)
    /// Every source is in; the summary, report and manifest are being written.
    case sourcesDone(count: Int)
}
