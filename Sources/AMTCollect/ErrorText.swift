import ArgumentParser

/// The one place that turns any error into the sentence a person reads. Exit codes: 0 done,
/// 1 failed (ExitCode.failure), 64 usage (ArgumentParser's validation errors).
enum ErrorText {
    static func describe(_ error: any Error) -> String {
        if let e = error as? any CustomStringConvertible { return e.description }
        return String(describing: error)
    }
}

/// A failure of a whole command: message already worded for the user.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
