@testable import Parsers
import Testing

/// Lines joined in one allocation must read as `joined(separator: "\n")` does, with the first
/// line cut as a `String` index would cut it.
@Suite struct TextJoinTests {
    @Test func joinsAsTheStandardLibraryDoes() {
        let lines = ["System.Exception: bad “quote”", "   at A.B()", "", "   at Ç.D() ✓"]
        for start in 0..<lines.count {
            let want = lines[start...].joined(separator: "\n")
            #expect(TextJoin.lines(lines, start..<lines.count) == want)
        }
        #expect(TextJoin.lines(first: lines[0], more: Array(lines.dropFirst()), moreCount: 2)
                == lines[0...2].joined(separator: "\n"))
        #expect(TextJoin.lines([], 0..<0) == "")
        #expect(TextJoin.lines(["abc"], 0..<1, skip: 3) == "")
    }

    @Test func skipEndsOnACharacter() {
        let first = "é: x"  // "é" is two UTF-8 bytes
        let u = first.utf8
        for skip in 0...u.count + 2 {
            let clamped = min(skip, u.count)
            var i = u.index(u.startIndex, offsetBy: clamped)
            while i > u.startIndex, i < u.endIndex, u[i] & 0xC0 == 0x80 { i = u.index(before: i) }
            let want = String(first[i...]) + "\nnext"
            #expect(TextJoin.lines([first, "next"], 0..<2, skip: skip) == want, "skip \(skip)")
        }
    }
}
