import LogRecord

/// The `System` facts of an event that its record holds, and where each stands below `System`:
/// the one table from event fields to record fields, read by the tree path
/// (`EventFacts.record`) and by compiled templates (`Plan`, its direct JSON writer included).
enum SystemField: Int, CaseIterable {
    case providerName, providerGUID, eventID, qualifiers, version, level, task, opcode, keywords,
         timeCreated, activityID, processID, threadID, channel, computer, userID

    /// Where a field's value stands below `System`.
    struct Place {
        /// The element's name.
        var element: String
        /// The attribute holding the value; `nil`: the element's character data.
        var attribute: String?
    }

    var place: Place {
        switch self {
        case .providerName: Place(element: "Provider", attribute: "Name")
        case .providerGUID: Place(element: "Provider", attribute: "Guid")
        case .eventID: Place(element: "EventID")
        case .qualifiers: Place(element: "EventID", attribute: "Qualifiers")
        case .version: Place(element: "Version")
        case .level: Place(element: "Level")
        case .task: Place(element: "Task")
        case .opcode: Place(element: "Opcode")
        case .keywords: Place(element: "Keywords")
        case .timeCreated: Place(element: "TimeCreated", attribute: "SystemTime")
        case .activityID: Place(element: "Correlation", attribute: "ActivityID")
        case .processID: Place(element: "Execution", attribute: "ProcessID")
        case .threadID: Place(element: "Execution", attribute: "ThreadID")
        case .channel: Place(element: "Channel")
        case .computer: Place(element: "Computer")
        case .userID: Place(element: "Security", attribute: "UserID")
        }
    }

    /// The fields that an element of `System` named `element` holds (none for most names). An
    /// element that appears again replaces the values of the earlier one, absent ones included.
    static func fields(of element: String) -> [SystemField] {
        byElement[element] ?? []
    }

    private static let byElement: [String: [SystemField]] =
        Dictionary(grouping: allCases, by: { $0.place.element })
}

/// The `System` facts of one event as the record holds them, before the record is made.
struct SystemFacts {
    var winlog = Winlog()
    var created: Timestamp?
    var processID: Int?
    var threadID: Int?

    /// Reads every field once, in `SystemField` order, through the reader's four ways of giving
    /// a field: as text, as a GUID's text (`EventFacts.guidText`), as an integer, as a value.
    @inline(__always)
    init(recordID: UInt64?, text: (SystemField) -> String?, guid: (SystemField) -> String?,
         integer: (SystemField) -> Int?, value: (SystemField) -> XValue?) {
        winlog.recordID = recordID
        winlog.providerName = text(.providerName)
        winlog.providerGUID = guid(.providerGUID)
        winlog.eventID = integer(.eventID)
        winlog.qualifiers = integer(.qualifiers)
        winlog.version = integer(.version)
        winlog.level = integer(.level)
        winlog.task = integer(.task)
        winlog.opcode = integer(.opcode)
        winlog.keywords = text(.keywords)
        created = value(.timeCreated).flatMap(EventFacts.timeCreated)
        winlog.activityID = guid(.activityID)
        processID = integer(.processID)
        threadID = integer(.threadID)
        winlog.channel = text(.channel)
        winlog.computerName = text(.computer)
        winlog.userID = text(.userID)
    }

    /// The record: timestamp `TimeCreated` (else the record header's `fileTime`, if any), the
    /// message, level, code, provider and host from the facts, `winlog` itself.
    func record(fileTime: UInt64?, dataset: String, context: ParseContext) -> Record {
        let ts = created ?? fileTime.map { Timestamp(fileTime: $0, precision: .microseconds) }
        var r = Record(dataset: dataset, message: EventFacts.message(winlog), timestamp: ts,
                       level: EventFacts.level(winlog.level), filePath: context.sourcePath)
        r.code = winlog.eventID.map(String.init)
        r.provider = winlog.providerName
        r.hostName = winlog.computerName ?? context.hostName
        r.processID = processID
        r.threadID = threadID
        r.timeSource = .utc
        r.winlog = winlog
        return r
    }
}
