import ArgumentParser
import Bundler
import Collect
import Collector
import Foundation
import LogRecord
import Logging
import Redaction
import SystemPackage
import Triage

/// `amt-collect [collect]`: one run gathers everything Tier 1 needs into a verified bundle.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect logs and facts under a root into a support bundle (the default command).",
        discussion: """
            Finds the product's AMTError logs, install logs, SQL Server logs and Windows event logs \
            under --root, normalizes them into records, and writes \
            AMT-<site>-<case>-<UTC time>.zip to --out with a manifest and SUMMARY.txt, and beside it \
            an .eml draft to support@amt-us.com. A bundle larger than --email-limit is split into \
            parts (…-part1of3.zip …), each with its own draft. Nothing under --root is ever written. Exit codes: 0 done (warnings listed), 1 failed \
            (no bundle left: a failed email step removes the bundle, parts and drafts too), 64 usage error.

            Examples:
              amt-collect --case 4711 --site "Main Office" --partner reseller --since 7d
              amt-collect collect --root /mnt/copy-of-C --out /tmp/bundles --tz America/New_York
              amt-collect collect --dry-run --json
              amt-collect --case 4711 --email-limit 20MB
              AMT_PASSPHRASE=… amt-collect --case 4711 --encrypt
            """
    )

    @Option(help: ArgumentHelp("The drive or copied tree to collect from.", valueName: "DIR"))
    var root: String = CollectCommand.defaultRoot

    @Option(help: ArgumentHelp("Folder the bundle is written to (must not be inside --root unless --root is the system drive).", valueName: "DIR"))
    var out: String = "."

    @Option(help: ArgumentHelp("Only records at or after WHEN: an ISO date/time or a span back from now (90m, 72h, 7d, 2w).", valueName: "WHEN"))
    var since: String?

    @Option(help: ArgumentHelp("Only records at or before WHEN (same forms as --since).", valueName: "WHEN"))
    var until: String?

    @Option(name: .customLong("case"), help: ArgumentHelp("Support case id.", valueName: "ID"))
    var caseID: String?

    @Option(help: ArgumentHelp("Customer site name.", valueName: "NAME"))
    var site: String?

    @Option(help: ArgumentHelp("Who collects: manufacturer, reseller or solutions.", valueName: "KIND"))
    var partner: String?

    @Option(help: ArgumentHelp("Contact e-mail of the technician.", valueName: "EMAIL"))
    var contact: String?

    @Option(help: ArgumentHelp("What the problem is, in a sentence.", valueName: "TEXT"))
    var description: String?

    @Option(name: .customLong("check"), help: ArgumentHelp("A Tier 1 checklist answer: NAME=yes|no|na[:NOTE], NAME one of power, compatibility, network, versions, reproduced (repeatable).", valueName: "ITEM"))
    var checks: [String] = []

    @Option(help: ArgumentHelp("Steps to reproduce the problem.", valueName: "TEXT"))
    var steps: String?

    @Option(help: ArgumentHelp("Bundle format: zip (opens in Windows Explorer) or tar.gz.", valueName: "FORMAT"))
    var format: ArchiveFormat = .zip

    @Option(name: .customLong("include"), help: ArgumentHelp("Also collect this file or folder (repeatable).", valueName: "PATH"))
    var includes: [String] = []

    @Option(help: ArgumentHelp("JSON catalog whose entries add to or replace the built-in ones (same id replaces).", valueName: "FILE"))
    var catalog: String?

    @Option(help: ArgumentHelp("JSON findings rules that add to or replace the built-in ones (same id replaces).", valueName: "FILE"))
    var rules: String?

    @Option(name: .customLong("opt-in"), help: ArgumentHelp("Collect an opt-in catalog entry, e.g. event_log_security (repeatable).", valueName: "ID"))
    var optIn: [String] = []

    // `.unconditional`: `--tz -05:00` takes the offset as the value, not as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Site time zone for local log times (IANA name or offset). Default: the system's when --root is the live system drive; for a copied tree, the zone the site's own evidence states (System.evtx event 6013, SQL Server ERRORLOG 'UTC adjustment', MSI logs paired with their events, host facts), named in the manifest; with none, this machine's (marked assumed, warned).", valueName: "ZONE"))
    var tz: String?

    @Option(help: ArgumentHelp("Per-file cap of raw bytes (keeps head and tail), e.g. 64MiB (default), 500KB, 1GB; KB, MB, GB (and K, M, G) are 1000s, KiB, MiB, GiB 1024s.", valueName: "SIZE"))
    var maxFileSize: String = "64MiB"

    @Option(help: ArgumentHelp("Compression: fast (deflate by ISA-L igzip, the default), normal (zlib level 5) or small (zlib level 9).", valueName: "MODE"))
    var compression: Compression = .fast

    @Option(help: ArgumentHelp("Largest email message, attachment and text included: 10MB (default), 25MB, 20MiB, 15000000 (bytes); 0 = no limit. A larger bundle is split into parts, each with an .eml draft.", valueName: "SIZE"))
    var emailLimit: String = "10MB"

    @Flag(help: "Encrypt the zip with AES-256; the passphrase comes from AMT_PASSPHRASE or is asked on the terminal. Mail filters often quarantine encrypted zips.")
    var encrypt = false

    @Option(help: ArgumentHelp("Redaction before anything is written: secrets (passwords, keys, tokens), pii (also host and domain names, addresses, user names, e-mail addresses, badge numbers, as consistent pseudonyms whose mapping stays in --out) or none.", valueName: "MODE"))
    var redact: RedactionMode = .secrets

    @Flag(help: "List what would be collected, write nothing.")
    var dryRun = false

    @Flag(help: "Never ask questions (for scripts); what is missing is recorded as missing.")
    var batch = false

    @Flag(help: "Print a machine-readable result on stdout.")
    var json = false

    /// `--compression`: the deflate level each mode stands for.
    enum Compression: String, CaseIterable, ExpressibleByArgument {
        case fast, normal, small
        var level: Int {
            switch self {
            case .fast: 1
            case .normal: 5
            case .small: 9
            }
        }
    }

    static var defaultRoot: String {
        #if os(Windows)
        return (ProcessInfo.processInfo.environment["SystemDrive"] ?? "C:") + "\\"
        #else
        return "/"
        #endif
    }

    func validate() throws {
        var checklist = Tier1Checklist()
        for spec in checks { try Self.usage { try checklist.apply(spec) } }
        if let partner, !["manufacturer", "reseller", "solutions"].contains(partner.lowercased()) {
            throw ValidationError("--partner must be manufacturer, reseller or solutions, not '\(partner)'")
        }
        if let tz, SiteZone.named(tz) == nil { throw ValidationError(SiteZone.unknownZoneMessage(tz)) }
        guard let cap = ByteSize.parse(maxFileSize), cap > 0 else {
            throw ValidationError("--max-file-size: not a size like 64MiB, 500KB or 1GB: '\(maxFileSize)'")
        }
        guard let limit = ByteSize.parse(emailLimit) else {
            throw ValidationError("--email-limit: not a size like 10MB, 25MB, 20MiB or 15000000: '\(emailLimit)'")
        }
        if limit != 0, limit < EmailPackager.minimumLimit {
            throw ValidationError("--email-limit: \(limit) bytes is too small; use at least \(EmailPackager.minimumLimit) bytes, or 0 for no limit")
        }
        if encrypt, format != .zip {
            throw ValidationError("--encrypt needs --format zip: tar.gz cannot be encrypted")
        }
        let now = CollectJob.now()
        if let since, TimeWindow.parseWhen(since, now: now) == nil {
            throw ValidationError("--since: not an ISO date/time or a span like 72h or 7d: '\(since)'")
        }
        if let until, TimeWindow.parseWhen(until, now: now) == nil {
            throw ValidationError("--until: not an ISO date/time or a span like 72h or 7d: '\(until)'")
        }
        if let since, let until, let a = TimeWindow.parseWhen(since, now: now), let b = TimeWindow.parseWhen(until, now: now), a > b {
            throw ValidationError("--since '\(since)' (\(a.iso8601)) is later than --until '\(until)' (\(b.iso8601)): the window would be empty")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--root '\(root)' is not a folder")
        }
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--out '\(out)' is a file, not a folder: give the folder the bundle is written to")
        }
        let rootPath = Self.absolute(root), outPath = Self.absolute(out)
        // Real paths and device + inode, not spelling: links and bind mounts cannot lead output into the root.
        if !CollectJob.isSystemRoot(rootPath), RootContainment.isInside(outPath, root: rootPath) {
            throw ValidationError("--out '\(out)' is inside --root '\(root)' (directly, through a link or another mount of it): amt-collect never writes under the collection root")
        }
    }

    func run() throws {
        let logger = Logger(label: "amt-collect")
        var command = self
        if !batch, !dryRun, Console.stdinIsTerminal { command.askForMissingCaseFields() }
        var settings = try command.makeSettings()
        if encrypt, !dryRun {
            settings.passphrase = try Passphrase.obtain(confirm: true)
            Console.say("warning: \(EmailLimit.encryptionWarning)")
        }
        if dryRun {
            try DryRun.run(settings: settings, json: json, logger: logger)
            return
        }
        do {
            try OutputFolder.make(settings.outputDirectory)
        } catch {
            throw CommandFailure(description: "cannot create output folder \(settings.outputDirectory): \(error)")
        }
        // Its paths are never shown: messages name sources, or the output folder.
        let work = WorkFolder.forCollect(in: settings.outputDirectory)
        let outcome: CollectOutcome
        do {
            outcome = try CollectJob(settings: settings, logger: logger, progress: Self.show).run()
        } catch {
            Console.endProgress()
            Console.say("amt-collect: collection failed, no bundle written: \(WorkFolder.scrub(ErrorText.describe(error), work: work))")
            throw ExitCode.failure
        }
        for w in outcome.warnings { Console.say("warning: \(WorkFolder.scrub(w, work: work))") }
        let delivery: EmailResult
        do {
            delivery = try EmailStep.run(outcome: outcome, settings: settings,
                                         caseSite: settings.site ?? "", logger: logger)
        } catch {
            // Exit 1 means no bundle: the bundle, its parts and drafts go again.
            let rolled = outcome.claim.rollBack(logger: logger)
            Console.say("amt-collect: collection failed, no bundle written: preparing the bundle for email failed: \(ErrorText.describe(error))")
            for (path, cause) in rolled.failed {
                Console.say("amt-collect: cannot remove \(path) (\(cause)); the next run in \(settings.outputDirectory) removes it")
            }
            throw ExitCode.failure
        }
        if json {
            var result: [String: JSONValue] = [
                "parts": .array(delivery.archives.map { .string($0.string) }),
                "messages": .array(delivery.messages.map { .string($0.string) }),
                "email_limit": .int(settings.emailLimit), "encrypted": .bool(settings.passphrase != nil),
                "bytes": .int(outcome.bytes),
                "sources": .int(Int64(outcome.sources)), "records": .int(Int64(outcome.records)),
                "partial": .int(Int64(outcome.partial)), "skipped": .int(Int64(outcome.skipped)),
                "warnings": .array(outcome.warnings.map { .string($0) }),
            ]
            if !delivery.isSplit { result["bundle"] = .string(outcome.bundle.string) }
            var out: [UInt8] = []
            JSONEncoding.append(.object(result.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }), to: &out)
            out.append(0x0A)
            // Written while the run still holds its output: a result that cannot be delivered (a
            // full disk behind stdout) fails the run, and exit 1 means no bundle is left.
            do {
                try Console.writeResult(out)
            } catch {
                let rolled = outcome.claim.rollBack(logger: logger)
                Console.say("amt-collect: collection failed, no bundle written: its --json result could not be delivered (the cause follows)")
                for (path, cause) in rolled.failed {
                    Console.say("amt-collect: cannot remove \(path) (\(cause)); the next run in \(settings.outputDirectory) removes it")
                }
                // The command ends on the stdout failure, which names the cause (`AMTCollect.main`).
                throw error
            }
        }

        if let error = outcome.claim.release() {
            // Left in place, the lock would make the next run remove this complete set.
            Console.say("warning: cannot remove the run's lock \(outcome.claim.lockPath) (\(error)): delete it before the next run in this folder, or that run removes this bundle")
        }
        if delivery.isSplit {
            Console.say("""
                bundle split into \(delivery.archives.count) parts for messages of at most \(settings.emailLimit) bytes:
                \(zip(delivery.archives, delivery.messages).map { "  \($0.0)\n    draft: \($0.1.lastComponent?.string ?? "")" }.joined(separator: "\n"))
                  \(outcome.sources) sources, \(outcome.records) records; \
                \(outcome.partial) partial, \(outcome.skipped) not collected (see SUMMARY.txt)
                """)
        } else {
            Console.say("""
                bundle: \(outcome.bundle)
                  \(outcome.sources) sources, \(outcome.records) records, \(Self.sizeText(outcome.bytes)); \
                \(outcome.partial) partial, \(outcome.skipped) not collected (see SUMMARY.txt)
                  email draft: \(delivery.messages.first?.string ?? "")
                """)
        }
    }

    /// The engine's progress as one line on the terminal, overwritten in place.
    @Sendable static func show(_ progress: CollectProgress) {
        switch progress {
        case .discovering(let root): Console.progress("discovering logs under \(root) …")
        case .source(let number, let path): Console.progress("[\(number)] \(path)")
        case .sourcesDone: Console.endProgress()
        }
    }

    /// Asks, briefly, for the case fields not given on the command line (only on a terminal and
    /// without --batch). An empty answer leaves a field missing; the manifest records it so.
    mutating func askForMissingCaseFields() {
        func ask(_ question: String, _ value: inout String?, validate: (String) -> Bool = { _ in true }) {
            guard value == nil else { return }
            while true {
                Console.writeErr(question + ": ")
                guard let line = readLine(strippingNewline: true) else { return }
                let answer = line.trimmingCharacters(in: .whitespaces)
                if answer.isEmpty { return }
                if validate(answer) { value = answer; return }
                Console.say("  please answer one of the choices, or press Enter to skip")
            }
        }
        Console.say("Case details for the bundle (press Enter to skip a question):")
        ask("  Support case id", &caseID)
        ask("  Site name", &site)
        ask("  Partner (manufacturer / reseller / solutions)", &partner) {
            ["manufacturer", "reseller", "solutions"].contains($0.lowercased())
        }
        ask("  Contact e-mail", &contact)
        ask("  Problem, in a sentence", &description)
        var checklist = Tier1Checklist()
        for spec in checks { try? checklist.apply(spec) }
        let unanswered = Tier1Checklist.items.filter { checklist.entry($0.id).answer == .unanswered }
        if !unanswered.isEmpty {
            Console.say("Tier 1 checklist: answer yes, no or na, optionally followed by a note (Enter skips):")
        }
        for item in unanswered {
            var answer: String? = nil
            ask("  \(item.question)", &answer) { text in
                let word = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
                return Tier1Checklist.answer(word) != nil
            }
            if let answer {
                let parts = answer.split(separator: " ", maxSplits: 1)
                let note = parts.count > 1 ? ":" + parts[1] : ""
                checks.append("\(item.id)=\(parts[0])\(note)")
            }
        }
        ask("  Steps to reproduce", &steps)
    }

    func makeSettings() throws -> CollectSettings {
        let now = CollectJob.now()
        var cat = Catalog.builtin()
        if let catalog {
            do { cat = cat.merging(try Catalog.load(from: FilePath(catalog))) } catch {
                throw ValidationError("--catalog: \(ErrorText.describe(error))")
            }
        }
        let optInIDs = cat.entries.filter(\.optIn).map(\.id).sorted()
        for id in optIn where !optInIDs.contains(id) {
            throw ValidationError("--opt-in: unknown id '\(id)'; valid ids: \(optInIDs.joined(separator: ", "))")
        }
        var ruleSet = RuleSet.builtin()
        if let rules {
            do { ruleSet = ruleSet.merging(try RuleSet.load(from: rules)) } catch {
                throw ValidationError("--rules: \(ErrorText.describe(error))")
            }
        }
        var checklist = Tier1Checklist()
        for spec in checks { try Self.usage { try checklist.apply(spec) } }
        checklist.stepsToReproduce = steps
        let rootPath = Self.absolute(root)
        let zone: SiteZone
        if let tz, let z = SiteZone.named(tz) {
            zone = z
        } else if CollectJob.isSystemRoot(rootPath) {
            zone = SiteZone(timeZone: .current, isKnown: true)
        } else {
            zone = .collector
        }
        var fixed: Timestamp? = nil
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let secs = Int64(epoch) {
            fixed = Timestamp(microsecondsSinceEpoch: secs * 1_000_000)
        }
        return CollectSettings(
            root: rootPath, outputDirectory: Self.absolute(out),
            window: TimeWindow(since: since.flatMap { TimeWindow.parseWhen($0, now: now) },
                               until: until.flatMap { TimeWindow.parseWhen($0, now: now) }),
            caseID: caseID, site: site, partner: partner?.lowercased(), contact: contact, description: description,
            format: format,
            includes: includes.map { Self.absolute($0) }, catalog: cat, optIn: Set(optIn), zone: zone,
            capBytes: ByteSize.parse(maxFileSize) ?? (64 << 20),
            compressionLevel: compression.level,
            rules: ruleSet,
            checklist: checklist,
            commandLine: CommandLine.arguments, fixedCreated: fixed,
            emailLimit: ByteSize.parse(emailLimit) ?? EmailLimit.defaultBytes,
            redaction: redact)
    }

    /// Runs `body`; an engine error it throws is a usage error (exit 64) worded the same.
    static func usage(_ body: () throws -> Void) throws {
        do { try body() } catch let error as CollectError { throw ValidationError(error.description) }
    }

    static func absolute(_ path: String) -> FilePath {
        let p = FilePath(path)
        if p.isAbsolute { return p.lexicallyNormalized() }
        return FilePath(FileManager.default.currentDirectoryPath).pushing(p).lexicallyNormalized()
    }

    static func sizeText(_ bytes: Int64) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        if bytes >= 1 << 10 { return String(format: "%.1f KB", Double(bytes) / 1024) }
        return "\(bytes) bytes"
    }
}

/// `collect --dry-run`: what would be collected and what would be left out, nothing written.
enum DryRun {
    static func run(settings: CollectSettings, json: Bool, logger: Logger) throws {
        let plan = CollectJob.plan(settings: settings, logger: logger)
        let kept = plan.sources, skipped = plan.leftOut
        if json {
            let value = JSONValue.object([
                ("sources", .array(kept.map { s in
                    .object([("path", .string(s.relativePath)), ("entry", .string(s.entryID)),
                             ("kind", .string(s.kind.rawValue)), ("bytes", .int(s.size))])
                })),
                ("skipped", .array(skipped.map { s in
                    .object([("path", .string(s.path)), ("entry", .string(s.entry)), ("reason", .string(s.reason))])
                })),
            ])
            var out: [UInt8] = []
            JSONEncoding.append(value, to: &out)
            out.append(0x0A)
            try Console.writeResult(out)
            return
        }
        Console.say("would collect \(kept.count) files:")
        for s in kept { Console.say("  \(s.relativePath)  [\(s.entryID), \(CollectCommand.sizeText(s.size))]") }
        if !skipped.isEmpty {
            Console.say("would leave out \(skipped.count):")
            for s in skipped { Console.say("  \(s.path): \(s.reason)") }
        }
    }
}

// Options whose values are the engine's own enums are parsed into them directly.
extension ArchiveFormat: ExpressibleByArgument {}
extension RedactionMode: ExpressibleByArgument {}
