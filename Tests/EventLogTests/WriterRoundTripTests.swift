import Foundation
import SystemPackage
import LogRecord
import Testing
@testable import EventLog

/// Files written by the test writer read back equal: every value type, templates reused across
/// records and chunks, nested binary XML, references, and injected damage.
@Suite struct WriterRoundTripTests {
    typealias W = EVTXWriter

    /// (name, value, expected flattened string) for every substitution type.
    static let typed: [(String, W.Value, String)] = [
        ("String", .string("héllo wörld ✓ \u{1F600}"), "héllo wörld ✓ \u{1F600}"),
        ("EmptyString", .string(""), ""),
        ("Ansi", .ansi("plain ansi"), "plain ansi"),
        ("Int8", .int8(-5), "-5"),
        ("UInt8", .uint8(250), "250"),
        ("Int16", .int16(-300), "-300"),
        ("UInt16", .uint16(65000), "65000"),
        ("Int32", .int32(-70000), "-70000"),
        ("UInt32", .uint32(4_000_000_000), "4000000000"),
        ("Int64", .int64(-5_000_000_000), "-5000000000"),
        ("UInt64", .uint64(.max), "18446744073709551615"),
        ("Real32", .real32(1.5), "1.5"),
        ("Real64", .real64(0.25), "0.25"),
        ("BoolTrue", .bool(1), "true"),
        ("BoolFalse", .bool(0), "false"),
        ("BoolIrregular", .bool(16), "16"),
        ("Binary", .binary([0xDE, 0xAD, 0x00, 0x01]), "DEAD0001"),
        ("Guid", .guid(WindowsEvents.guidBytes("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0")), "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"),
        ("SizeT32", .sizeT32(0x1234), "0x1234"),
        ("SizeT64", .sizeT64(0xAB_CDEF_0123), "0xabcdef0123"),
        ("FileTime", .fileTime(W.fileTime(2026, 11, 20, 7, 58, 12, micro: 480_112) + 3), "2026-11-20T07:58:12.480112Z"),
        ("SystemTime", .systemTime([2026, 11, 5, 20, 7, 58, 12, 480]), "2026-11-20T07:58:12.480000Z"),
        ("Sid", .sid(1, 5, [21, 1, 2, 3, 500]), "S-1-5-21-1-2-3-500"),
        ("HexInt32", .hexInt32(0xFF), "0xff"),
        ("HexInt64", .hexInt64(0), "0x0"),
        ("StringArray", .stringArray(["a", "b c"]), #"["a", "b c"]"#),
        ("UInt16Array", .uint16Array([1, 2]), "[1, 2]"),
        ("UInt32Array", .uint32Array([7]), "[7]"),
        ("Int64Array", .int64Array([-1, 5]), "[-1, 5]"),
        ("GuidArray", .guidArray([WindowsEvents.guidBytes("00000000-0000-0000-0000-000000000001")]), #"["00000000-0000-0000-0000-000000000001"]"#),
        ("FileTimeArray", .fileTimeArray([W.fileTime(2026, 11, 21, 0, 0, 0)]), #"["2026-11-21T00:00:00.000000Z"]"#),
        ("Null", .null, ""),
    ]

    static func typedTemplate(references: Bool = true) -> W.Template {
        var t = WindowsEvents.template(id: 0x7E57_0001)
        guard case .element(let n, let a, var children) = t.root else { return t }
        var data: [W.Node] = typed.enumerated().map { i, f in
            .element("Data", attrs: [("Name", [.text(f.0)])], children: [.sub(WindowsEvents.firstData + i, type: f.1.typeCode, optional: true)])
        }
        let nested = WindowsEvents.firstData + typed.count
        data.append(.element("Data", attrs: [("Name", [.text("Nested")])], children: [.sub(nested, type: 0x21, optional: true)]))
        if references {
            data.append(.element("Data", attrs: [("Name", [.text("Refs")])], children: [.text("a"), .entityRef("amp"), .charRef(0x42), .text("c")]))
        }
        children[1] = .element("EventData", attrs: [], children: data)
        t.root = .element(n, attrs: a, children: children)
        return t
    }

    static func typedEvent(id: UInt64, references: Bool = true) -> W.Event {
        let s = WindowsEvents.Source(provider: "Test-Provider", guid: WindowsEvents.guidBytes("11111111-2222-3333-4444-555555555555"), eventSourceName: nil, channel: "Test/Operational")
        let time = W.fileTime(2026, 11, 20, 12, 0, 0, micro: 123_456) + 7
        let sys = WindowsEvents.system(s, eventID: 4242, qualifiers: 16384, level: 3, task: 12, opcode: 1, keywords: 0x8000_0000_0000_0000,
                                       time: time, recordID: id, pid: 1234, tid: 5678, computer: "WEBBRIX-SRV01", user: .sid(1, 5, [18]))
        let nested: W.Value = .binXML([.element("Inner", attrs: [("a", [.text("1")])], children: [.text("x")])])
        return W.Event(recordID: id, fileTime: time + 10_000, template: typedTemplate(references: references), values: sys + typed.map(\.1) + [nested])
    }

    @Test func everyValueTypeRoundTrips() throws {
        let (records, stats) = try TempEVTX.records(W.file([Self.typedEvent(id: 1), Self.typedEvent(id: 2)]))
        #expect(records.count == 2)
        #expect(stats.records == 2 && stats.parseErrors == 0)
        #expect(stats.counters["checksum_failures"] == 0 && stats.counters["chunks"] == 1)
        let r = try #require(records.first)
        let w = try #require(r.winlog)
        let data = Dictionary(w.eventData, uniquingKeysWith: { a, _ in a })
        for (name, _, expected) in Self.typed {
            #expect(data[name] == expected, "\(name)")
        }
        #expect(data["Nested/Inner/@a"] == "1")
        #expect(data["Nested/Inner"] == "x")
        #expect(data["Refs"] == "a&Bc")
        #expect(w.eventID == 4242 && w.qualifiers == 16384 && w.level == 3 && w.task == 12 && w.opcode == 1)
        #expect(w.keywords == "0x8000000000000000")
        #expect(w.providerName == "Test-Provider" && w.providerGUID == "11111111-2222-3333-4444-555555555555")
        #expect(w.channel == "Test/Operational" && w.computerName == "WEBBRIX-SRV01" && w.userID == "S-1-5-18")
        #expect(w.recordID == 1)
        #expect(r.processID == 1234 && r.threadID == 5678)
        #expect(r.timestamp?.iso8601 == "2026-11-20T12:00:00.123456Z")
        #expect(r.level == .warning && r.code == "4242" && r.provider == "Test-Provider" && r.hostName == "WEBBRIX-SRV01")
        #expect(r.dataset == Dataset.evtx && r.timeSource == .utc)
        #expect(r.filePath == "Windows/System32/winevt/Logs/Test.evtx")
        #expect(r.message.hasPrefix("Test-Provider 4242: String=héllo wörld ✓"))
        // The dropped optional attributes (Guid absent in no source here, ActivityID null) stay out.
        #expect(w.activityID == nil)
        #expect(records[1].winlog?.eventData.count == w.eventData.count)
    }

    @Test func xmlRendering() throws {
        let xml = try TempEVTX.xml(W.file([Self.typedEvent(id: 1)]))
        #expect(xml.count == 1)
        let x = try #require(xml.first)
        #expect(x.contains(#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">"#))
        #expect(x.contains(#"<EventID Qualifiers="16384">4242</EventID>"#))
        #expect(x.contains(#"<Data Name="Sid">S-1-5-21-1-2-3-500</Data>"#))
        #expect(x.contains(#"<Inner a="1">x</Inner>"#))
        #expect(x.contains(#"<Data Name="Refs">a&amp;&#66;c</Data>"#))
        #expect(x.contains("<Correlation/>"))
    }

    /// Random events over many chunks: templates are defined once per chunk and referenced by
    /// later records; every record reads back with its id, time and data.
    @Test(arguments: [1, 7, 50])
    func randomEventsAcrossChunks(recordsPerChunk: Int) throws {
        var rng = SplitMix(seed: UInt64(recordsPerChunk))
        let templates = (0..<4).map { k in
            WindowsEvents.template(id: 0x7000_0000 + UInt32(k), named: (0..<(k + 1)).map { "Field\($0)" })
        }
        let s = WindowsEvents.Source(provider: "Prop", guid: nil, eventSourceName: nil, channel: "Application")
        var events: [W.Event] = []
        var expected: [(UInt64, [(String, String)])] = []
        for id in 1...300 as ClosedRange<UInt64> {
            let k = Int(rng.next() % 4)
            let time = W.fileTime(2026, 11, 20, 0, 0, 0) + rng.next() % 6_000_000_000_000
            var data: [W.Value] = []
            var flat: [(String, String)] = []
            for f in 0...k {
                let text = rng.text()
                data.append(.string(text))
                flat.append(("Field\(f)", text))
            }
            let sys = WindowsEvents.system(s, eventID: UInt16(rng.next() % 65535), qualifiers: nil, level: UInt8(rng.next() % 6),
                                           keywords: rng.next(), time: time, recordID: id, pid: 1, tid: 2, computer: "HOST")
            events.append(W.Event(recordID: id, fileTime: time, template: templates[k], values: sys + data))
            expected.append((id, flat))
        }
        let bytes = W.file(events, recordsPerChunk: recordsPerChunk)
        let (records, stats) = try TempEVTX.records(bytes)
        #expect(stats.parseErrors == 0)
        #expect(records.count == events.count)
        for (r, e) in zip(records, zip(events, expected)) {
            #expect(r.winlog?.recordID == e.0.recordID)
            #expect(r.timestamp == Timestamp(fileTime: e.0.fileTime))
            #expect(r.winlog?.eventData.elementsEqual(e.1.1, by: { $0 == $1 }) == true)
        }
    }

    @Test func badChecksumIsCountedAndParsed() throws {
        let events = (1...20).map { Self.typedEvent(id: UInt64($0)) }
        var damage = W.Damage()
        damage.badChecksumChunks = [0]
        let (records, stats) = try TempEVTX.records(W.file(events, recordsPerChunk: 10, damage: damage))
        #expect(records.count == 20)
        #expect(stats.counters["checksum_failures"] == 1)
        #expect(records[0].extra("evtx.checksum_ok") == .bool(false))
        #expect(records[10].extra("evtx.checksum_ok") == nil)
    }

    @Test func noChecksumFlagIsHonoured() throws {
        var damage = W.Damage()
        damage.noChecksums = true
        let (records, stats) = try TempEVTX.records(W.file([Self.typedEvent(id: 1)], damage: damage))
        #expect(records.count == 1)
        #expect(stats.counters["checksum_failures"] == 0)
    }

    @Test func badMagicSkipsOnlyThatChunk() throws {
        let events = (1...30).map { Self.typedEvent(id: UInt64($0)) }
        var damage = W.Damage()
        damage.badMagicChunks = [1]
        let (records, stats) = try TempEVTX.records(W.file(events, recordsPerChunk: 10, damage: damage))
        #expect(records.map { $0.winlog!.recordID! } == Array(1...10) + Array(21...30))
        #expect(stats.counters["chunks_skipped"] == 1)
        #expect(stats.counters["chunks"] == 2)
    }

    @Test func cutRecordFailsAloneAndTheRestIsRecovered() throws {
        let events = (1...10).map { Self.typedEvent(id: UInt64($0)) }
        var damage = W.Damage()
        damage.cutRecords = [4]
        let (records, stats) = try TempEVTX.records(W.file(events, damage: damage))
        #expect(records.map { $0.winlog!.recordID! } == [1, 2, 3, 5, 6, 7, 8, 9, 10])
        #expect(stats.counters["records_failed"] == 1)
        #expect(stats.parseErrors == 1)
        #expect(stats.counters["records_carved"] == 1)
        #expect(stats.problems.contains { $0.contains("record 4") })
    }

    @Test func recordWithGarbageHeaderIsCarvedPast() throws {
        let events = (1...6).map { Self.typedEvent(id: UInt64($0)) }
        var bytes = W.file(events)
        // Break the size of record 3 (and its copy) so the walk must scan for the next signature.
        let chunk = 4096
        var off = 512
        for _ in 0..<2 { off += Int(bytes[chunk + off + 4]) | Int(bytes[chunk + off + 5]) << 8 }
        bytes[chunk + off + 4] = 0xFF; bytes[chunk + off + 5] = 0xFF; bytes[chunk + off + 6] = 0xFF
        let (records, stats) = try TempEVTX.records(bytes)
        #expect(records.map { $0.winlog!.recordID! } == [1, 2, 4, 5, 6])
        #expect(stats.counters["records_failed"] == 1)
        #expect(stats.counters["records_carved"] == 1)
    }

    @Test func notAnEVTXFileThrowsNamingThePath() throws {
        let error = try TempEVTX.withFile(Array("hello, this is not an event log at all".utf8)) { path in
            #expect(throws: EVTXError.self) { try EVTXReader(path: .init(path)) }
            do { _ = try EVTXReader(path: .init(path)); return "" } catch { return "\(error)" }
        }
        #expect(error.contains(".evtx"))
        #expect(throws: EVTXError.self) { try EVTXReader(path: "/nonexistent/dir/System.evtx") }
    }
}

/// Deterministic pseudo-random numbers for property and fuzz tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func text() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789-_.:/\\'\"<>&äöüßé€✓日本")
        let n = Int(next() % 40)
        return String((0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }
}
