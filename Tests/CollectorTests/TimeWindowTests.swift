import Foundation
import LogRecord
import Testing
@testable import Collector

@Suite struct TimeWindowTests {
    static let now = Timestamp(year: 2026, month: 11, day: 27, hour: 12, minute: 0)!

    /// The local civil time as UTC, computed with Foundation's calendar (independently of SiteZone).
    static func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Timestamp {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let date = calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
        return Timestamp(microsecondsSinceEpoch: Int64(date.timeIntervalSince1970) * 1_000_000)
    }

    @Test(arguments: [
        ("90m", now.adding(seconds: -90 * 60)),
        ("72h", now.adding(seconds: -72 * 3600)),
        ("7d", now.adding(seconds: -7 * 86_400)),
        ("2w", now.adding(seconds: -14 * 86_400)),
        (" 24h ", now.adding(seconds: -86_400)),
        ("2026-11-20T08:00Z", Timestamp(year: 2026, month: 11, day: 20, hour: 8)!),
        ("2026-11-20T08:00:30+02:00", Timestamp(year: 2026, month: 11, day: 20, hour: 6, second: 30)!),
        ("2026-11-20T08:00-0500", Timestamp(year: 2026, month: 11, day: 20, hour: 13)!),
        ("2026-11-20", local(2026, 11, 20)),
        ("2026-11-20T08:00", local(2026, 11, 20, 8)),
        ("2026-11-20 08:00:30", local(2026, 11, 20, 8, 0, 30)),
        ("2026-07-01T23:59:59", local(2026, 7, 1, 23, 59, 59)),
    ])
    func parsesWhen(text: String, expected: Timestamp) {
        #expect(TimeWindow.parseWhen(text, now: Self.now) == expected)
    }

    @Test(arguments: ["", "7", "d", "-7d", "0h", "7y", "7M", "1.5h", "yesterday", "2026-13-01", "2026-11-20T25:00",
                      "2026-11-20X", "20261120", "99999999999d",
                      // Offsets no zone has.
                      "2026-11-20T08:00+99:00", "2026-11-20T08:00-15:00", "2026-11-20T08:00:00+14:30"])
    func rejectsInvalidWhen(text: String) {
        #expect(TimeWindow.parseWhen(text, now: Self.now) == nil)
    }

    @Test func containsIsInclusiveAndKeepsUntimedRecords() {
        let since = Timestamp(year: 2026, month: 11, day: 20)!
        let until = Timestamp(year: 2026, month: 11, day: 21)!
        let window = TimeWindow(since: since, until: until)
        #expect(window.contains(nil))
        #expect(window.contains(since) && window.contains(until))
        #expect(!window.contains(since.adding(seconds: -1)))
        #expect(!window.contains(until.adding(seconds: 1)))
        #expect(TimeWindow.all.contains(Timestamp(microsecondsSinceEpoch: 0)))
        #expect(TimeWindow(since: since).mayContainRecords(lastWritten: since))
        #expect(!TimeWindow(since: since).mayContainRecords(lastWritten: since.adding(seconds: -1)))
        #expect(TimeWindow(since: since).mayContainRecords(lastWritten: nil))
    }
}
