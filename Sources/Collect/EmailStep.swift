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
