import Testing
@testable import EventLog

/// Byte-level decoding: UTF-16 strings, hex, GUIDs, SIDs, the bounds-checked view.
@Suite struct DecodingTests {
    static func withView<T>(_ bytes: [UInt8], _ body: (ByteView) -> T) -> T {
        bytes.withUnsafeBytes { body(ByteView($0)) }
    }

    static func utf16(_ units: [UInt16]) -> [UInt8] { units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    @Test func utf16Strings() {
        #expect(Self.withView(Self.utf16(Array("plain".utf16))) { $0.utf16(0, units: 5) } == "plain")
        #expect(Self.withView(Self.utf16(Array("ünï ✓ 😀".utf16))) { $0.utf16(0, units: 8) } == "ünï ✓ 😀")
        // Trailing NULs dropped, a lone surrogate becomes U+FFFD, short input gives nil.
        #expect(Self.withView(Self.utf16([0x41, 0, 0])) { $0.utf16(0, units: 3) } == "A")
        #expect(Self.withView(Self.utf16([0x41, 0xD800, 0x42])) { $0.utf16(0, units: 3) } == "A\u{FFFD}B")
        #expect(Self.withView(Self.utf16([0xDC00])) { $0.utf16(0, units: 1) } == "\u{FFFD}")
        #expect(Self.withView([0x41, 0x00, 0x42]) { $0.utf16(0, units: 2) } == nil)
    }

    @Test func boundsNeverTrap() {
        Self.withView([1, 2, 3]) { v in
            #expect(v.u8(2) == 3 && v.u8(3) == nil && v.u8(-1) == nil)
            #expect(v.u16(1) == 0x0302 && v.u16(2) == nil)
            #expect(v.u32(0) == nil && v.u64(Int.max - 2) == nil)
            #expect(!v.has(Int.max, 8) && !v.has(0, -1))
        }
    }

    @Test func renderings() {
        #expect(Render.hex(0) == "0x0" && Render.hex(0x3E7) == "0x3e7" && Render.hex(.max) == "0xffffffffffffffff")
        let guid: [UInt8] = [0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D]
        #expect(Self.withView(guid) { ValueDecoder.guid($0, 0) } == "54849625-5478-4994-A5BA-3E3B0328C30D")
        let sid: [UInt8] = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0]
        #expect(Self.withView(sid) { ValueDecoder.sid($0, 0, 16) } == "S-1-5-32-544")
        #expect(Self.withView(sid) { ValueDecoder.sid($0, 0, 12) } == nil)
        #expect(XValue.array([.string("a\"b"), .uint(3)]).flat == #"["a\"b", 3]"#)
        #expect(XValue.real(1e-5).flat == "1e-05" && XValue.real(2).flat == "2.0")
    }
}
