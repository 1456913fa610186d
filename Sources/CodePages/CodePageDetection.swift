/// How a file's legacy code page was chosen, and what the evidence said.
public struct CodePageChoice: Sendable, Equatable {
    public enum How: String, Sendable {
        /// The detector's answer, on clear evidence (or agreeing with the prior).
        case detector
        /// The site's ANSI code page (the detector had no clear answer).
        case sitePrior = "site-prior"
        /// Neither: windows-1252.
        case defaultPage = "default"
    }

    public var codePage: CodePage
    public var how: How
    /// For people: `uchardet: windows-1251 on 37 lines`, with why a detector answer was not taken.
    public var detail: String

    public init(codePage: CodePage, how: How, detail: String) {
        self.codePage = codePage
        self.how = how
        self.detail = detail
    }
}

/// The evidence for one file's code page: the lines that are not UTF-8, gathered up to a bound,
/// then one decision for the whole file.
///
/// Whoever reads the file (the line decoder, the redactor of raw copies) holds the lines that
/// follow the first non-UTF-8 line until `isEnough`, or until it holds `maxHeldLines` lines or
/// `maxHeldBytes` bytes, or the input ends; then it calls `decide(prior:)` once and goes on with
/// the chosen page. Both use this type and these bounds, so they choose alike.
public struct CodePageEvidence: Sendable {
    /// Lines of evidence after which the decision is taken.
    public static let enoughLines = 32
    /// Bytes of evidence after which the decision is taken.
    public static let enoughBytes = 16 << 10
    /// Lines a reader may hold back while gathering evidence.
    public static let maxHeldLines = 4096
    /// Bytes a reader may hold back while gathering evidence.
    public static let maxHeldBytes = 1 << 20

    private var sample: [UInt8] = []
    private var ranges: [Range<Int>] = []

    public init() {}

    /// Lines of evidence taken.
    public var lines: Int { ranges.count }
    /// `true` once there is enough evidence to decide.
    public var isEnough: Bool { ranges.count >= Self.enoughLines || sample.count >= Self.enoughBytes }

    /// Takes a line that is not valid UTF-8 (without its terminator). Ignored once `isEnough`;
    /// the line that reaches `enoughBytes` is cut there (the detector tolerates a character cut
    /// at the end of its input).
    public mutating func add(_ line: UnsafeBufferPointer<UInt8>) {
        guard !isEnough, !line.isEmpty else { return }
        let take = min(line.count, Self.enoughBytes - sample.count)
        let start = sample.count
        sample.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<take]))
        ranges.append(start..<sample.count)
    }

    /// `add` for an array.
    public mutating func add(_ line: [UInt8]) {
        line.withUnsafeBufferPointer { add($0) }
    }

    /// Decides the file's code page: the detector's answer where the evidence is clear, else the
    /// site's ANSI code page (`prior`), else windows-1252.
    public func decide(prior: CodePage?) -> CodePageChoice {
        let answer = Uchardet.detect(lines: ranges.map { sample[$0] })
        return Self.decide(answer: answer, sample: sample, lines: ranges.count, prior: prior)
    }

    /// The rules, given the detector's `answer` on `sample` (the evidence lines, `lines` of them).
    ///
    /// - An answer in another script than the fallback's (Cyrillic, Greek, or a double-byte page)
    ///   is taken on any evidence; a double-byte answer only when the evidence decodes in it with at
    ///   most 2% invalid sequences and better than in the fallback.
    /// - Cyrillic answers (windows-1251, ISO-8859-5, KOI8-R, IBM866, MAC-CYRILLIC) mean windows-1251
    ///   (ANSI) or 866 (OEM, console tools) by where the letters fall: 866's are 0x80–0xAF, where
    ///   1251 has punctuation; 1251's are 0xC0–0xDF and 0xF0–0xFF, where 866 draws boxes.
    /// - Between the Latin pages (1250, 1252, 1254, 1257), which share most letters and which the
    ///   detector confuses on short text (measured: Western text read as ISO-8859-2 or windows-1250
    ///   in up to half of the one-line files), an answer overrules the fallback only when the bytes
    ///   hold letters that the other page does not have in that place (ř, ě, ł, ą, ť … for 1250;
    ///   ğ, ı, ş for 1254; š, ž, ų for 1257), or, for windows-1252, on three or more lines without
    ///   such letters.
    /// - ISO-8859-x answers mean the corresponding windows-125x.
    /// - An answer that names none of these pages (none, UTF-8, or another script such as
    ///   ISO-8859-8, which uchardet gives for a few Cyrillic words) leaves the fallback, except
    ///   that without a prior, words of letters 0xC0–0xFF mean windows-1251.
    static func decide(answer: String, sample: [UInt8], lines: Int, prior: CodePage?) -> CodePageChoice {
        let fallback = prior ?? .windows1252
        let fallbackHow: CodePageChoice.How = prior == nil ? .defaultPage : .sitePrior
        let fallbackWords = prior == nil ? "\(fallback.name) (default)" : "\(fallback.name) (the site's code page)"
        let said = answer.isEmpty ? "no answer" : answer.lowercased()
        let on = "on \(lines) line\(lines == 1 ? "" : "s")"
        guard let page = mapped(answer, sample: sample) else {
            if prior == nil, hasCyrillicWords(sample) {
                return CodePageChoice(codePage: .windows1251, how: .detector,
                                      detail: "uchardet: \(said) \(on); words of letters 0xC0–0xFF: windows-1251")
            }
            return CodePageChoice(codePage: fallback, how: fallbackHow, detail: "uchardet: \(said) \(on); \(fallbackWords)")
        }
        let named = page.name == said ? page.name : "\(said) → \(page.name)"
        if page == fallback {
            return CodePageChoice(codePage: page, how: .detector,
                                  detail: "uchardet: \(named) \(on)" + (prior == nil ? "" : " (the site's code page)"))
        }
        if let why = doubt(page, answer: answer, over: fallback, sample: sample, lines: lines) {
            return CodePageChoice(codePage: fallback, how: fallbackHow,
                                  detail: "uchardet: \(named) \(on), not clear (\(why)); \(fallbackWords)")
        }
        return CodePageChoice(codePage: page, how: .detector,
                              detail: "uchardet: \(named) \(on)" + (prior == nil ? "" : " (over the site's \(fallback.name))"))
    }

    enum Script { case latin, cyrillic, greek, cjk }

    static func script(_ page: CodePage) -> Script {
        switch page {
        case .windows1250, .windows1252, .windows1254, .windows1257: .latin
        case .windows1251, .ibm866: .cyrillic
        case .windows1253: .greek
        case .shiftJIS, .gbk, .uhc, .big5: .cjk
        }
    }

    /// Why `page` does not clearly overrule `fallback`, or `nil` when it does.
    static func doubt(_ page: CodePage, answer: String, over fallback: CodePage, sample: [UInt8], lines: Int) -> String? {
        if page.isDoubleByte {
            var invalid = 0, high = 0
            for b in sample where b >= 0x80 { high += 1 }
            _ = page.decode(sample, invalid: &invalid)
            if invalid * 50 > high { return "\(invalid) invalid sequences in \(page.name)" }
            if fallback.isDoubleByte {
                var fallbackInvalid = 0
                _ = fallback.decode(sample, invalid: &fallbackInvalid)
                if fallbackInvalid <= invalid { return "the bytes are as valid in \(fallback.name)" }
            }
            return nil
        }
        let (a, b) = (script(page), script(fallback))
        if a != b { return nil }
        switch a {
        case .cyrillic:
            // 1251 against 866 (or back): the byte ranges decide, clearly when one side has twice
            // the letters of the other.
            let (low, upper) = cyrillicRanges(sample)
            return (page == .ibm866 ? low >= 2 * upper : upper >= 2 * low) ? nil : "letters in both code pages' ranges"
        case .latin:
            let markers = markerCount(page, sample)
            if page == .windows1252 {
                if lines < 3 { return "\(lines) line\(lines == 1 ? "" : "s")" }
                return markerCount(fallback, sample) == 0 ? nil : "letters of \(fallback.name)"
            }
            return markers > 0 ? nil : "no letter that only \(page.name) has there"
        case .greek, .cjk:
            return nil
        }
    }

    /// `true` when most high bytes stand in runs of three or more bytes of 0xC0–0xFF: words in
    /// windows-1251 (Western text has one accented letter among ASCII ones). Used when uchardet's
    /// answer names no page of these (on a word or two of Cyrillic it may answer ISO-8859-8).
    static func hasCyrillicWords(_ sample: [UInt8]) -> Bool {
        var high = 0, inRuns = 0, run = 0
        for b in sample + [0] {
            if b >= 0x80 { high += 1 }
            if b >= 0xC0 { run += 1; continue }
            if run >= 3 { inRuns += run }
            run = 0
        }
        return high >= 3 && inRuns * 10 >= high * 6
    }

    /// Bytes where only 866 has letters (0x80–0xAF: А–Я, а–п) and where only 1251 has them
    /// (0xC0–0xDF: А–Я; 0xF0–0xFF: р–я); 0xE0–0xEF are letters in both.
    static func cyrillicRanges(_ sample: [UInt8]) -> (low: Int, upper: Int) {
        var low = 0, upper = 0
        for b in sample {
            if b >= 0x80 && b <= 0xAF { low += 1 } else if (b >= 0xC0 && b <= 0xDF) || b >= 0xF0 { upper += 1 }
        }
        return (low, upper)
    }

    /// Bytes that are letters of `page` but symbols, or letters of few languages, in the other
    /// Latin pages at the same place.
    static func markerCount(_ page: CodePage, _ sample: [UInt8]) -> Int {
        let markers: Set<UInt8>
        switch page {
        // Š Ś Ť Ž Ź š ś ť ž ź Ł Ą ł ą Ľ ľ Ě ě Ř ř
        case .windows1250: markers = [0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x9A, 0x9C, 0x9D, 0x9E, 0x9F, 0xA3, 0xA5,
                                      0xB3, 0xB9, 0xBC, 0xBE, 0xCC, 0xEC, 0xD8, 0xF8]
        // Ğ İ Ş ğ ı ş
        case .windows1254: markers = [0xD0, 0xDD, 0xDE, 0xF0, 0xFD, 0xFE]
        // Ģ Ļ Š Ų Ž ė ģ ļ š ų ž
        case .windows1257: markers = [0xCC, 0xCF, 0xD0, 0xD8, 0xDE, 0xEB, 0xEC, 0xEF, 0xF0, 0xF8, 0xFE]
        default: return 0
        }
        return sample.reduce(0) { $0 + (markers.contains($1) ? 1 : 0) }
    }

    /// uchardet's answer as a Windows code page; `nil` for none, UTF-8, ASCII or a page Windows
    /// servers do not write logs in.
    static func mapped(_ answer: String, sample: [UInt8]) -> CodePage? {
        switch answer.uppercased().replacingUnderscores() {
        case "WINDOWS-1251", "ISO-8859-5", "KOI8-R", "KOI8-U", "MAC-CYRILLIC", "IBM855", "IBM866", "CP866":
            let (low, upper) = cyrillicRanges(sample)
            return low > upper ? .ibm866 : .windows1251
        case "WINDOWS-1250", "ISO-8859-2", "MAC-CENTRALEUROPE", "ISO-8859-16", "IBM852": return .windows1250
        case "WINDOWS-1252", "ISO-8859-1", "ISO-8859-15": return .windows1252
        case "WINDOWS-1253", "ISO-8859-7": return .windows1253
        case "WINDOWS-1254", "ISO-8859-9", "ISO-8859-3": return .windows1254
        case "WINDOWS-1257", "ISO-8859-13", "ISO-8859-4", "ISO-8859-10": return .windows1257
        case "SHIFT-JIS", "CP932", "WINDOWS-31J", "EUC-JP", "ISO-2022-JP": return .shiftJIS
        case "GB18030", "GB2312", "GBK", "CP936", "HZ-GB-2312": return .gbk
        case "EUC-KR", "UHC", "CP949", "ISO-2022-KR", "JOHAB": return .uhc
        case "BIG5", "BIG5-HKSCS", "EUC-TW", "CP950": return .big5
        default: return nil
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(unicodeScalars.map { $0 == "_" ? "-" : Character($0) })
    }
}
