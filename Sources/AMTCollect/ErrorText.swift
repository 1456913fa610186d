import ArgumentParser

/// The one place that turns any error into the sentence a person reads. Exit codes: 0 done,
/// 1 failed (ExitCode.failure), 64 usage (ArgumentParser's validation errors).
enum ErrorText {
    static func describe(_ error: any Error) -> String {
        // The project's error types word themselves through `description`.
        String(describing: error)
    }
}

/// A failure of a whole command: message already worded for the user.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
