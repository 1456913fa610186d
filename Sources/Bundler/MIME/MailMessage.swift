import Crypto
import Foundation
import LogRecord
import SystemPackage

/// An RFC 5322 / MIME draft (`.eml`) carrying one bundle or part to support: `multipart/mixed`
/// with the summary as a `text/plain` UTF-8 body (quoted-printable) and the archive attached in
/// base64 (76-column lines). `X-Unsent: 1` makes mail clients open it as a draft to send.
///
/// Every line ends with CRLF. The size of the message is known before the attachment is read
/// (`size(attachmentBytes:)`), so budgets can be computed exactly; writing streams the attachment
/// in bounded chunks.
public struct MailMessage: Sendable {
    /// Where bundles go.
    public static let supportAddress = "support@amt-us.com"
    /// Bytes of the attachment encoded per line: 57 bytes give 76 base64 characters.
    static let bytesPerLine = 57

    public var subject: String
    /// The sender, when known (the technician's contact address); left out otherwise.
    public var from: String?
    public var date: Timestamp
    /// Plain-text body.
    public var body: String
    public var attachmentName: String
    /// `application/zip` or `application/gzip`.
    public var attachmentType: String
    /// 32 lower-case hex digits that make the Message-ID and MIME boundary unique (e.g. from the
    /// attachment's SHA-256); any value of that length gives the same message size.
    public var token: String

    public init(subject: String, from: String?, date: Timestamp, body: String, attachmentName: String,
                attachmentType: String, token: String = String(repeating: "0", count: 32)) {
        self.subject = subject
        self.from = from
        self.date = date
        self.body = body
        self.attachmentName = attachmentName
        self.attachmentType = attachmentType
        self.token = token
    }

    /// `[AMT Support] <site> — case <id>` and, for parts, `— part 2 of 3`.
    public static func subject(site: String, caseID: String, part: (index: Int, count: Int)?) -> String {
        var s = "[AMT Support] \(site.isEmpty ? "unknown site" : site) — case \(caseID.isEmpty ? "(none)" : caseID)"
        if let part { s += " — part \(part.index) of \(part.count)" }
        return s
    }

    /// The content type for an archive of `format`.
    public static func contentType(_ format: ArchiveFormat) -> String {
        format == .zip ? "application/zip" : "application/gzip"
    }

    // MARK: - Sizes

    /// Bytes of `n` bytes in base64 with a CRLF after every 76 characters (and after the last line).
    public static func base64Size(_ n: Int64) -> Int64 {
        let chars = 4 * ((n + 2) / 3)
        let lines = (chars + 75) / 76
        return chars + 2 * lines
    }

    /// The whole message's size with an attachment of `attachmentBytes`.
    public func size(attachmentBytes: Int64) -> Int64 {
        Int64(head().count) + MailMessage.base64Size(attachmentBytes) + Int64(tail().count)
    }

    /// The largest attachment for which the message is at most `limit` bytes (0 when none fits).
    public func maxAttachmentBytes(limit: Int64) -> Int64 {
        let fixed = Int64(head().count + tail().count)
        guard limit > fixed else { return 0 }
        var lo: Int64 = 0, hi = (limit - fixed) * 3 / 4 + 3
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fixed + MailMessage.base64Size(mid) <= limit { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    // MARK: - Text

    var boundary: String { "=_amt_\(token)" }

    /// Everything before the attachment's base64 lines.
    func head() -> [UInt8] {
        var h = ""
        h += "MIME-Version: 1.0\r\n"
        h += "Date: \(MailMessage.dateText(date))\r\n"
        h += "Message-ID: <amt-\(token)@amt-collect.invalid>\r\n"
        if let from = from.flatMap(MailMessage.cleanAddress) { h += "From: \(from)\r\n" }
        h += "To: \(MailMessage.supportAddress)\r\n"
        h += MailMessage.encodedHeader("Subject", subject)
        h += "X-Unsent: 1\r\n"
        h += "Content-Type: multipart/mixed;\r\n boundary=\"\(boundary)\"\r\n"
        h += "\r\n"
        h += "This is a multi-part message in MIME format.\r\n"
        h += "\r\n--\(boundary)\r\n"
        h += "Content-Type: text/plain; charset=UTF-8\r\n"
        h += "Content-Transfer-Encoding: quoted-printable\r\n"
        h += "\r\n"
        var out = Array(h.utf8)
        out += MailMessage.quotedPrintable(Array(body.utf8))
        let name = MailMessage.cleanFileName(attachmentName)
        var a = "\r\n--\(boundary)\r\n"
        a += "Content-Type: \(attachmentType);\r\n name=\"\(name)\"\r\n"
        a += "Content-Transfer-Encoding: base64\r\n"
        a += "Content-Disposition: attachment;\r\n filename=\"\(name)\"\r\n"
        a += "\r\n"
        out += Array(a.utf8)
        return out
    }

    /// Everything after the attachment's base64 lines.
    func tail() -> [UInt8] { Array("--\(boundary)--\r\n".utf8) }

    /// `Thu, 18 Nov 2026 11:06:40 +0000`.
    public static func dateText(_ t: Timestamp) -> String {
        let c = t.civil
        let micros = t.microseconds
        let days = (micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000) / 86_400
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(names[Int(weekday)]), \(c.day) \(months[c.month - 1]) \(c.year) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// An address usable in a header, or `nil` (no control characters, one `@`, no spaces).
    static func cleanAddress(_ text: String) -> String? {
        let t = text.trimmingCharactersInSpaces()
        guard t.utf8.count <= 254, t.filter({ $0 == "@" }).count == 1,
              t.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains($0) })
        else { return nil }
        return t
    }

    /// A file name safe inside a quoted header parameter (bundle names are ASCII already).
    static func cleanFileName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
    }

    /// `Name: value`, RFC 2047 `B`-encoded in UTF-8 when the value is not plain ASCII, folded so
    /// that no encoded word is longer than 75 characters. Control characters become spaces.
    public static func encodedHeader(_ name: String, _ value: String) -> String {
        let cleaned = String(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let plain = cleaned.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if plain, cleaned.utf8.count + name.utf8.count + 2 <= 78, !cleaned.contains("=?") {
            return "\(name): \(cleaned)\r\n"
        }
        // Encoded words of at most 39 bytes (52 base64 characters, lines under 78), split between characters.
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in cleaned {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 39, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(base64(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(base64(chunk))?=") }
        return "\(name): " + words.joined(separator: "\r\n ") + "\r\n"
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, no line breaks.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        appendBase64(Array(bytes), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendBase64(_ b: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        while i + 3 <= b.count {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = b.count - i
        if rest == 1 {
            let v = UInt32(b[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(UInt8(ascii: "="))
        }
    }

    /// Two base64 characters for every 12-bit value, first character in the low byte.
    static let base64Pairs: [UInt16] = (0..<4096).map { UInt16(alphabet[$0 >> 6]) | UInt16(alphabet[$0 & 63]) << 8 }

    /// Bytes `encodeLines` writes for `count` input bytes: 76-character lines, each ended by CRLF.
    static func encodedLineBytes(_ count: Int) -> Int {
        let lines = (count + bytesPerLine - 1) / bytesPerLine
        return (count + 2) / 3 * 4 + lines * 2
    }

    /// Base64 of `raw` in lines of 76 characters ended by CRLF (the attachment body), written at
    /// `out`, which has room for `encodedLineBytes(raw.count)`; returns the bytes written. Three
    /// input bytes become two table lookups and one 4-byte store: the same text as `appendBase64`
    /// line by line, several times faster.
    static func encodeLines(_ raw: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer) -> Int {
        base64Pairs.withUnsafeBufferPointer { pairs -> Int in
            var w = 0
            var start = 0
            while start < raw.count {
                let end = min(raw.count, start + bytesPerLine)
                var i = start
                while i + 3 <= end {
                    let v = Int(raw[i]) << 16 | Int(raw[i + 1]) << 8 | Int(raw[i + 2])
                    let four = UInt32(pairs[v >> 12]) | UInt32(pairs[v & 0xFFF]) << 16
                    out.storeBytes(of: four.littleEndian, toByteOffset: w, as: UInt32.self)
                    w += 4
                    i += 3
                }
                if i < end {
                    // The last 1 or 2 bytes of the input, with `=` padding.
                    let b0 = Int(raw[i]), b1 = i + 1 < end ? Int(raw[i + 1]) : 0
                    let v = b0 << 16 | b1 << 8
                    out.storeBytes(of: alphabet[v >> 18 & 63], toByteOffset: w, as: UInt8.self)
                    out.storeBytes(of: alphabet[v >> 12 & 63], toByteOffset: w + 1, as: UInt8.self)
                    out.storeBytes(of: i + 1 < end ? alphabet[v >> 6 & 63] : UInt8(ascii: "="), toByteOffset: w + 2, as: UInt8.self)
                    out.storeBytes(of: UInt8(ascii: "="), toByteOffset: w + 3, as: UInt8.self)
                    w += 4
                }
                out.storeBytes(of: UInt8(0x0D), toByteOffset: w, as: UInt8.self)
                out.storeBytes(of: UInt8(0x0A), toByteOffset: w + 1, as: UInt8.self)
                w += 2
                start = end
            }
            return w
        }
    }

    static func appendBase64(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBytes { appendBase64($0, to: &out) }
    }

    /// Quoted-printable (RFC 2045): lines end with CRLF (a lone LF or CRLF in the text is a line
    /// break), no line longer than 76 characters, `=` and non-ASCII bytes as `=XX`, trailing
    /// spaces encoded. Ends with CRLF.
    public static func quotedPrintable(_ text: [UInt8]) -> [UInt8] {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.count + text.count / 8)
        var lineLength = 0
        func emit(_ token: [UInt8]) {
            if lineLength + token.count > 75 {
                out += [UInt8(ascii: "="), 0x0D, 0x0A]
                lineLength = 0
            }
            out += token
            lineLength += token.count
        }
        var i = 0
        while i < text.count {
            let b = text[i]
            if b == 0x0A || (b == 0x0D && i + 1 < text.count && text[i + 1] == 0x0A) {
                out += [0x0D, 0x0A]
                lineLength = 0
                i += b == 0x0D ? 2 : 1
                continue
            }
            let nextIsBreak = i + 1 >= text.count || text[i + 1] == 0x0A || text[i + 1] == 0x0D
            let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !nextIsBreak)
            emit(literal ? [b] : [UInt8(ascii: "="), hexDigits[Int(b >> 4)], hexDigits[Int(b & 0x0F)]])
            i += 1
        }
        if out.last != 0x0A { out += [0x0D, 0x0A] }
        return out
    }

    // MARK: - Writing

    /// Writes the message with the file at `attachment` as `final`, through a temporary name
    /// renamed when complete (a file with the final name is whole). Returns the final path.
    ///
    /// - Parameter replacing: a draft already at `final` is replaced (it belongs to an earlier
    ///   bundle of the same name, which is gone: bundles are never replaced); otherwise it is an error.
    /// - Throws: `BundleError` `.alreadyExists`, `.sourceUnreadable`, `.writeFailed`.
    @discardableResult
    public func write(attachment: FilePath, to final: FilePath, replacing: Bool = false) throws -> FilePath {
        if Platform.fileExists(final), !replacing {
            throw BundleError(.alreadyExists, "\(final) already exists; it is not replaced", path: final)
        }
        let temporary = final.removingLastComponent().appending(
            ".\(final.lastComponent?.string ?? "message.eml").partial-\(Platform.currentProcessID)")
        let input: FileDescriptor
        let attachmentBytes: Int64
        do {
            input = try FileDescriptor.open(attachment, .readOnly, options: Platform.openOptions)
            guard let size = Platform.regularFileSize(input) else {
                try? input.close()
                throw Errno.invalidArgument
            }
            attachmentBytes = size
        } catch {
            throw BundleError(.sourceUnreadable, "cannot read \(attachment) to attach it", path: attachment, cause: error as? Errno)
        }
        defer { try? input.close() }
        let output: FileDescriptor
        do {
            output = try FileDescriptor.open(
                temporary, .writeOnly, options: Platform.openOptions.union([.create, .exclusiveCreate, .truncate]),
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw BundleError(.cannotCreate, "cannot create the email draft \(final)", path: temporary, cause: error as? Errno)
        }
        var closed = false
        var published = false
        defer {
            if !closed { try? output.close() }
            if !published { Platform.removeFile(temporary) }
        }
        do {
            let head = head()
            _ = try output.writeAll(head)
            // The base64 lines, encoded on this thread while another writes the lines encoded
            // before (one writer: two writing the same file wait on each other in the kernel).
            try Self.encode(input, attachment, bytes: attachmentBytes, into: output, at: Int64(head.count))
            _ = try output.writeAll(tail())
            _ = Platform.sync(output)
            closed = true
            try output.close()
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError(.writeFailed, "cannot write the email draft \(final)", path: temporary, cause: error as? Errno)
        }
        if replacing, Platform.fileExists(final) { Platform.removeFile(final) }
        if let error = Platform.renameNoReplace(temporary, final) {
            throw BundleError(error == .fileExists ? .alreadyExists : .writeFailed, "cannot give the completed email draft its name \(final)",
                              path: final, cause: error)
        }
        published = true
        return final
    }

    /// Encodes the `bytes` bytes of `input` (the file at `attachment`, from its start) as base64
    /// lines into `output`, which is positioned at `offset`: read and encoded here, written by a
    /// second thread, a few chunks apart (`EncodedChunks`).
    static func encode(_ input: FileDescriptor, _ attachment: FilePath, bytes: Int64, into output: FileDescriptor,
                       at offset: Int64) throws {
        let chunkBytes = bytesPerLine * 8192
        let chunks = EncodedChunks(slots: 3, bytes: encodedLineBytes(chunkBytes))
        let writer = Thread {
            var writeback = Writeback(from: offset)
            var written = offset
            var failed = false
            while let (k, count) = chunks.nextFull() {
                // After a failed write the rest is only released (the encoder stops soon).
                if !failed {
                    do {
                        written += Int64(try output.writeAll(UnsafeRawBufferPointer(rebasing: chunks.slot(k)[0..<count])))
                        writeback.wrote(upTo: written, fd: output)
                    } catch {
                        failed = true
                        chunks.fail(error)
                    }
                }
                chunks.release(k)
            }
            chunks.writerEnded()
        }
        writer.start()
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var left = bytes
        var failure: (any Error)? = nil
        while left > 0, chunks.failure == nil {
            // Fill the whole chunk (short reads happen), so lines break every 57 bytes.
            let want = Int(min(Int64(chunkBytes), left))
            var filled = 0
            do {
                while filled < want {
                    let n = try buffer.withUnsafeMutableBytes {
                        try input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled..<want]))
                    }
                    if n == 0 { throw BundleError(.sourceUnreadable, "\(attachment) ended while it was attached", path: attachment) }
                    filled += n
                }
            } catch {
                failure = error
                break
            }
            let k = chunks.nextFree()
            let n = buffer.withUnsafeBytes { raw in
                encodeLines(UnsafeRawBufferPointer(rebasing: raw[0..<filled]), to: chunks.slot(k).baseAddress!)
            }
            chunks.fill(k, count: n)
            left -= Int64(filled)
        }
        chunks.finish()
        chunks.waitForWriter()
        if let failure { throw failure }
        if let failure = chunks.failure { throw failure }
    }
}

/// Encoded chunks between the thread that encodes an attachment and the one that writes it: a
/// ring of `slots` buffers, filled in order and written in order.
private final class EncodedChunks: @unchecked Sendable {
    private let condition = NSCondition()
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var counts: [Int]
    private var filled = 0
    private var written = 0
    private var finished = false
    private var writerDone = false
    private var error: (any Error)?

    init(slots: Int, bytes: Int) {
        buffers = (0..<slots).map { _ in .allocate(byteCount: bytes, alignment: 16) }
        counts = Array(repeating: 0, count: slots)
    }

    deinit { for b in buffers { b.deallocate() } }

    func slot(_ k: Int) -> UnsafeMutableRawBufferPointer { buffers[k] }

    /// Encoder: the next buffer to fill, once the writer has written what it held.
    func nextFree() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while filled - written == buffers.count { condition.wait() }
        return filled % buffers.count
    }

    /// Encoder: buffer `k` holds `count` bytes to write.
    func fill(_ k: Int, count: Int) {
        condition.lock()
        counts[k] = count
        filled += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Encoder: nothing more comes.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Writer: the next filled buffer and its byte count; `nil` once all are written and the
    /// encoder finished.
    func nextFull() -> (Int, Int)? {
        condition.lock()
        defer { condition.unlock() }
        while written == filled && !finished { condition.wait() }
        guard written < filled else { return nil }
        let k = written % buffers.count
        return (k, counts[k])
    }

    /// Writer: buffer `k` is written (or failed) and free again.
    func release(_ k: Int) {
        condition.lock()
        written += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Writer: a write failed; the encoder stops at its next chunk.
    func fail(_ e: any Error) {
        condition.lock()
        if error == nil { error = e }
        condition.unlock()
    }

    var failure: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return error
    }

    func writerEnded() {
        condition.lock()
        writerDone = true
        condition.broadcast()
        condition.unlock()
    }

    func waitForWriter() {
        condition.lock()
        while !writerDone { condition.wait() }
        condition.unlock()
    }
}

extension String {
    fileprivate func trimmingCharactersInSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
