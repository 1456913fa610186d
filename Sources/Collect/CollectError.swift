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
