#if os(Windows)
import Foundation
import LogRecord
import SystemPackage
import WinSDK

/// The Windows implementation, on what Foundation and swift-system provide.
///
/// swift-system opens files with `FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE`, so
/// reading never locks a file another program is writing or rotating.
struct SystemFileAccess: FileSystemAccess {
    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.string)
        } catch {
            throw Self.mapped(error, "list folder", directory)
        }
        return names.map { DirectoryEntry(name: $0, platformName: nil, kindHint: nil) }
    }

    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus {
        var target = path
        if followLinks {
            guard let resolved = resolve(path) else {
                throw CollectorError(code: .notFound, path: path.string,
                                     message: "cannot examine \(path.string)",
                                     underlying: "the link target does not exist")
            }
            target = resolved
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: target.string)
        } catch {
            throw Self.mapped(error, "examine", path)
        }
        let kind: FileKind
        switch attributes[.type] as? FileAttributeType {
        case .typeRegular?: kind = .regular
        case .typeDirectory?: kind = .directory
        case .typeSymbolicLink?: kind = .symbolicLink
        case .typeCharacterSpecial?: kind = .characterDevice
        case .typeBlockSpecial?: kind = .blockDevice
        case .typeSocket?: kind = .socket
        default: kind = .other
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        var modified: Timestamp?
        if let date = attributes[.modificationDate] as? Date {
            let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
            modified = Timestamp(microsecondsSinceEpoch: micros, precision: .microseconds)
        }
        var identity: FileIdentity?
        if let volume = (attributes[.systemNumber] as? NSNumber)?.uint64Value,
           let index = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value {
            identity = FileIdentity(device: volume, inode: index)
        }
        return FileStatus(kind: kind, size: size, modified: modified, identity: identity)
    }

    func checkReadable(_ path: FilePath) throws(CollectorError) {
        let (fd, _) = try openForReading(path)
        try? fd.close()
    }

    func resolve(_ path: FilePath) -> FilePath? {
        guard FileManager.default.fileExists(atPath: path.string) else { return nil }
        let url = URL(fileURLWithPath: path.string).resolvingSymlinksInPath()
        // The file-system representation is the native form (`C:\…`), not the URL path (`/C:/…`).
        return url.withUnsafeFileSystemRepresentation { $0.map { FilePath(String(cString: $0)) } }
    }

    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus) {
        // CreateFileW cannot open a folder without backup semantics: tell folders apart first.
        let before = try status(path, followLinks: true)
        if before.kind == .directory {
            throw CollectorError(code: .isDirectory, path: path.string,
                                 message: "cannot read \(path.string): it is a folder")
        }
        guard before.kind == .regular else {
            throw CollectorError(code: .notRegularFile, path: path.string,
                                 message: "cannot read \(path.string): it is a \(before.kind.noun), not a regular file")
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly)
        } catch {
            throw .system(error, "open", path)
        }
        // The size of the open file, taken once.
        var status = before
        do {
            status.size = try fd.seek(offset: 0, from: .end)
            _ = try fd.seek(offset: 0, from: .start)
        } catch {
            try? fd.close()
            throw .system(error, "examine", path)
        }
        return (fd, status)
    }

    /// Maps a Foundation error to a `CollectorError` with the same code an errno would get.
    static func mapped(_ error: any Error, _ action: String, _ path: FilePath) -> CollectorError {
        let ns = error as NSError
        let code: CollectorError.Code
        switch ns.code {
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue:
            code = .permissionDenied
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue:
            code = .notFound
        default:
            code = .io
        }
        return CollectorError(code: code, path: path.string, message: "cannot \(action) \(path.string)",
                              underlying: ns.localizedDescription)
    }
}
#endif
