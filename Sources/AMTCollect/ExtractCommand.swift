import ArgumentParser
import Bundler
import Collect
import Foundation
import SystemPackage

/// `amt-collect extract PART… --out DIR`: the files of a bundle (or of all its parts, segments
/// joined) written under DIR/<bundle id>/, each checked against its SHA-256.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the files of a bundle, or of all the parts of a split bundle, into a folder.",
        discussion: """
            Files go to DIR/<bundle id>/ with their paths in the bundle; segmented files are joined \
            and every file is checked against its SHA-256 (a file that does not match is removed). \
            Nothing is written outside DIR and no existing file is replaced. Encrypted bundles take \
            the passphrase from AMT_PASSPHRASE or ask for it. Exit code 0 only when every file was \
            extracted whole, 1 otherwise.
            """
    )

    @Argument(help: "A bundle, or all parts of a split bundle.")
    var bundles: [String]

    @Option(help: ArgumentHelp("Folder to write into (created when missing).", valueName: "DIR"))
    var out: String

    func run() throws {
        let paths = ArgumentFiles.expand(bundles).map { FilePath($0) }
        let passphrase = try Passphrase.ifNeeded(for: paths)
        let dir = CollectCommand.absolute(out)
        do {
            try OutputFolder.make(dir)
        } catch {
            throw CommandFailure(description: "cannot create \(dir): \(error)")
        }
        let report = BundleExtractor.extract(paths, to: dir, passphrase: passphrase)
        Console.say("extracted \(report.written.count) files into \(dir)")
        for p in report.problems { Console.say("  \(p)") }
        if !report.isWhole {
            Console.say("NOT complete: \(report.problems.count) problems")
            throw ExitCode.failure
        }
    }
}
