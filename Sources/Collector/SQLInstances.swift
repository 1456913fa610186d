import LogRecord
import SystemPackage

/// A SQL Server instance's error log as its startup parameters name it (`-e`).
public struct SQLInstanceLog: Sendable, Equatable {
    /// The instance's registry id (`MSSQL15.AMTREPORTS`).
    public var instanceID: String
    /// The ERRORLOG file (`D:\SQLData\MSSQL15.AMTREPORTS\MSSQL\Log\ERRORLOG`).
    public var errorLog: FilePath
    /// Where the path was read, for the logs and `--dry-run`.
    public var source: String

    public init(instanceID: String, errorLog: FilePath, source: String) {
        self.instanceID = instanceID
        self.errorLog = errorLog
        self.source = source
    }
}

/// The SQL Server instances of a live system and the logs beside their ERRORLOG: every instance
/// is collected, wherever its data root is.
///
/// On Windows the instances are listed from `HKLM\SOFTWARE\Microsoft\Microsoft SQL Server\
/// Instance Names\SQL` (name → id), and each id's `…\<id>\MSSQLServer\Parameters` values
/// `SQLArg0`, `SQLArg1`… hold the startup parameters; `-e<path>` is the error log. Elsewhere
/// there are none (`live()` is empty): a copied tree is searched by the catalog's
/// `MSSQL*/MSSQL/Log` entries instead.
public enum SQLInstances {
    /// Startup parameters read per instance at most.
    static let argumentLimit = 64
    /// Instances read at most.
    static let instanceLimit = 256
    /// Files taken from one log folder outside the root at most.
    static let filesPerFolder = 64
    /// Names of the files collected beside an instance's ERRORLOG, with their kinds.
    static let logNames: [(prefix: String, kind: SourceKind)] = [
        ("ERRORLOG", .dataset(Dataset.sqlErrorlog)), ("SQLAGENT", .dataset(Dataset.sqlAgent)),
    ]
    static let exclude = ["*.{xel,trc,mdmp,dmp,txt}"]

    /// The instances of this machine (Windows); none elsewhere.
    public static func live() -> [SQLInstanceLog] {
        PlatformSQLInstances.list()
    }

    /// The error log a list of startup parameters names (`-eD:\…\ERRORLOG`), or `nil`. The last
    /// `-e` wins, as for SQL Server; quotes around the path are removed.
    public static func errorLog(arguments: [String]) -> String? {
        var found: String?
        for argument in arguments.prefix(argumentLimit) {
            var a = Substring(argument)
            while a.first == " " { a = a.dropFirst() }
            guard a.hasPrefix("-e") || a.hasPrefix("-E") || a.hasPrefix("/e") else { continue }
            var path = a.dropFirst(2)
            while path.first == " " { path = path.dropFirst() }
            while path.last == " " { path = path.dropLast() }
            if path.count >= 2, path.first == "\"", path.last == "\"" { path = path.dropFirst().dropLast() }
            if !path.isEmpty { found = String(path) }
        }
        return found
    }

    /// What collects the logs of `logs` on a walk of `root`: catalog entries (appended to the
    /// catalog, after the built-in ones, so a file those find keeps its entry) for log folders
    /// under the root, and files to take as `--include` for folders elsewhere (another drive).
    public static func plan(_ logs: [SQLInstanceLog], root: FilePath) -> (entries: [CatalogEntry], includes: [FilePath]) {
        plan(logs, root: root, access: SystemFileAccess())
    }

    static func plan(_ logs: [SQLInstanceLog], root: FilePath, access: any FileSystemAccess)
        -> (entries: [CatalogEntry], includes: [FilePath]) {
        var entries: [CatalogEntry] = []
        var includes: [FilePath] = []
        var ids: Set<String> = []
        let rootResolved = access.resolve(root) ?? root
        for log in logs.prefix(instanceLimit) {
            var folder = log.errorLog
            guard folder.removeLastComponent(), !folder.isEmpty else { continue }
            let resolved = access.resolve(folder) ?? folder
            if resolved.isWithin(rootResolved) {
                var relative = resolved
                _ = relative.removePrefix(rootResolved)
                let base = relative.components.map { escapeGlob($0.string) }.joined(separator: "/")
                for (prefix, kind) in logNames {
                    var id = "sql_instance:\(log.instanceID)#\(prefix.lowercased())"
                    var n = 2
                    while !ids.insert(id).inserted { id = "sql_instance:\(log.instanceID)#\(prefix.lowercased())#\(n)"; n += 1 }
                    entries.append(CatalogEntry(
                        id: id, title: "\(prefix) of SQL Server instance \(log.instanceID) (startup parameter -e)",
                        group: "sql", kind: kind, patterns: [(base.isEmpty ? "" : base + "/") + prefix + "*"],
                        exclude: exclude, note: "\(log.source): \(log.errorLog.string)"))
                }
            } else if let children = try? access.list(folder) {
                var taken = 0
                for child in children.sorted(by: { $0.name < $1.name }) {
                    let upper = child.name.uppercased()
                    guard logNames.contains(where: { upper.hasPrefix($0.prefix) }),
                          !exclude.contains(where: { (try? Glob($0))?.matches(child.name) == true }),
                          let component = child.component else { continue }
                    guard taken < filesPerFolder else { break }
                    taken += 1
                    includes.append(folder.appending(component))
                }
            }
        }
        return (entries, includes)
    }

    /// `*`, `?`, `[`, `{` (and `]`, `}`, `,`, which close or split a group) as literals.
    static func escapeGlob(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "*", "?", "[", "{", "}", "]", ",": out += "[\(c)]"
            default: out.append(c)
            }
        }
        return out
    }
}
