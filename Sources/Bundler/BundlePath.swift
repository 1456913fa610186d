/// Rules for paths inside a bundle.
enum BundlePath {
    /// Characters Windows Explorer cannot extract.
    private static let forbidden: Set<Character> = ["\\", ":", "*", "?", "\"", "<", ">", "|"]

    /// Checks a path inside the bundle's top folder: relative, `/`-separated, no empty, `.` or
    /// `..` components, no control characters, no characters Windows cannot use in a file name.
    /// Returns a sentence saying what is wrong, or `nil` when the path is fine.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        if path.utf8.count > 4096 { return "the path is longer than 4096 bytes" }
        if path.hasPrefix("/") { return "the path is absolute" }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { return "the path has an empty component" }
            if component == "." || component == ".." { return "the path has a '\(component)' component" }
        }
        for ch in path {
            if ch.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                return "the path has a control character"
            }
            if forbidden.contains(ch) { return "the path has '\(ch)', which Windows cannot use in a file name" }
        }
        return nil
    }

    /// Splits an archive entry name into its top folder and the path inside it; `nil` when the
    /// name has no `/` (an entry outside any folder).
    static func split(_ entryName: String) -> (top: String, inner: String)? {
        guard let slash = entryName.firstIndex(of: "/") else { return nil }
        return (String(entryName[..<slash]), String(entryName[entryName.index(after: slash)...]))
    }
}
