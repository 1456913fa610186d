import ArgumentParser
import Collect
import Foundation
import Logging
import SystemPackage

/// `amt-collect`: gathers the logs and facts Tier 1 support needs into one verifiable bundle.
@main
struct AMTCollect: ParsableCommand {
    static let version = CollectJob.toolVersion

    static let configuration = CommandConfiguration(
        commandName: "amt-collect",
        abstract: "Collect WebBRIX, install, SQL Server and Windows event logs into a support bundle.",
        discussion: """
            With no subcommand, runs `collect`.

            Examples:
              amt-collect --case 4711 --site "Main Office" --partner reseller
              amt-collect collect --root D:\\copy-of-C --out E:\\bundles --since 7d
              amt-collect parse "C:\\Windows\\Temp\\MSI3f2a1.LOG"
              amt-collect parse System.evtx --xml
              amt-collect verify AMT-MainOffice-4711-20261127T063000Z.zip
              amt-collect verify AMT-MainOffice-4711-20261127T063000Z-part*of3.zip
              amt-collect extract AMT-MainOffice-4711-20261127T063000Z-part*of3.zip --out D:\\cases\\4711
              amt-collect catalog --root D:\\copy-of-C
            """,
        version: version,
        subcommands: [CollectCommand.self, Parse.self, Verify.self, Extract.self, Summary.self, CatalogCommand.self],
        defaultSubcommand: CollectCommand.self
    )

    /// Only the executable configures logging: warnings and worse to stderr, or the level named
    /// by `AMT_LOG_LEVEL` (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`).
    static func main() {
        let level = ProcessInfo.processInfo.environment["AMT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // A write to a closed pipe then fails with EPIPE (see `Console.writeOut`).
        BrokenPipe.ignoreSignal()
        // ArgumentParser prints help and the version through the C library's buffered stdout,
        // flushed at exit: a failed flush is reported there too.
        atexit {
            if fflush(nil) != 0, errno != EPIPE {
                Console.writeErr("amt-collect: cannot write to stdout: \(Errno(rawValue: errno))\n")
                _exit(1)
            }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let failure = error as? StdoutError { endOutput(failure) }
            if let failure = Console.outputFailure, !failure.isClosedPipe { endOutput(failure) }
            exit(withError: error)
        }
        if let failure = Console.outputFailure { endOutput(failure) }
    }

    /// Ends on a failed write to stdout: quietly with status 0 when the reader closed the pipe
    /// (the output was not wanted any further), else with the failure named and status 1.
    static func endOutput(_ failure: StdoutError) -> Never {
        if failure.isClosedPipe { Foundation.exit(0) }
        Console.say("amt-collect: \(failure)")
        Foundation.exit(1)
    }
}
