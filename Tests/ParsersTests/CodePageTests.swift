@testable import CodePages
import Foundation
import LogRecord
import Parsers
import CodePageEncoding
import Testing

/// Text in each code page's languages, as log messages.
enum CodePageText {
    static let messages: [CodePage: [String]] = [
        .windows1250: ["Nepodařilo se připojit k databázi, zkontrolujte připojovací řetězec",
                       "Uživatel nemá oprávnění k této operaci", "Čtečka karet na vstupu č. 3 neodpovídá",
                       "Błąd połączenia z serwerem, próba ponowienia za pięć sekund"],
        .windows1251: ["Драйвер устройства успешно установлен", "Не удалось подключиться к базе данных",
                       "Ошибка при чтении файла конфигурации", "Считыватель карт на входе номер три не отвечает"],
        .windows1252: ["No se pudo conectar con la base de datos, revise la cadena de conexión",
                       "Die Verbindung zum Server wurde unterbrochen, Wiederholung in fünf Sekunden",
                       "Échec de la connexion à la base de données", "Código de acceso inválido"],
        .windows1253: ["Δεν ήταν δυνατή η σύνδεση με τη βάση δεδομένων", "Σφάλμα κατά την ανάγνωση του αρχείου ρυθμίσεων",
                       "Ο αναγνώστης καρτών στην είσοδο τρία δεν αποκρίνεται"],
        .windows1254: ["Veritabanına bağlanılamadı, bağlantı dizesini kontrol edin", "Kullanıcının bu işlem için yetkisi yok",
                       "Üç numaralı girişteki kart okuyucu yanıt vermiyor"],
        .windows1257: ["Nepavyko prisijungti prie duomenų bazės", "Klaida skaitant konfigūracijos failą",
                       "Neizdevās izveidot savienojumu ar datu bāzi", "Lietotājam nav tiesību veikt šo darbību"],
        .ibm866: ["Драйвер устройства успешно установлен", "Команда выполнена успешно",
                  "Отказано в доступе к указанному файлу", "Служба остановлена, повторная попытка через пять секунд"],
        .shiftJIS: ["データベースに接続できませんでした", "構成ファイルの読み取り中にエラーが発生しました",
                    "入口三番のカードリーダーが応答しません", "ﾃﾞｰﾀﾍﾞｰｽ接続ｴﾗｰ"],
        .gbk: ["无法连接到数据库，请检查连接字符串", "用户没有执行此操作的权限", "读取配置文件时出错", "三号入口的读卡器没有响应"],
        .uhc: ["데이터베이스에 연결할 수 없습니다", "사용자에게 이 작업을 수행할 권한이 없습니다",
               "구성 파일을 읽는 동안 오류가 발생했습니다"],
        .big5: ["無法連線到資料庫，請檢查連線字串", "使用者沒有執行此作業的權限", "讀取組態檔時發生錯誤"],
    ]

    /// `count` log lines (CRLF), every other one with a message in `page`'s languages.
    static func log(_ page: CodePage, lines count: Int) -> String {
        let texts = messages[page]!
        var out = ""
        for i in 0..<count {
            let time = "2024-03-05 10:\(10 + i % 50):\(10 + (i * 7) % 50),\(100 + i % 900)"
            let message = i % 2 == 0 ? texts[(i / 2) % texts.count] : "door=\(i) reader=3 state=ok"
            out += "\(time) [\(1 + i % 9)] ERROR Amt.WebBrix.Service - \(message)\r\n"
        }
        return out
    }
}


func decodeLines(_ bytes: [UInt8], chunkSize: Int, prior: CodePage?) -> (lines: [TextLine], decoder: LineDecoder) {
    var decoder = LineDecoder(codePagePrior: prior)
    var lines: [TextLine] = []
    var source = MemoryByteSource(bytes, chunkSize: chunkSize)
    while let chunk = try! source.nextChunk() { decoder.push(chunk) { lines.append($0) } }
    decoder.finish { lines.append($0) }
    return (lines, decoder)
}

@Suite struct CodePageTests {
    static let canEncode = PlatformEncoder.encode("x", .windows1252) != nil

    @Test func knownCharacters() {
        var invalid = 0
        #expect(CodePage.windows1251.decode([0xC4, 0xF0, 0xE0, 0xE9, 0xE2, 0xE5, 0xF0], invalid: &invalid) == "Драйвер")
        #expect(CodePage.ibm866.decode([0x84, 0xE0, 0xA0, 0xA9, 0xA2, 0xA5, 0xE0], invalid: &invalid) == "Драйвер")
        #expect(CodePage.windows1252.decode([0x80, 0xE9, 0xF1], invalid: &invalid) == "€éñ")
        #expect(CodePage.windows1250.decode([0xF8, 0xEC, 0x9A, 0xB3], invalid: &invalid) == "řěšł")
        #expect(CodePage.windows1253.decode([0xC4, 0xE5, 0xED], invalid: &invalid) == "Δεν")
        #expect(CodePage.windows1254.decode([0xF0, 0xFD, 0xFE], invalid: &invalid) == "ğış")
        #expect(CodePage.windows1257.decode([0xF0, 0xFE, 0xF8], invalid: &invalid) == "šžų")
        #expect(CodePage.shiftJIS.decode([0x93, 0xFA, 0x96, 0x7B, 0xB1], invalid: &invalid) == "日本ｱ")
        #expect(CodePage.gbk.decode([0xD6, 0xD0, 0xCE, 0xC4], invalid: &invalid) == "中文")
        #expect(CodePage.uhc.decode([0xC7, 0xD1, 0xB1, 0xDB], invalid: &invalid) == "한글")
        #expect(CodePage.big5.decode([0xA4, 0xA4, 0xA4, 0xE5], invalid: &invalid) == "中文")
        #expect(invalid == 0)
        for page in CodePage.allCases { #expect(page.table.isAvailable, "\(page.name)") }
    }

    @Test func invalidSequencesAreCountedAndResynchronize() {
        var invalid = 0
        // A GBK lead byte before an ASCII byte that is no trail, and a lead byte at the end.
        #expect(CodePage.gbk.decode([0xD6, 0x21, 0x41, 0xD6], invalid: &invalid) == "\u{FFFD}!A\u{FFFD}")
        #expect(invalid == 2)
        invalid = 0
        // 0x98 is unassigned in windows-1251.
        #expect(CodePage.windows1251.decode([0x98, 0x41], invalid: &invalid) == "\u{FFFD}A")
        #expect(invalid == 1)
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"), arguments: CodePage.allCases)
    func roundTripThroughDetection(page: CodePage) throws {
        let text = CodePageText.log(page, lines: 40)
        let bytes = try #require(PlatformEncoder.encode(text, page))
        let expected = text.split(separator: "\r\n").map(String.init)
        for chunk in [1, 3, 7, 4096, 1 << 16] {
            let (lines, d) = decodeLines(bytes, chunkSize: chunk, prior: nil)
            #expect(lines.map(\.text) == expected, "\(page.name), chunks of \(chunk)")
            #expect(lines.map(\.number) == Array(1...40).map(Optional.some))
            #expect(d.legacyCodePage == page)
            #expect(d.invalidSequences == 0)
            #expect(d.encodingUse.name == page.name)
            #expect(page == .windows1252 ? ["detector", "default"].contains(d.encodingUse.decided) : d.encodingUse.decided == "detector")
        }
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"), arguments: CodePage.allCases)
    func rightPriorIsKept(page: CodePage) throws {
        // One line of evidence: the prior stands (the detector agrees or is not clear enough).
        let text = CodePageText.log(page, lines: 1)
        let bytes = try #require(PlatformEncoder.encode(text, page))
        let (lines, d) = decodeLines(bytes, chunkSize: 5, prior: page)
        #expect(lines.map(\.text) == [text.replacingOccurrences(of: "\r\n", with: "")])
        #expect(d.legacyCodePage == page)
        #expect(["detector", "site-prior"].contains(d.encodingUse.decided))
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"))
    func clearEvidenceOverrulesThePrior() throws {
        let bytes = try #require(PlatformEncoder.encode(CodePageText.log(.windows1251, lines: 10), .windows1251))
        let (lines, d) = decodeLines(bytes, chunkSize: 100, prior: .windows1252)
        #expect(d.legacyCodePage == .windows1251)
        #expect(d.encodingUse.decided == "detector")
        #expect(d.encodingUse.detail?.contains("over the site's windows-1252") == true)
        #expect(lines.first?.text.hasSuffix("Драйвер устройства успешно установлен") == true)
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"))
    func ambiguousLatinKeepsThePrior() throws {
        // "Código de acceso inválido" reads the same in 1250 and 1252: the site says 1250.
        let bytes = try #require(PlatformEncoder.encode("x Código de acceso inválido\n", .windows1252))
        let (_, d) = decodeLines(bytes, chunkSize: 3, prior: .windows1250)
        #expect(d.legacyCodePage == .windows1250)
        let (_, none) = decodeLines(bytes, chunkSize: 3, prior: nil)
        #expect(none.legacyCodePage == .windows1252)
        #expect(["detector", "default"].contains(none.encodingUse.decided))
    }

    @Test func lookAheadIsBoundedAndKeepsOrder() {
        // One cp1251 line, then more ASCII lines than a decoder may hold: decided at the bound,
        // every line out once, in order.
        var bytes: [UInt8] = [0xC4, 0xF0, 0xE0, 0xE9, 0xE2, 0xE5, 0xF0, 0x0A]
        let n = CodePageEvidence.maxHeldLines + 100
        for i in 0..<n { bytes += Array("line \(i)\n".utf8) }
        for chunk in [13, 1 << 16] {
            var decoder = LineDecoder()
            var lines: [TextLine] = []
            var source = MemoryByteSource(bytes, chunkSize: chunk)
            var linesBeforeEnd = 0
            while let c = try! source.nextChunk() { decoder.push(c) { lines.append($0) } }
            linesBeforeEnd = lines.count
            decoder.finish { lines.append($0) }
            #expect(linesBeforeEnd >= CodePageEvidence.maxHeldLines)
            #expect(lines.count == n + 1)
            #expect(lines.first?.text == "Драйвер")
            #expect(lines.map(\.number) == Array(1...(n + 1)).map(Optional.some))
        }
    }

    @Test func validUTF8NeverReachesTheDetector() {
        let (lines, d) = decodeLines(Array("ok é\nДрайвер\n中文\n".utf8), chunkSize: 2, prior: nil)
        #expect(lines.map(\.text) == ["ok é", "Драйвер", "中文"])
        #expect(d.legacyCodePage == nil)
        #expect(d.codePageChoice == nil)
        #expect(d.encodingUse == EncodingUse(name: "utf-8", decided: "valid-utf8"))
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"))
    func setupapiInCP1251ReadsDriver() throws {
        let text = """
        [Device Install Log]
             OS Version = 10.0.17763
             Service Pack = 0.0
             Suite = 0x0110
             ProductType = 3
             Architecture = amd64

        [BeginLog]

        >>>  [Установка устройства - PCI\\VEN_8086&DEV_10D3]
        >>>  Section start 2024/03/05 10:11:12.123
             dvi: Драйвер устройства выбран: oem12.inf
             dvi: Поиск драйвера завершён
        <<<  Section end 2024/03/05 10:11:13.456
        <<<  [Exit status: SUCCESS]

        """.replacingOccurrences(of: "\n", with: "\r\n")
        let bytes = try #require(PlatformEncoder.encode(text, .windows1251))
        let (records, stats) = try TextParsing.parse(bytes: bytes, context: ParseContext(sourcePath: "Windows/INF/setupapi.dev.log"),
                                                     chunkSize: 17)
        #expect(stats.dataset == "setupapi")
        #expect(records.contains { $0.message.contains("Драйвер устройства выбран") })
        #expect(!records.contains { $0.message.contains("Äðàéâåð") })
        #expect(stats.encodingUse?.name == "windows-1251")
        #expect(stats.encodingUse?.decided == "detector")
        #expect(stats.encoding?.contains("windows-1251") == true)
    }

    @Test(.needsSamples, arguments: [
        ("text/dotnet_pairs/tracksystem/log-file.txt", CodePage.gbk, ["找不到指定的模块", "无法加载", "行号"]),
        ("text/dotnet_pairs/wrpserver/rolling.log", CodePage.windows1250, ["spušteno", "naslouchání", "Vlákno"]),
        ("text/dotnet_pairs/tripasdegato/logfile.txt", CodePage.windows1252, ["conexión", "línea", "denegó expresamente"]),
    ])
    func samplesKeepTheirText(path: String, page: CodePage, words: [String]) throws {
        let bytes = try [UInt8](Data(contentsOf: try Samples.url(path)))
        var whole: [String] = []
        for chunk in [1 << 16, 509] {
            let (lines, d) = decodeLines(bytes, chunkSize: chunk, prior: nil)
            #expect(d.legacyCodePage == page, "\(path)")
            #expect(d.invalidSequences == 0)
            #expect(d.encodingUse.decided == "detector")
            let text = lines.map(\.text).joined(separator: "\n")
            for w in words { #expect(text.contains(w), "\(path): \(w)") }
            #expect(!text.contains("\u{FFFD}"))
            if whole.isEmpty { whole = lines.map(\.text) } else { #expect(lines.map(\.text) == whole) }
        }
    }

    @Test(.needsSamples) func otherNonUTF8SamplesDecodeWithoutReplacement() throws {
        // The setupapi sample has one line in windows-1252 ("Service d’énumérateur Bluetooth").
        let url = try Samples.url("text/setupapi/ouali42_cybersecu_setupapi.dev.log")
        let (lines, d) = decodeLines(try [UInt8](Data(contentsOf: url)), chunkSize: 4096, prior: nil)
        #expect(d.legacyCodePage == .windows1252)
        #expect(lines.contains { $0.text.contains("Service d’énumérateur Bluetooth") })
    }

    @Test func decisionRules() {
        let latin = Array("Código inválido".utf8)   // (as bytes, only the high-byte markers matter here)
        // A Latin answer without letters only windows-1250 has does not overrule the default.
        #expect(CodePageEvidence.decide(answer: "WINDOWS-1250", sample: [0xF3, 0xE1], lines: 1, prior: nil).codePage == .windows1252)
        #expect(CodePageEvidence.decide(answer: "WINDOWS-1250", sample: [0xF8, 0xEC], lines: 1, prior: nil).codePage == .windows1250)
        #expect(CodePageEvidence.decide(answer: "ISO-8859-9", sample: [0xFD, 0xF0], lines: 1, prior: nil).codePage == .windows1254)
        #expect(CodePageEvidence.decide(answer: "", sample: latin, lines: 1, prior: .windows1257)
                == CodePageChoice(codePage: .windows1257, how: .sitePrior, detail: "uchardet: no answer on 1 line; windows-1257 (the site's code page)"))
        #expect(CodePageEvidence.decide(answer: "UTF-8", sample: latin, lines: 2, prior: nil).how == .defaultPage)
        // Cyrillic answers: 866 or 1251 by byte ranges.
        #expect(CodePageEvidence.decide(answer: "IBM866", sample: [0x84, 0xA0, 0xA9, 0xE0], lines: 1, prior: nil).codePage == .ibm866)
        #expect(CodePageEvidence.decide(answer: "KOI8-R", sample: [0xC4, 0xF0, 0xE0, 0xE9], lines: 1, prior: nil).codePage == .windows1251)
        // A double-byte answer whose bytes are not valid there is not taken.
        #expect(CodePageEvidence.decide(answer: "BIG5", sample: [0xA4, 0x20, 0xA4, 0x21, 0xA4, 0x22], lines: 1, prior: nil).codePage == .windows1252)
    }
}
