/// Test support: templates shaped like the ones Windows writes (System block, then EventData), and
/// the demo site's Application and System logs built from them.
enum WindowsEvents {
    typealias W = EVTXWriter

    static let eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

    /// Substitution indices of the System block; EventData values start at `firstData`.
    static let firstData = 19

    /// `<Event><System>…</System><EventData>…</EventData></Event>`: `named` Data elements (by
    /// name) or `unnamed` ones, optionally followed by `<Binary>`.
    static func template(id: UInt32, named: [String] = [], unnamed: Int = 0, binary: Bool = false) -> W.Template {
        func sub(_ i: Int, _ t: UInt8, optional: Bool = true) -> W.Node { .sub(i, type: t, optional: optional) }
        let system: W.Node = .element("System", attrs: [], children: [
            .element("Provider", attrs: [("Name", [sub(0, 0x01)]), ("Guid", [sub(1, 0x0F)]), ("EventSourceName", [sub(2, 0x01)])], children: []),
            .element("EventID", attrs: [("Qualifiers", [sub(3, 0x06)])], children: [sub(4, 0x06, optional: false)]),
            .element("Version", attrs: [], children: [sub(5, 0x04)]),
            .element("Level", attrs: [], children: [sub(6, 0x04)]),
            .element("Task", attrs: [], children: [sub(7, 0x06)]),
            .element("Opcode", attrs: [], children: [sub(8, 0x04)]),
            .element("Keywords", attrs: [], children: [sub(9, 0x15)]),
            .element("TimeCreated", attrs: [("SystemTime", [sub(10, 0x11)])], children: []),
            .element("EventRecordID", attrs: [], children: [sub(11, 0x0A)]),
            .element("Correlation", attrs: [("ActivityID", [sub(12, 0x0F)]), ("RelatedActivityID", [sub(13, 0x0F)])], children: []),
            .element("Execution", attrs: [("ProcessID", [sub(14, 0x08)]), ("ThreadID", [sub(15, 0x08)])], children: []),
            .element("Channel", attrs: [], children: [sub(16, 0x01)]),
            .element("Computer", attrs: [], children: [sub(17, 0x01)]),
            .element("Security", attrs: [("UserID", [sub(18, 0x13)])], children: []),
        ])
        var data: [W.Node] = []
        var i = firstData
        for n in named {
            data.append(.element("Data", attrs: [("Name", [.text(n)])], children: [sub(i, 0x01)]))
            i += 1
        }
        for _ in 0..<unnamed {
            data.append(.element("Data", attrs: [], children: [sub(i, 0x01)]))
            i += 1
        }
        if binary { data.append(.element("Binary", attrs: [], children: [sub(i, 0x0E)])) }
        let root: W.Node = .element("Event", attrs: [("xmlns", [.text(eventNS)])], children: [
            system, .element("EventData", attrs: [], children: data),
        ])
        return W.Template(id: id, root: root)
    }

    struct Source {
        var provider: String
        var guid: [UInt8]?
        var eventSourceName: String?
        var channel: String
    }

    static func guidBytes(_ text: String) -> [UInt8] {
        let hex = text.filter { $0.isHexDigit }
        var raw: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { raw.append(UInt8(String([a, b]), radix: 16)!) }
        // On disk: Data1 (LE 32), Data2 (LE 16), Data3 (LE 16), Data4 (8 bytes as is).
        return [raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]] + raw[8..<16]
    }

    /// The System values (indices 0…18) of an event.
    static func system(_ s: Source, eventID: UInt16, qualifiers: UInt16?, level: UInt8, task: UInt16 = 0,
                       opcode: UInt8 = 0, keywords: UInt64, time: UInt64, recordID: UInt64,
                       pid: UInt32, tid: UInt32, computer: String, user: W.Value = .null) -> [W.Value] {
        [
            .string(s.provider), s.guid.map { .guid($0) } ?? .null, s.eventSourceName.map { .string($0) } ?? .null,
            qualifiers.map { .uint16($0) } ?? .null, .uint16(eventID), .uint8(0), .uint8(level), .uint16(task),
            .uint8(opcode), .hexInt64(keywords), .fileTime(time), .uint64(recordID), .null, .null,
            .uint32(pid), .uint32(tid), .string(s.channel), .string(computer), user,
        ]
    }

    static let computer = "WEBBRIX-SRV01"
    static let localSystem: W.Value = .sid(1, 5, [18])

    // MARK: - Demo site

    static let classicKeywords: UInt64 = 0x0080_0000_0000_0000

    /// The demo site's System.evtx events.
    static func demoSystem() -> [W.Event] {
        let eventLog = Source(provider: "EventLog", guid: nil, eventSourceName: nil, channel: "System")
        let kernelPower = Source(provider: "Microsoft-Windows-Kernel-Power", guid: guidBytes("331C3B3A-2005-44C2-AC5E-77220C37D6B4"), eventSourceName: nil, channel: "System")
        let scm = Source(provider: "Service Control Manager", guid: guidBytes("555908D1-A6D7-4695-8E1E-26931D2012F4"), eventSourceName: "Service Control Manager", channel: "System")
        let binaryTemplate = template(id: 0x5E00_0001, binary: true)
        let t6008 = template(id: 0x5E00_0002, unnamed: 7, binary: true)
        let kp41 = kernelPower41Template()
        let t7031 = template(id: 0x5E00_0004, named: ["param1", "param2", "param3", "param4", "param5"], binary: true)
        let t7034 = template(id: 0x5E00_0005, named: ["param1", "param2"], binary: true)
        let t7000 = template(id: 0x5E00_0006, named: ["param1", "param2"], binary: true)
        let t6013 = template(id: 0x5E00_0007, unnamed: 7, binary: true)

        var events: [W.Event] = []
        var id: UInt64 = 4100
        func add(_ t: W.Template, _ sys: [W.Value], _ data: [W.Value]) {
            events.append(W.Event(recordID: id, fileTime: sys[10].fileTimeValue, template: t, values: sys + data))
            id += 1
        }
        func sys(_ s: Source, _ eventID: UInt16, _ q: UInt16?, _ level: UInt8, _ time: UInt64, task: UInt16 = 0, keywords: UInt64 = classicKeywords, pid: UInt32 = 0, tid: UInt32 = 0, user: W.Value = .null) -> [W.Value] {
            system(s, eventID: eventID, qualifiers: q, level: level, task: task, keywords: keywords, time: time, recordID: id, pid: pid, tid: tid, computer: computer, user: user)
        }
        let boot1 = W.fileTime(2026, 11, 20, 7, 58, 12, micro: 480_112)
        add(binaryTemplate, sys(eventLog, 6005, 32768, 4, boot1), [.binary([0xE2, 0x07, 0x0B, 0x00, 0x05, 0x00, 0x14, 0x00])])
        add(t7000, sys(scm, 7000, 49152, 2, boot1 + 41 * 10_000_000, pid: 688, tid: 3120),
            ["SQL Server Agent (MSSQLSERVER)", "%%1069"].map { .string($0) } + [.binary([])])
        add(binaryTemplate, sys(eventLog, 6006, 32768, 4, W.fileTime(2026, 11, 21, 22, 4, 51, micro: 2_200)), [.binary([0xE2, 0x07])])
        let boot2 = W.fileTime(2026, 11, 21, 22, 6, 30, micro: 734_501)
        add(binaryTemplate, sys(eventLog, 6005, 32768, 4, boot2), [.binary([0xE2, 0x07, 0x0B, 0x00])])
        add(t7034, sys(scm, 7034, 49152, 2, W.fileTime(2026, 11, 23, 3, 2, 17, micro: 118_250), pid: 692, tid: 4410),
            [.string("WebBRIX Access Service"), .string("2"), .binary([0x57, 0x00, 0x65, 0x00])])
        add(t7031, sys(scm, 7031, 49152, 2, W.fileTime(2026, 11, 23, 3, 5, 40, micro: 903_377), pid: 692, tid: 4410),
            ["WebBRIX Access Service", "1", "60000", "1", "Restart the service"].map { .string($0) } + [.binary([0x57, 0x00, 0x65, 0x00])])
        // Power lost without a clean shutdown: Kernel-Power 41 and EventLog 6008 on the next boot.
        let boot3 = W.fileTime(2026, 11, 23, 3, 14, 2, micro: 250_010)
        add(binaryTemplate, sys(eventLog, 6005, 32768, 4, boot3 + 9 * 10_000_000), [.binary([0xE2, 0x07, 0x0B, 0x00])])
        add(t6008, sys(eventLog, 6008, 32768, 2, boot3 + 10 * 10_000_000),
            ["3:12:44 AM", "11/23/2026", "", "", "9785", "", ""].map { .string($0) } + [.binary([0xEA, 0x07, 0x0B, 0x00, 0x01, 0x00, 0x17, 0x00])])
        add(kp41, system(kernelPower, eventID: 41, qualifiers: nil, level: 1, task: 63, opcode: 0, keywords: 0x8000_4000_0000_0002,
                         time: boot3 + 12 * 10_000_000, recordID: id, pid: 4, tid: 8, computer: computer, user: localSystem),
            [.uint32(0), .hexInt64(0), .hexInt64(0), .hexInt64(0), .hexInt64(0), .uint32(0), .uint64(0), .uint32(0),
             .uint32(0), .bool(0), .uint32(0), .string("{00000000-0000-0000-0000-000000000000}"), .bool(0), .uint32(0), .bool(0)])
        add(t7034, sys(scm, 7034, 49152, 2, W.fileTime(2026, 11, 24, 14, 41, 9, micro: 55_001), pid: 700, tid: 2216),
            [.string("WebBRIX Access Service"), .string("1"), .binary([])])
        // The daily uptime event (noon local): its last value is the zone's bias and standard name.
        add(t6013, sys(eventLog, 6013, 32768, 4, W.fileTime(2026, 11, 24, 17, 0, 0, micro: 412_300)),
            ["", "", "", "", "139558", "60", "300 Eastern Standard Time"].map { .string($0) } + [.binary([0x31, 0x00, 0x2E, 0x00])])
        add(binaryTemplate, sys(eventLog, 6006, 32768, 4, W.fileTime(2026, 11, 25, 18, 30, 0, micro: 17_330)), [.binary([0xEA, 0x07])])
        let boot4 = W.fileTime(2026, 11, 25, 18, 32, 44, micro: 610_400)
        add(binaryTemplate, sys(eventLog, 6005, 32768, 4, boot4), [.binary([0xEA, 0x07, 0x0B, 0x00])])
        add(t7031, sys(scm, 7031, 49152, 2, W.fileTime(2026, 11, 26, 9, 12, 3, micro: 400_000), pid: 704, tid: 1980),
            ["WebBRIX Access Service", "1", "60000", "1", "Restart the service"].map { .string($0) } + [.binary([])])
        return events
    }

    /// Kernel-Power 41 with its typed fields, as Windows writes them.
    static func kernelPower41Template() -> W.Template {
        let names: [(String, UInt8)] = [
            ("BugcheckCode", 0x08), ("BugcheckParameter1", 0x15), ("BugcheckParameter2", 0x15),
            ("BugcheckParameter3", 0x15), ("BugcheckParameter4", 0x15), ("SleepInProgress", 0x08),
            ("PowerButtonTimestamp", 0x0A), ("BootAppStatus", 0x08), ("Checkpoint", 0x08),
            ("ConnectedStandbyInProgress", 0x0D), ("SystemSleepTransitionsToOn", 0x08),
            ("CsEntryScenarioInstanceId", 0x01), ("BugcheckInfoFromEFI", 0x0D), ("CheckpointStatus", 0x08),
            ("LongPowerButtonPressDetected", 0x0D),
        ]
        var t = template(id: 0x5E00_0041)
        guard case .element(let n, let a, var children) = t.root else { return t }
        children[1] = .element("EventData", attrs: [], children: names.enumerated().map { i, f in
            .element("Data", attrs: [("Name", [.text(f.0)])], children: [.sub(firstData + i, type: f.1, optional: true)])
        })
        t.root = .element(n, attrs: a, children: children)
        return t
    }

    /// The demo site's Application.evtx events.
    static func demoApplication() -> [W.Event] {
        let msi = Source(provider: "MsiInstaller", guid: nil, eventSourceName: nil, channel: "Application")
        let sql = Source(provider: "MSSQLSERVER", guid: nil, eventSourceName: nil, channel: "Application")
        let appError = Source(provider: "Application Error", guid: nil, eventSourceName: nil, channel: "Application")
        let msiT = template(id: 0x5A00_0001, unnamed: 7, binary: true)
        let sqlT = template(id: 0x5A00_0002, unnamed: 1, binary: true)
        let errT = template(id: 0x5A00_0003, unnamed: 14)
        var events: [W.Event] = []
        var id: UInt64 = 9200
        func add(_ t: W.Template, _ s: Source, _ eventID: UInt16, _ q: UInt16, _ level: UInt8, _ time: UInt64,
                 keywords: UInt64 = classicKeywords, user: W.Value = .null, _ data: [W.Value]) {
            let sys = system(s, eventID: eventID, qualifiers: q, level: level, keywords: keywords, time: time,
                             recordID: id, pid: 0, tid: 0, computer: computer, user: user)
            events.append(W.Event(recordID: id, fileTime: time, template: t, values: sys + data))
            id += 1
        }
        let admin: W.Value = .sid(1, 5, [21, 3_623_811_015, 3_361_044_348, 30_300_820, 500])
        let installTime = W.fileTime(2026, 11, 22, 10, 17, 5, micro: 331_800)
        add(msiT, msi, 11708, 0, 4, installTime, user: admin,
            ["Product: WebBRIX Server 5.2 -- Installation failed.", "(NULL)", "(NULL)", "(NULL)", "(NULL)", "(NULL)", ""].map { .string($0) }
                + [.binary(Array("{6F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}".utf8))])
        add(msiT, msi, 1033, 0, 4, installTime + 2_000_000, user: admin,
            ["WebBRIX Server 5.2", "5.2.1048", "1033", "1603", "AMT Access Management", "(NULL)", ""].map { .string($0) }
                + [.binary(Array("(NULL)".utf8))])
        let loginFailed = "Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.5]"
        for t in [W.fileTime(2026, 11, 24, 8, 0, 12, micro: 517_000), W.fileTime(2026, 11, 24, 8, 0, 14, micro: 2_300),
                  W.fileTime(2026, 11, 24, 8, 0, 19, micro: 88_900)] {
            add(sqlT, sql, 18456, 49152, 0, t, keywords: 0x0090_0000_0000_0000,
                [.string(loginFailed), .binary([0x18, 0x48, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00])])
        }
        add(errT, appError, 1000, 0, 2, W.fileTime(2026, 11, 25, 16, 44, 31, micro: 740_120),
            ["WebBRIX.Service.exe", "5.2.1048.0", "6720a3f1", "KERNELBASE.dll", "10.0.17763.5830", "e1a0b2c4",
             "e0434352", "000000000003b6a9", "1a3c", "01db3f2a9c8e7d10", "C:\\Program Files\\AMT\\WebBRIX\\WebBRIX.Service.exe",
             "C:\\Windows\\System32\\KERNELBASE.dll", "8f2d4c1e-5b6a-4d7e-9f80-1a2b3c4d5e6f", ""].map { .string($0) })
        return events
    }
}

extension EVTXWriter.Value {
    var fileTimeValue: UInt64 {
        if case .fileTime(let t) = self { return t }
        return 0
    }
}
