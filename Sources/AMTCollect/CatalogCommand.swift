import ArgumentParser
import Collector
import Foundation
import Logging
import LogRecord
import SystemPackage

/// `amt-collect catalog [--root DIR]`: the known locations, and what exists for each under a root.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "List the known log locations and what each finds under --root."
    )

    @Option(help: ArgumentHelp("The drive or copied tree to look in.", valueName: "DIR"))
    var root: String = CollectCommand.defaultRoot

    @Option(help: ArgumentHelp("JSON catalog adding to or replacing built-in entries.", valueName: "FILE"))
    var catalog: String?

    @Flag(help: "Print a machine-readable result on stdout.")
    var json = false

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            Console.say("amt-collect: --root '\(root)' is not a folder (missing or not a directory)")
            throw ExitCode.failure
        }
        var cat = Catalog.builtin()
        if let catalog {
            do { cat = cat.merging(try Catalog.load(from: FilePath(catalog))) } catch {
                throw ValidationError("--catalog: \(ErrorText.describe(error))")
            }
        }
        let discovery = Discovery(root: CollectCommand.absolute(root), catalog: cat, includes: [], window: .all,
                                  includeOptIn: Set(cat.entries.filter(\.optIn).map(\.id)),
                                  logger: Logger(label: "amt-collect"))
        let report = discovery.run().catalogReport()
        if json {
            var out: [UInt8] = []
            JSONEncoding.append(JSONValue.array(report.map { e in
                JSONValue.object([("id", .string(e.entry.id)), ("title", .string(e.entry.title)),
                         ("patterns", .array(e.entry.patterns.map { .string($0) })),
                         ("found", .array(e.collected.map { .string($0.relativePath) })),
                         ("skipped", .array(e.skipped.map { .string("\($0.relativePath): \($0.reason)") }))])
            }), to: &out)
            out.append(0x0A)
            try Console.writeResult(out)
            return
        }
        // The listing is the command's result: stdout, so that it can be piped and searched.
        var text = ""
        for e in report {
            let opt = e.entry.optIn ? " (opt-in)" : ""
            text += "\(e.entry.id)\(opt) — \(e.entry.title)\n"
            for p in e.entry.patterns { text += "    pattern  \(p)\n" }
            if e.collected.isEmpty && e.skipped.isEmpty { text += "    found    nothing\n" }
            for f in e.collected { text += "    found    \(f.relativePath)\n" }
            for f in e.skipped { text += "    skipped  \(f.relativePath): \(f.reason)\n" }
        }
        try Console.writeResult(Array(text.utf8))
    }
}
