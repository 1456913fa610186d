import Bundler
import LogRecord
import Triage

/// What the encode stage hands the archive stage: a source's records as JSON Lines in chunks of
/// about `EncodedItem.chunkBytes`, then the source's description with the size and SHA-256 of its
/// records entry (hashed here, so the archive thread only compresses).
enum EncodedItem: Sendable {
    /// Target size of one chunk of JSON Lines (one trip through libarchive and zlib).
    static let chunkBytes = 256 << 10

    case bytes(String, ByteBlock)
    /// A record larger than a block, on its own.
    case large(String, [UInt8])
    /// `digest` is nil when the source gave no records.
    case done(ProcessedSource, digest: EntryDigest?)
}

/// The middle stage of `collect`, on its own thread: judges every record for the findings and
/// turns the record batches of the parse stage into JSON Lines bytes and their digest. With three
/// stages the two cores share the work however it falls (parsing, encoding, compressing), instead
/// of waiting on whichever of two fixed halves is larger.
enum EncodeStage {
    /// Returns the engine once it observed every record that went into the bundle.
    static func run(from input: BoundedQueue<StreamItem>, to output: BoundedQueue<EncodedItem>,
                    engine: consuming FindingsEngine) -> FindingsEngine {
        var engine = engine
        let writer = JSONLinesWriter()
        var open: (relative: String, digest: EntryDigest)? = nil
        var block = ByteBlock()

        func ship() {
            guard let o = open, block.count > 0 else { return }
            open!.digest.update(block.bytes)
            output.put(.bytes(o.relative, block))
            block = ByteBlock()
        }

        while let item = input.take() {
            if output.isClosed { break }
            switch consume item {
            case .records(let relative, var batch):
                if open == nil { open = (relative, EntryDigest()) }
                // Each record is moved out of the batch (reversed once, then popped from its end):
                // read in place through a pointer, a record is copied for every call it is
                // passed to, which retains and releases each of its strings.
                // (Reversed through the buffer, whose swaps move; the array's would copy.)
                batch.withUnsafeMutableBufferPointer { $0.reverse() }
                while let record = batch.popLast() {
                    engine.observe(record)
                    if block.write(record, with: writer) {
                        if block.count >= EncodedItem.chunkBytes { ship() }
                        continue
                    }
                    ship()
                    if !block.write(record, with: writer) {
                        // Larger than a block (a record of megabytes): shipped on its own.
                        var alone: [UInt8] = []
                        writer.append(record, to: &alone)
                        alone.withUnsafeBytes { open!.digest.update($0) }
                        output.put(.large(relative, alone))
                    }
                }
            case .done(let processed):
                ship()
                output.put(.done(processed, digest: open?.digest))
                open = nil
            }
        }
        // A stopped archive stage closes `output`; closing `input` then releases the parse stage.
        input.close()
        output.close()
        return engine
    }

}

/// Bytes written through a pointer into space allocated once (no zero fill, no per-record capacity
/// checks), then handed whole to the next stage, which owns them from then on.
final class ByteBlock: @unchecked Sendable {
    /// Room for a full chunk plus the worst case of the record that crosses the target.
    static let capacity = EncodedItem.chunkBytes + (64 << 10)
    private let base = UnsafeMutableRawPointer.allocate(byteCount: ByteBlock.capacity, alignment: 16)
    private(set) var count = 0

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Writes `record` when its worst case fits in the space left; false (nothing written) when not.
    func write(_ record: Record, with writer: JSONLinesWriter) -> Bool {
        let rest = UnsafeMutableRawBufferPointer(start: base + count, count: ByteBlock.capacity - count)
        guard let n = writer.write(record, into: rest) else { return false }
        count += n
        return true
    }
}
