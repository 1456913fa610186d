import ArgumentParser
import Bundler
import SystemPackage

/// `amt-collect verify BUNDLE...`: every hash, every entry; exit 0 only if every bundle is whole.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check bundles: every entry present, every SHA-256 equal to the manifest's.",
        discussion: "Exit code 0 only when every bundle given is whole, 1 otherwise."
    )

    @Argument(help: "Bundles (.zip or .tar.gz) to check.")
    var bundles: [String]

    @Flag(help: "Print a machine-readable result on stdout.")
    var json = false

    func run() throws {
        var allWhole = true
        var results: [(String, VerifyReport)] = []
        for bundle in bundles {
            let report = BundleVerifier.verify(FilePath(bundle))
            results.append((bundle, report))
            if report.isWhole {
                Console.say("\(bundle): whole — \(report.entriesChecked) entries, \(report.bytesChecked) bytes checked")
            } else {
                allWhole = false
                Console.say("\(bundle): NOT whole")
                for p in report.problems { Console.say("  \(p)") }
            }
        }
        if json {
            var out: [UInt8] = []
            JSONEncodingHelpers.appendVerify(results, to: &out)
            Console.writeOut(out)
        }
        if !allWhole { throw ExitCode.failure }
    }
}
