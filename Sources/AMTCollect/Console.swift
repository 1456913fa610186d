import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(ucrt)
import ucrt
#elseif canImport(Darwin)
import Darwin
#endif

/// Output for people goes to stderr; stdout carries only machine-readable results.
enum Console {
    /// Whether stderr is a terminal (progress is shown only then).
    static let stderrIsTerminal: Bool = isTerminal(2)
    static let stdinIsTerminal: Bool = isTerminal(0)

    static func say(_ text: String) {
        writeErr(text + "\n")
    }

    /// A progress line, overwritten in place; shown only on a terminal.
    static func progress(_ text: String) {
        guard stderrIsTerminal else { return }
        writeErr("\r\u{1B}[K" + String(text.prefix(120)))
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        writeErr("\r\u{1B}[K")
    }

    static func writeErr(_ text: String) {
        _ = try? FileDescriptor.standardError.writeAll(Array(text.utf8))
    }

    /// Writes bytes to stdout (callers buffer; this does not). Every write to stdout goes through
    /// here and is checked: the first failure is kept (`outputFailure`), thrown, and every later
    /// write throws it again without writing, so a caller that wraps or drops the error cannot hide
    /// it (`AMTCollect.main` ends on it).
    /// - Throws: `StdoutError`.
    static func writeOut(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeOut($0) }
    }

    static func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure = outputFailure { throw failure }
        guard !bytes.isEmpty else { return }
        do {
            _ = try FileDescriptor.standardOutput.writeAll(bytes)
        } catch {
            let failure = StdoutError(cause: error as? Errno ?? .ioError)
            outputLock.lock()
            if failureStorage == nil { failureStorage = failure }
            outputLock.unlock()
            throw failure
        }
    }

    /// Writes a command's result to stdout once its exit status is settled (`verify` whole or not,
    /// `--json` results). A closed pipe is not an error here: the reader has gone, nothing more is
    /// written, and the command ends with the status it has reached. Any other failure throws.
    /// - Throws: `StdoutError` unless the pipe was closed.
    static func writeResult(_ bytes: [UInt8]) throws {
        do {
            try writeOut(bytes)
        } catch let failure as StdoutError where failure.isClosedPipe {
            return
        }
    }

    /// The first failed write to stdout, if any.
    static var outputFailure: StdoutError? {
        outputLock.lock()
        defer { outputLock.unlock() }
        return failureStorage
    }

    private static let outputLock = NSLock()
    nonisolated(unsafe) private static var failureStorage: StdoutError?

    private static func isTerminal(_ fd: Int32) -> Bool {
        #if os(Windows)
        return _isatty(fd) != 0
        #else
        return isatty(fd) != 0
        #endif
    }
}

/// A write to stdout failed. A closed pipe (`EPIPE`: the reader has gone, as `head -1` does) is
/// the normal end of output and ends the command quietly; anything else (a full disk behind a
/// redirect, `/dev/full`) is a failure: exit 1 with this message.
struct StdoutError: Error, CustomStringConvertible {
    var cause: Errno
    var isClosedPipe: Bool { cause == .brokenPipe }
    var description: String { "cannot write to stdout: \(cause)" }
}
