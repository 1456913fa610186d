import ArgumentParser
import Bundler
import Collect
import LogRecord
import SystemPackage

/// `amt-collect verify BUNDLE...`: every hash, every entry, every part; exit 0 only if whole.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check bundles and parts: every entry present, every SHA-256 equal to the manifest's.",
        discussion: """
            Parts of a split bundle (…-part1of3.zip …) are each checked on their own; given together, \
            the bundle is also checked as a whole: every part present, every segmented file joining \
            up to its SHA-256. Encrypted bundles take the passphrase from AMT_PASSPHRASE or ask for it. \
            Exit code 0 only when everything given is whole, 1 otherwise.
            """
    )

    @Argument(help: "Bundles or parts (.zip or .tar.gz) to check.")
    var bundles: [String]

    @Flag(help: "Print a machine-readable result on stdout.")
    var json = false

    func run() throws {
        let bundles = ArgumentFiles.expand(self.bundles)
        let paths = bundles.map { FilePath($0) }
        let passphrase = try Passphrase.ifNeeded(for: paths)
        let set = PartSetVerifier.verify(paths, passphrase: passphrase)
        var results: [(String, VerifyReport)] = []
        for (bundle, report) in zip(bundles, set.reports) {
            results.append((bundle, report))
            if report.isWhole {
                let what = report.manifest?.part.map { "part \($0.index) of \($0.count) whole" } ?? "whole"
                Console.say("\(bundle): \(what) — \(report.entriesChecked) entries, \(report.bytesChecked) bytes checked")
            } else {
                Console.say("\(bundle): NOT whole")
                for p in report.problems { Console.say("  \(p)") }
            }
        }
        for (id, count) in set.splitBundles {
            let mine = set.problems.filter { $0.contains(id) }
            if mine.isEmpty, set.isWhole {
                Console.say("bundle \(id): complete — all \(count) parts, every file and segment checked")
            } else if !mine.isEmpty {
                Console.say("bundle \(id): NOT complete")
                for p in mine { Console.say("  \(p)") }
            }
        }
        for p in set.problems where !set.splitBundles.contains(where: { p.contains($0.id) }) {
            Console.say("NOT complete: \(p)")
        }
        if json {
            // One array: a result per file given, then one per split bundle as a whole.
            var out: [UInt8] = []
            JSONEncodingHelpers.appendVerify(results, to: &out)
            if !set.splitBundles.isEmpty, out.count >= 2, out[out.count - 2] == UInt8(ascii: "]") {
                out.removeLast(2)
                for (id, count) in set.splitBundles {
                    let mine = set.problems.filter { $0.contains(id) || set.splitBundles.count == 1 }
                    out += Array(",".utf8)
                    JSONEncoding.append(.object([
                        ("bundle", .string(id)), ("split", .bool(true)), ("parts", .int(Int64(count))),
                        ("whole", .bool(mine.isEmpty && set.isWhole)),
                        ("problems", .array(mine.map { .string($0) })),
                    ]), to: &out)
                }
                out += Array("]\n".utf8)
            }
            try Console.writeResult(out)
        }
        if !set.isWhole { throw ExitCode.failure }
    }
}
