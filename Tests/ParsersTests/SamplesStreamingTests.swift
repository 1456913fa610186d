import Foundation
import LogRecord
import Parsers
import Testing

/// The install/SQL parsers give the same records however the bytes arrive.
@Suite struct SamplesStreamingTests {
    static let fixtures = [
        "msi/verbose-utf16-dmy-failure.log", "msi/two-sessions-mdy-midnight.log", "msi/partial-cr-nuls.log",
        "msi/nonverbose-de-1252.log", "sql.errorlog/ERRORLOG", "sql.setup/Summary_de_failed_feature.txt",
        "sql.setup/Detail.txt", "setupapi/setupapi.dev.log", "setupapi/setupapi.log",
        "installshield/suite-failure-es.log", "dpinst/DPINST.LOG",
    ]

    @Test(arguments: fixtures)
    func sameRecordsForAnySplit(_ rel: String) throws {
        let url = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(rel)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: rel, zone: newYork)
        let whole = try TextParsing.parse(bytes: bytes, context: context, chunkSize: 1 << 20).records
        #expect(!whole.isEmpty)
        for size in [1, 2, 3, 7, 64] {
            let split = try TextParsing.parse(bytes: bytes, context: context, chunkSize: size).records
            #expect(split == whole, "\(rel) differs with \(size)-byte chunks")
        }
    }
}
