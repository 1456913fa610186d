import Bundler
import Foundation
import Logging
import SystemPackage

/// `--email-limit` values and the email wording shared by collect's steps.
public enum EmailLimit {
    /// 10 MB, the common on-prem Exchange limit (decimal megabytes: the smaller reading).
    public static let defaultBytes: Int64 = 10_000_000

    public static let encryptionWarning =
        "AES-256 encrypted zip; encrypted zips are often quarantined by mail filters, and Windows Explorer cannot open them (use 7-Zip or amt-collect extract). Send the passphrase another way."

    /// `0` (no limit), bytes (`15000000`), or a number with a unit: `KB`/`K`, `MB`/`M`, `GB`/`G`
    /// are decimal (1000s, the smaller reading of a mail system's "10 MB"); `KiB`, `MiB`, `GiB`
    /// are binary. Case does not matter. `nil` for anything else.
    public static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824),
                                         ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000),
                                         ("k", 1000), ("m", 1_000_000), ("g", 1_000_000_000), ("b", 1)]
        for (suffix, mult) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v >= 0, v.isFinite, v * mult < 1e15 else { return nil }
            return Int64(v * mult)
        }
        guard let v = Int64(t), v >= 0 else { return nil }
        return v
    }
}

/// After the bundle is written: the `.eml` draft beside it, or email-sized parts and their drafts.
public enum EmailStep {
    public static func run(outcome: CollectOutcome, settings: CollectSettings, caseSite: String, logger: Logger) throws -> EmailResult {
        let options = EmailOptions(
            limit: settings.emailLimit, format: settings.format, compressionLevel: settings.compressionLevel,
            entryTime: outcome.created, passphrase: settings.passphrase, site: caseSite,
            caseID: settings.caseID ?? "", from: settings.contact)
        return try EmailPackager.package(bundle: outcome.bundle, options: options, logger: logger)
    }
}
