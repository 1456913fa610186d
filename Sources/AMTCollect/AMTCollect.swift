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
              amt-collect verify AMT-Main_Office-4711-20261127T063000Z.zip
              amt-collect verify AMT-Main_Office-4711-20261127T063000Z-part*of3.zip
              amt-collect extract AMT-Main_Office-4711-*-part*of3.zip --out D:\\cases\\4711
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
        if let unknown = unknownCommand(Array(CommandLine.arguments.dropFirst())) {
            Console.say("amt-collect: \(unknown)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let failure = error as? StdoutError { endOutput(failure) }
            if let failure = Console.outputFailure, !failure.isClosedPipe { endOutput(failure) }
            if ErrorText.isCommandFailure(error) {
                Console.say("amt-collect: \(ErrorText.describe(error))")
                Foundation.exit(ErrorText.exitCode(for: error))
            }
            exit(withError: error)
        }
        if let failure = Console.outputFailure { endOutput(failure) }
    }

    /// The subcommands' names, and `help`.
    static var commandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// A first argument that is neither an option nor a command, worded for the person who typed
    /// it (`verfy x.zip` → did you mean `verify`?); `nil` when the arguments start as they should.
    /// `collect`, the default command, takes no positional arguments, so such a word is always a
    /// mistake, never a value.
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) else { return nil }
        let lowered = first.lowercased()
        let close = commandNames.filter { name in
            name.hasPrefix(lowered) && lowered.count >= 3 || editDistance(lowered, name) <= max(1, name.count / 3)
        }
        if close.count == 1 {
            return "unknown command '\(first)'; did you mean '\(close[0])'? (amt-collect \(close[0]) \(arguments.dropFirst().joined(separator: " ")))"
        }
        return "unknown command '\(first)'; the commands are \(commandNames.dropLast().joined(separator: ", ")) (see amt-collect --help)"
    }

    /// Levenshtein distance of two short words.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }

    /// Ends on a failed write to stdout: quietly with status 0 when the reader closed the pipe
    /// (the output was not wanted any further), else with the failure named and status 1.
    static func endOutput(_ failure: StdoutError) -> Never {
        if failure.isClosedPipe { Foundation.exit(0) }
        Console.say("amt-collect: \(failure)")
        Foundation.exit(1)
    }
}
