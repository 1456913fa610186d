import ArgumentParser
import Collect
import Foundation
import SystemPackage

/// The one place that turns an error into the sentence a person reads and the exit code the
/// command ends with: 0 done, 1 failed, 64 usage (ArgumentParser's validation errors and unknown
/// commands).
enum ErrorText {
    /// The project's error types word themselves (`description`); the system's errors by their
    /// POSIX cause when they have one (Foundation's own wording, "The file doesn't exist", hides
    /// which file and why); anything else as it describes itself.
    static func describe(_ error: any Error) -> String {
        if let system = CollectError.systemReason(error) {
            return system.path.map { "\($0): \(system.reason)" } ?? system.reason
        }
        return CollectError.describe(error)
    }

    /// How a command ends on `error`.
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let code as ExitCode: return code.rawValue
        case is ValidationError: return ExitCode.validationFailure.rawValue
        default: return ExitCode.failure.rawValue
        }
    }

    /// Whether `error` is one of the command's own failures, printed here as
    /// `amt-collect: <sentence>` (ArgumentParser words the rest: usage, help, exit codes).
    static func isCommandFailure(_ error: any Error) -> Bool {
        error is CommandFailure || error is CollectError
    }
}

/// A failure of a whole command: message already worded for the user.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
