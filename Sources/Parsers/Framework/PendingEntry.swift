import LogRecord

/// The entry a line-framed parser is building: its record, filled in place over the last one,
/// and its lines. Kept in place rather than as an optional (fewer moves of a large value per
/// line); after each emit the record is a copy of the template again.
struct PendingEntry {
    /// The fields every record of the source shares; records start as a copy (measured cheaper
    /// than building each with `Record.init`).
    let template: Record
    /// The entry's record; meaningful while `isOpen`.
    var record: Record
    /// Whether there is an entry.
    private(set) var isOpen = false
    /// The entry's lines, the head line first.
    var lines = EntryBuffer()

    init(template: Record) {
        self.template = template
        record = template
    }

    /// Opens the entry whose head line is `text` (the caller fills in `record`).
    mutating func open(_ text: String) {
        isOpen = true
        lines.reset(text)
    }

    /// Joins the continuation line `line` to the entry when it may (`EntryBuffer.takes`);
    /// returns whether it did.
    mutating func join(_ line: TextLine, stats: inout ParseStats) -> Bool {
        guard lines.takes(line, pending: isOpen, stats: &stats) else { return false }
        lines.append(line.text)
        return true
    }

    /// For a line that did not join (after a gap, or the entry is full): emits the entry, then the
    /// line, unless blank, as a record of its own — the template's fields, `level` and `time`
    /// where given.
    mutating func emitAlone(_ line: TextLine, blank: Bool, level: Severity? = nil, time: (Timestamp, TimeSource)? = nil,
                            _ emit: RecordSink) throws {
        try self.emit(emit)
        guard !blank else { return }
        var r = template
        r.message = line.text
        r.line = line.number
        if let level { r.level = level }
        if let (ts, src) = time { r.timestamp = ts; r.timeSource = src }
        try emit(&r)
    }

    /// Emits the entry, if there is one: its message is its lines joined when it has more than
    /// one. Then there is no entry and `record` is a copy of the template.
    mutating func emit(_ emit: RecordSink) throws {
        guard isOpen else { return }
        isOpen = false
        if lines.count > 1 { record.message = lines.joined() }
        lines.clear()
        try emit(&record)
        record = template
    }
}
