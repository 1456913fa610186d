@testable import Bundler
import Foundation
import Testing

/// The attachment encoder against Foundation's base64, line by line.
@Suite struct Base64LineTests {
    @Test(arguments: [0, 1, 2, 3, 4, 56, 57, 58, 59, 113, 114, 115, 171, 1000, 57 * 1024, 57 * 1024 + 5])
    func encodeLinesMatchesFoundation(count: Int) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D &+ UInt64(count)
        let bytes = (0..<count).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        var expected = ""
        var start = 0
        while start < count {
            let end = min(count, start + 57)
            expected += Data(bytes[start..<end]).base64EncodedString() + "\r\n"
            start = end
        }
        let room = MailMessage.encodedLineBytes(count)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, room), alignment: 16)
        defer { out.deallocate() }
        let written = bytes.withUnsafeBytes { MailMessage.encodeLines($0, to: out.baseAddress!) }
        #expect(written == room)
        #expect(String(decoding: UnsafeRawBufferPointer(rebasing: out[0..<written]), as: UTF8.self) == expected)
    }
}
