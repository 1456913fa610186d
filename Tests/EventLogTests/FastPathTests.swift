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

    /// Reads `bytes` both ways and requires the same records (as JSON lines) and record count.
    static func bothPaths(_ path: FilePath) throws -> (fast: [String], tree: [String], fastStats: ParseStats, treeStats: ParseStats) {
        let reader = try EVTXReader(path: path)
        var fast: [String] = [], tree: [String] = []
        var s1 = ParseStats(), s2 = ParseStats()
        let w = JSONLinesWriter()
        try reader.read(context: ParseContext(sourcePath: "x.evtx"), stats: &s1, fastPath: true) { fast.append(w.line($0)) }
        try reader.read(context: ParseContext(sourcePath: "x.evtx"), stats: &s2, fastPath: false) { tree.append(w.line($0)) }
        return (fast, tree, s1, s2)
    }

    /// A value of a type code the format does not define keeps its record on both paths (shown
    /// as hex where the record uses it, counted as `values_undecodable` by the tree); a defined
    /// type whose bytes do not hold it (a SID whose count runs past its size) fails its record
    /// on both.
    @Test func undecodableValuesKeepTheirRecordOnBothPaths() throws {
        let s = WindowsEvents.Source(provider: "Microsoft-Windows-GroupPolicy", guid: WindowsEvents.guidBytes("AEA1B4FA-97D1-45F2-A64C-4D69FFFD92C9"),
                                     eventSourceName: nil, channel: "Microsoft-Windows-GroupPolicy/Operational")
        let t = WindowsEvents.template(id: 0x0BAD_7A1E, named: ["PolicyActivityId", "IsMachine"])
        let time = W.fileTime(2026, 11, 27, 8, 0, 0)
        func sys(_ id: UInt64, user: W.Value = .null) -> [W.Value] {
            WindowsEvents.system(s, eventID: 4001, qualifiers: nil, level: 4, keywords: 0x4000_0000_0000_0000,
                                 time: time + id, recordID: id, pid: 960, tid: 2984, computer: "WIN-GP", user: user)
        }
        var unusedRecordID = sys(1)
        unusedRecordID[11] = .raw(0x1A, [1, 0, 0, 0, 0, 0, 0, 0])  // EventRecordID: not used (the header's id is)
        let badSID: W.Value = .raw(0x13, [1, 9, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0])  // 9 sub-authorities in 12 bytes
        let events = [
            W.Event(recordID: 1, fileTime: time + 1, template: t, values: unusedRecordID + [.string("A"), .string("0")]),
            W.Event(recordID: 2, fileTime: time + 2, template: t, values: sys(2) + [.raw(0x1A, [0xDE, 0xAD]), .string("1")]),
            W.Event(recordID: 3, fileTime: time + 3, template: t, values: sys(3, user: badSID) + [.string("C"), .string("0")]),
            W.Event(recordID: 4, fileTime: time + 4, template: t, values: sys(4) + [.string("D"), .string("1")]),
        ]
        try TempEVTX.withFile(W.file(events)) { path in
            let r = try Self.bothPaths(FilePath(path))
            // The bad SID is a defined type that does not decode: its record fails on both paths.
            #expect(r.fast.count == 3)
            #expect(r.fast == r.tree)
            #expect(r.fastStats.records == 3 && r.treeStats.records == 3)
            #expect(r.treeStats.counters["records_failed"] == 1)
            #expect(r.fastStats.counters["records_failed"] == 1)
            #expect(r.treeStats.counters["values_undecodable"] == 2)
            #expect(r.tree.count == 3 && r.tree[1].contains(#""PolicyActivityId":"DEAD""#), "\(r.tree.dropFirst().first ?? "")")
        }
    }

    /// The EVTX inputs in Fixtures/crashes (each once made the two paths disagree or a reader
    /// trap) give the same records both ways.
    @Test func crashInputsReadTheSameBothWays() throws {
        let folder = Samples.packageRoot.appendingPathComponent("Fixtures/crashes")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".evtx") }.sorted()
        #expect(!names.isEmpty, "Fixtures/crashes has no EVTX input")
        for name in names {
            let r = try Self.bothPaths(FilePath(folder.appendingPathComponent(name).path))
            #expect(r.fast == r.tree, "\(name): \(r.fast.count) records by the fast path, \(r.tree.count) by the tree")
            #expect(r.fastStats.records == r.treeStats.records, "\(name)")
        }
    }
}
