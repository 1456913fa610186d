import SystemPackage

/// Reads one entry of an archive piece by piece across calls. The segments of a file go into
/// consecutive parts, so each segment continues where the previous one stopped: one pass over the
/// entry for all its segments, not one pass from its start per part.
final class EntryCursor {
    let name: String
    /// Bytes of the entry handed out so far.
    private(set) var position: Int64 = 0
    /// Through libarchive, or the entry's deflate stream located in the zip and inflated by ISA-L.
    private enum Source {
        case archive(ReadSession)
        case deflated(DeflatedEntryReader)
    }
    private let source: Source
    /// Bytes read from the archive but not handed out yet (inside the reader's buffer).
    private var pending = UnsafeRawBufferPointer(start: nil, count: 0)

    /// Opens `path` and moves to the entry named `entry` (full name); with `deflated` (where
    /// `ZipDirectory` found the entry's stream), reads that stream instead.
    /// - Throws: `.entryNotFound`, or what reading the archive throws.
    init(path: FilePath, passphrase: String?, entry: String, deflated: PackedFile? = nil) throws {
        name = entry
        if let deflated {
            source = .deflated(try DeflatedEntryReader(deflated))
            return
        }
        let session = try ReadSession(path, passphrase: passphrase)
        source = .archive(session)
        while let e = try session.next() {
            if e.name == entry { return }
        }
        throw BundleError(.entryNotFound, "\(path) has no entry \(entry)", path: path)
    }

    /// Hands the next `count` bytes of the entry to `handler`, in chunks.
    /// - Throws: `.corrupt` when the entry ends before.
    func read(_ count: Int64, _ handler: (UnsafeRawBufferPointer) throws -> Void) throws {
        var left = count
        while left > 0 {
            if pending.isEmpty {
                switch source {
                case .archive(let session):
                    pending = try session.readSome(of: name)
                    if pending.isEmpty {
                        throw BundleError(.corrupt, "entry \(name) of \(session.path) ends \(left) bytes early", path: session.path)
                    }
                case .deflated(let reader):
                    pending = try reader.next()
                    if pending.isEmpty { throw BundleError(.corrupt, "entry \(name) ends \(left) bytes early") }
                }
            }
            let take = Int(min(Int64(pending.count), left))
            try handler(UnsafeRawBufferPointer(rebasing: pending[0..<take]))
            pending = UnsafeRawBufferPointer(rebasing: pending[take...])
            left -= Int64(take)
            position += Int64(take)
        }
    }
}
