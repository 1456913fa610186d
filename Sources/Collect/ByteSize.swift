import Foundation

/// Sizes as people type them, with one unit policy for every option that takes one
/// (`--max-file-size`, `--email-limit`): `K`/`KB`, `M`/`MB`, `G`/`GB` are decimal (1000s: what a
/// mail system means by "10 MB", and the smaller reading of an ambiguous size); `KiB`, `MiB`,
/// `GiB` are binary; a bare number (or one ending in `B`) is bytes. Case and spaces between the
/// number and the unit do not matter; a fraction is allowed with a unit (`1.5GB`).
public enum ByteSize {
    private static let units: [(suffix: String, bytes: Double)] = [
        ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824),
        ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000),
        ("k", 1000), ("m", 1_000_000), ("g", 1_000_000_000), ("b", 1),
    ]
    /// Sizes at or beyond this (1 PB) are refused rather than rounded into `Int64`.
    private static let largest = 1e15

    /// The size in bytes, or `nil` for anything that is not a size (negative, not finite, too
    /// large, an unknown unit).
    public static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for unit in units where t.hasSuffix(unit.suffix) {
            let number = t.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let v = Double(number), v.isFinite, v * unit.bytes < largest else { return nil }
            return Int64(v * unit.bytes)
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(t), Double(v) < largest else { return nil }
        return v
    }
}
