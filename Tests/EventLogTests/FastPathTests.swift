import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import EventLog

/// The fast path's shortcuts give what the tree path gives: a `UserData` that is one nested
/// value written as plain elements (as CAPI2 writes it), plans shared across chunks, sibling
/// numbering past the short list.
@Suite struct FastPathTests {
    typealias W = EVTXWriter

    /// `<Event><System>…</System><UserData>{nested binary XML}</UserData></Event>`.
    static func userDataTemplate() -> W.Template {
        var t = WindowsEvents.template(id: 0x7E57_0CA2)
        guard case .element(let n, let a, var children) = t.root else { return t }
        children[1] = .element("UserData", attrs: [], children: [.sub(WindowsEvents.firstData, type: 0x21, optional: true)])
        t.root = .element(n, attrs: a, children: children)
        return t
    }

    static func event(id: UInt64, nested: W.Value) -> W.Event {
        let s = WindowsEvents.Source(provider: "Microsoft-Windows-CAPI2", guid: WindowsEvents.guidBytes("5BBCA4A8-B209-48DC-A8C7-B23D3E5216FB"),
                                     eventSourceName: nil, channel: "Microsoft-Windows-CAPI2/Operational")
        let time = W.fileTime(2026, 11, 27, 8, 0, 0) + id
        let sys = WindowsEvents.system(s, eventID: 41, qualifiers: nil, level: 4, keywords: 0x4000_0000_0000_0005,
                                       time: time, recordID: id, pid: 1396, tid: 2132, computer: "WIN-M5327EF98B9")
        return W.Event(recordID: id, fileTime: time, template: userDataTemplate(), values: sys + [nested])
    }

    /// Nested values of several shapes, each also written as plain elements.
    static func nestedValues() -> [W.Value] {
        let cert: W.Node = .element("Certificate", attrs: [("fileRef", [.text("9617.cer")]), ("subjectName", [.text("Microsoft \"Corp\"")])], children: [])
        let many: [W.Node] = (0..<20).map { .element("Item", attrs: [("n", [.text("\($0)")])], children: []) }
        return [
            .binXML([.element("CertVerifyRevocation", attrs: [], children: [
                cert, cert,
                .element("Flags", attrs: [("value", [.text("4")])], children: []),
                .element("Result", attrs: [("value", [.text("0")])], children: [.text("line\r\nbreak")]),
                .element("Data", attrs: [("Name", [.text("Named")])], children: [.text("d")]),
                .element("Empty", attrs: [], children: []),
            ])]),
            .binXML([.element("List", attrs: [("xmlns", [.text("urn:x")])], children: many)]),
            .binXML([.element("A", attrs: [], children: [.text("x"), .entityRef("amp"), .charRef(0x42)]),
                     .element("A", attrs: [], children: [.cdata("c")])]),
            .binXML([.text("bare text")]),
            .binXML([]),
            .null,
        ]
    }

    @Test func plainElementsInUserDataMatchTreePath() throws {
        let values = Self.nestedValues()
        var events: [W.Event] = []
        for round in 0..<3 {
            for (k, v) in values.enumerated() { events.append(Self.event(id: UInt64(round * 10 + k + 1), nested: v)) }
        }
        // Several chunks: templates defined again in each, plans shared by fingerprint.
        try TempEVTX.withFile(W.file(events, recordsPerChunk: 5)) { path in
            let reader = try EVTXReader(path: FilePath(path))
            var fast: [Record] = [], slow: [Record] = []
            var s1 = ParseStats(), s2 = ParseStats()
            try reader.read(context: ParseContext(sourcePath: "capi2.evtx"), stats: &s1, fastPath: true) { fast.append($0) }
            try reader.read(context: ParseContext(sourcePath: "capi2.evtx"), stats: &s2, fastPath: false) { slow.append($0) }
            #expect(fast.count == events.count)
            #expect(s1 == s2)
            for (a, b) in zip(fast, slow) {
                #expect(a == b, "fast \(JSONLinesWriter().line(a)) tree \(JSONLinesWriter().line(b))")
            }
            let first = Dictionary(fast[0].winlog?.userData ?? [], uniquingKeysWith: { a, _ in a })
            #expect(first["CertVerifyRevocation/Certificate/@subjectName"] == "Microsoft \"Corp\"")
            #expect(first["CertVerifyRevocation/Certificate_1/@fileRef"] == "9617.cer")
            #expect(first["CertVerifyRevocation/Result"] == "line\r\nbreak")
            #expect(first["CertVerifyRevocation/Named"] == "d")
            #expect(first["CertVerifyRevocation/Empty"] == "")
            let list = Dictionary(fast[1].winlog?.userData ?? [], uniquingKeysWith: { a, _ in a })
            #expect(list["List/Item_19/@n"] == "19")
            #expect(list["List/@xmlns"] == nil)
            #expect(fast[0].message.hasPrefix("Microsoft-Windows-CAPI2 41: CertVerifyRevocation/Certificate/@fileRef=9617.cer"))
            #expect(fast[0].message.contains("line break"))
        }
    }
}
