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

    /// Writes bytes to stdout (callers buffer; this does not).
    static func writeOut(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        _ = try? FileDescriptor.standardOutput.writeAll(bytes)
    }

    static func writeOut(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        _ = try? FileDescriptor.standardOutput.writeAll(bytes)
    }

    private static func isTerminal(_ fd: Int32) -> Bool {
        #if os(Windows)
        return _isatty(fd) != 0
        #else
        return isatty(fd) != 0
        #endif
    }
}
