import Bundler
import Collect
import LogRecord

/// Machine-readable results for `--json`.
enum JSONEncodingHelpers {
    static func appendVerify(_ results: [(String, VerifyReport)], to out: inout [UInt8]) {
        let value = JSONValue.array(results.map { bundle, report in
            .object([
                ("bundle", .string(bundle)),
                ("whole", .bool(report.isWhole)),
                ("entries_checked", .int(Int64(report.entriesChecked))),
                ("bytes_checked", .int(Int64(report.bytesChecked))),
                ("problems", .array(report.problems.map { .string($0) })),
            ])
        })
        JSONEncoding.append(value, to: &out)
        out.append(0x0A)
    }
}
