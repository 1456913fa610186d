import CodePages
import Foundation
import LogRecord
import Parsers
import Redaction
import CodePageEncoding
import Testing

/// Encodes with the platform's converter, independent of the code page tables.
private func encode(_ text: String, _ page: CodePage) -> [UInt8]? { PlatformEncoder.encode(text, page) }

/// Redacts `bytes` fed in chunks of `chunk` bytes.
private func redacted(_ bytes: [UInt8], chunk: Int, mode: RedactionMode = .secrets, prior: CodePage? = nil)
    -> (bytes: [UInt8], redactor: TextRedactor) {
    let t = Redactor(mode: mode).text(codePagePrior: prior)
    var out: [UInt8] = []
    var k = 0
    while k < bytes.count {
        let end = min(bytes.count, k + chunk)
        for c in t.redact(ByteChunk(bytes: Array(bytes[k..<end]))) {
            #expect(!c.bytes.isEmpty)
            out += c.bytes
        }
        k = end
    }
    for c in t.finish() { out += c.bytes }
    return (out, t)
}

@Suite struct CodePageRedactionTests {
    static let canEncode = encode("x", .windows1252) != nil

    /// Log lines in `page` with secrets between the page's own characters.
    static func log(_ page: CodePage, _ message: String) -> String {
        (0..<30).map { i in
            "2024-03-05 10:11:\(10 + i) [\(i)] ERROR Svc - \(message) connection=\"Server=db;User ID=sa;Password=Pw\(i)x!;\" api_key=K\(i)abc \(message)\r\n"
        }.joined()
    }

    static let messages: [(CodePage, String)] = [
        (.gbk, "无法连接到数据库，请检查连接字符串"),
        (.shiftJIS, "表示ソフト構成ファイルの読み取り中にエラー"),   // 表 and ソ end in 0x5C, a backslash in ASCII
        (.uhc, "데이터베이스에 연결할 수 없습니다"),
        (.big5, "無法連線到資料庫，請檢查連線字串功能"),          // 功 ends in 0x5C
        (.windows1251, "Не удалось подключиться к базе данных"),
        (.windows1250, "Nepodařilo se připojit k databázi"),
    ]

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"), arguments: messages.map(\.0))
    func secretsReplacedTextStaysValid(page: CodePage) throws {
        let message = Self.messages.first { $0.0 == page }!.1
        let text = Self.log(page, message)
        let bytes = try #require(encode(text, page))
        var first: [UInt8]?
        for chunk in [1, 7, 500, 1 << 16] {
            let (out, t) = redacted(bytes, chunk: chunk)
            #expect(t.codePageChoice?.codePage == page, "\(page.name)")
            var invalid = 0
            let decoded = page.decode(out, invalid: &invalid)
            #expect(invalid == 0, "\(page.name): the copy is not valid \(page.name)")
            #expect(!decoded.contains("Pw3x!"))
            #expect(!decoded.contains("K3abc"))
            #expect(decoded.components(separatedBy: message).count == 61, "\(page.name): text around the secrets changed")
            #expect(t.counts.total == 60)
            if let first { #expect(out == first, "chunks of \(chunk)") } else { first = out }
        }
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"), arguments: messages.map(\.0))
    func redactorAndDecoderChooseAlike(page: CodePage) throws {
        let message = Self.messages.first { $0.0 == page }!.1
        let bytes = try #require(encode("header line\n" + Self.log(page, message), page))
        for prior in [nil, CodePage.windows1252, page] {
            let (_, t) = redacted(bytes, chunk: 333, mode: .secrets, prior: prior)
            var decoder = LineDecoder(codePagePrior: prior)
            var source = MemoryByteSource(bytes, chunkSize: 4096)
            while let c = try source.nextChunk() { decoder.push(c) { _ in } }
            decoder.finish { _ in }
            #expect(t.codePageChoice == decoder.codePageChoice, "\(page.name), prior \(prior?.name ?? "none")")
        }
    }

    @Test(.enabled(if: canEncode, "needs glibc iconv to encode"))
    func nothingToRedactIsByteIdentical() throws {
        let bytes = try #require(encode(String(repeating: "2024-03-05 读取配置文件时出错\r\n", count: 50), .gbk))
        for chunk in [1, 9, 1 << 16] {
            let (out, t) = redacted(bytes, chunk: chunk, mode: .pii)
            #expect(out == bytes)
            #expect(t.codePageChoice?.codePage == .gbk)
        }
    }

    @Test func gapInsideTheLookAheadKeepsItsPlace() {
        // A cp1251 line, a gap of 100 bytes, more lines: the held lines come out with the gap
        // before the right run.
        let before: [UInt8] = [0xC4, 0xF0, 0xE0, 0xE9, 0xE2, 0xE5, 0xF0, 0x0A] + Array("a=1\n".utf8)
        let after = Array("tail line\npassword=hunter2\n".utf8)
        let t = Redactor(mode: .secrets).text()
        var chunks = t.redact(ByteChunk(bytes: before + Array(repeating: 0x41, count: 600) + [0x0A]))
        chunks += t.redact(ByteChunk(bytes: after, skippedBefore: 100))
        chunks += t.finish()
        #expect(chunks.map(\.skippedBefore).reduce(0, +) == 100)
        let gapAt = chunks.firstIndex { $0.skippedBefore > 0 }!
        #expect(String(decoding: chunks[gapAt...].flatMap(\.bytes), as: UTF8.self) == "tail line\npassword=[REDACTED]\n")
        #expect(Array(chunks[..<gapAt].flatMap(\.bytes)) == before + Array(repeating: 0x41, count: 600) + [0x0A])
        #expect(t.codePageChoice?.codePage == .windows1251)
    }
}
