import LogRecord
@testable import Parsers
import Testing

/// The AMTError matcher reads the common date forms straight from the line; `TimestampSniffer`
/// reads every form. Wherever the fast readers give a time, it must be the sniffer's.
@Suite struct TimeFastPathTests {
    /// Lines built from pieces that the fast readers handle, that they hand on, and that neither
    /// reads: every combination is tried.
    static func usLines() -> [String] {
        let dates = ["1/2/2026", "12/31/2025", "31/12/2025", "13/13/2025", "0/5/2025", "02/03/2026", "2/3/20261",
                     "123/4/2026", "1/2/226", "1.2.2026", "1/2-2026", "7/4/2026T"]
        let gaps = [" ", "  ", "\t", ""]
        let times = ["3:04:05", "03:04:05", "12:00:00", "0:00:00", "23:59:60", "24:00:00", "3:4:05", "3:04:5",
                     "3:04:05.1", "3:04:05.1234567", "3:04:05,250", "3:04:05:999", "3:04:05.", "13:04:05"]
        let tails = ["", " AM", " PM", " am", " pm", "  PM", "\tAM", " a.m.", " P.M.", "AM", " AMTError",
                     " A", " Z", "Z", "+02:00", " -0500", " UTC", " GMT", " utc", " PM UTC", " PMZ", " [ERR] x",
                     " Door 4 opened", " a.b"]
        var lines: [String] = []
        for d in dates { for g in gaps { for t in times { for tail in tails { lines.append(d + g + t + tail) } } } }
        return lines
    }

    @Test func usDatesMatchTheSniffer() {
        var fast = 0
        for line in Self.usLines() {
            var s = line
            let got = s.withUTF8 { AMTErrorMatch.usFast($0) }
            guard let got else { continue }
            fast += 1
            #expect(got == TimestampSniffer.sniff(line), "\(line)")
        }
        // The common forms take the fast path.
        #expect(fast > 1000)
        var plain = "11/26/2026 4:15:02 PM Door 4 opened"
        #expect(plain.withUTF8 { AMTErrorMatch.usFast($0) } != nil)
    }

    /// The matcher's time for the US layout is the sniffer's, when that is a month/day date.
    @Test func usDateHeadersReadTheSameTimes() {
        for line in Self.usLines() {
            var s = line
            let got = s.withUTF8 { AMTErrorMatch.time($0, yearFirst: false) }
            var want: SniffedTime? = nil
            if let t = TimestampSniffer.sniff(line), case .ambiguous = t.order, !line.hasPrefix("[") { want = t }
            #expect(got == want, "\(line)")
        }
    }
}

/// The AMTError matcher reads level words from the line's bytes; `Severity(word:)` is the
/// vocabulary. Both must agree on every word, in the cases the matcher takes.
@Suite struct LevelWordTests {
    @Test func levelWordsAgreeWithSeverity() {
        var words = AMTErrorMatch.levelWords
        words += ["Door", "Errors", "Informations", "Inform", "Warnings", "X", "Exception", "Emergencyy", "Informationa"]
        for w in words {
            for form in [w.uppercased(), w.prefix(1).uppercased() + w.dropFirst()] {
                var s = form
                let got = s.withUTF8 { AMTErrorMatch.levelWord($0, 0..<$0.count) }
                #expect(got == Severity(word: form), "\(form)")
            }
        }
        #expect(AMTErrorMatch.longLevels.count == 3)
    }
}
