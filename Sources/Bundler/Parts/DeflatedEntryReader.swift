import CIsal
import SystemPackage

/// Reads one deflated zip entry from where `ZipDirectory` located its stream, inflating with
/// ISA-L (several times faster than zlib, which libarchive uses) and checking its CRC-32 and size
/// at its end. For the segments of email parts, which are cut from the inflated file.
final class DeflatedEntryReader {
    static let bufferSize = 1 << 20
    private let entry: PackedFile
    private let fd: FileDescriptor
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    /// Compressed bytes not read from the file yet.
    private var compressedLeft: Int64
    private var produced: Int64 = 0
    private var finished = false

    /// - Throws: `Errno` when the file cannot be opened or positioned.
    init(_ entry: PackedFile) throws {
        self.entry = entry
        fd = try FileDescriptor.open(entry.path, .readOnly, options: Platform.openOptions)
        do {
            _ = try fd.seek(offset: entry.offset, from: .start)
        } catch {
            try? fd.close()
            throw error
        }
        compressedLeft = entry.compressedBytes
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP_NO_HDR)   // the CRC-32 of the output, as zip has it
        input = .allocate(byteCount: Self.bufferSize, alignment: 64)
        output = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit {
        try? fd.close()
        state.deallocate()
        input.deallocate()
        output.deallocate()
    }

    /// The next inflated bytes (valid until the next call); empty at the end of the entry.
    /// - Throws: `.corrupt` when the stream is damaged, ends early, or its CRC-32 or size differ
    ///   from the directory's.
    func next() throws -> UnsafeRawBufferPointer {
        guard !finished else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        state.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(output.count)
        while state.pointee.avail_out > 0 {
            if state.pointee.avail_in == 0 {
                guard compressedLeft > 0 else { break }
                let want = Int(min(Int64(input.count), compressedLeft))
                let n = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: input[0..<want]))
                guard n > 0 else { throw corrupt("ends \(compressedLeft) compressed bytes early") }
                compressedLeft -= Int64(n)
                state.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_in = UInt32(n)
            }
            let status = isal_inflate(state)
            if status < 0 { throw corrupt("is not a valid deflate stream (ISA-L status \(status))") }
            if state.pointee.block_state == ISAL_BLOCK_FINISH { break }
        }
        let count = output.count - Int(state.pointee.avail_out)
        produced += Int64(count)
        if state.pointee.block_state == ISAL_BLOCK_FINISH {
            finished = true
            guard produced == entry.bytes, state.pointee.crc == entry.crc32 else {
                throw corrupt("inflates to \(produced) bytes with CRC-32 \(state.pointee.crc), the directory says \(entry.bytes) and \(entry.crc32)")
            }
        } else if count == 0 {
            throw corrupt("ends before its deflate stream does")
        }
        return UnsafeRawBufferPointer(rebasing: output[0..<count])
    }

    private func corrupt(_ what: String) -> BundleError {
        BundleError(.corrupt, "an entry of \(entry.path) at byte \(entry.offset) \(what)", path: entry.path)
    }
}
