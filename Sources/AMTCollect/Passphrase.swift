import ArgumentParser
import Bundler
import Collect
import Foundation
import SystemPackage

/// The passphrase for encrypted bundles: from `AMT_PASSPHRASE`, or asked on a terminal without
/// echo. Never logged, never written anywhere.
enum Passphrase {
    static let variable = "AMT_PASSPHRASE"

    /// The passphrase, or a usage error saying how to give one.
    /// - Parameter confirm: ask twice on a terminal (when setting a new one).
    static func obtain(confirm: Bool) throws -> String {
        if let value = ProcessInfo.processInfo.environment[variable] {
            guard !value.isEmpty else { throw ValidationError("\(variable) is set but empty") }
            return value
        }
        guard Console.stdinIsTerminal else {
            throw ValidationError("a passphrase is needed: set \(variable), or run on a terminal to be asked")
        }
        guard let first = TerminalInput.readHidden(prompt: "Passphrase: "), !first.isEmpty else {
            throw ValidationError("no passphrase given")
        }
        if confirm {
            guard let second = TerminalInput.readHidden(prompt: "Passphrase again: "), second == first else {
                throw ValidationError("the passphrases do not match")
            }
        }
        return first
    }

    /// The passphrase when any of `paths` is encrypted (asked once), else `nil`.
    static func ifNeeded(for paths: [FilePath]) throws -> String? {
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        guard paths.contains(where: { BundleReader.isEncrypted($0) }) else { return nil }
        return try obtain(confirm: false)
    }
}
