import Bundler
import Foundation
import LogRecord
import SystemPackage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Speed and size per deflate level on a directory of logs. Runs only when
/// `AMT_BUNDLER_BENCH_DIR` names the directory (build with `-c release` for real numbers);
/// levels come from `AMT_BUNDLER_BENCH_LEVELS` (default `1,5,6`).
@Suite("Benchmark")
struct BenchmarkTests {
    static let corpus = ProcessInfo.processInfo.environment["AMT_BUNDLER_BENCH_DIR"]

    @Test(.enabled(if: corpus != nil, "set AMT_BUNDLER_BENCH_DIR to a directory of logs"))
    func compressionLevels() throws {
        let root = URL(fileURLWithPath: Self.corpus!)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        let levels = (ProcessInfo.processInfo.environment["AMT_BUNDLER_BENCH_LEVELS"] ?? "1,5,6")
            .split(separator: ",").compactMap { Int($0) }
        let formats: [ArchiveFormat] = ProcessInfo.processInfo.environment["AMT_BUNDLER_BENCH_TGZ"] != nil ? [.zip, .tarGz] : [.zip]
        let out = try TempDir("bench")
        defer { out.cleanup() }
        for format in formats {
            for level in levels {
                let clock = ContinuousClock()
                let cpuBefore = cpuSeconds()
                var input: Int64 = 0
                var final = FilePath()
                let elapsed = try clock.measure {
                    let writer = try BundleWriter(outputDirectory: out.path, bundleName: "AMT-B-\(level)-20261127T063000Z",
                                                  format: format, entryTime: testTime, compressionLevel: level)
                    for name in names {
                        let added = try writer.addFile(at: "raw/\(name)", from: FilePath(root.appendingPathComponent(name).path))
                        input += added.bytes
                    }
                    final = try writer.finish(manifest: sampleManifest(writer.entries))
                }
                let cpu = cpuSeconds() - cpuBefore
                let size = try FileManager.default.attributesOfItem(atPath: final.string)[.size] as! Int
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(String(format: "bench %@ level %d: %.2f s wall, %.2f s cpu, %d -> %d bytes (%.1f%%), %.0f MB/s",
                             format.rawValue, level, seconds, cpu, input, size, 100 * Double(size) / Double(input),
                             Double(input) / seconds / 1e6))
                let verifyStart = clock.now
                let report = BundleVerifier.verify(final)
                print(String(format: "bench verify: %.2f s", Double((clock.now - verifyStart).components.attoseconds) / 1e18
                    + Double((clock.now - verifyStart).components.seconds)))
                #expect(report.isWhole, "\(report.problems)")
                #expect(report.bytesChecked == input + Int64(try sampleManifest(report.manifest?.files.map {
                    AddedEntry(path: $0.path, bytes: $0.bytes, sha256: $0.sha256)
                } ?? []).encoded().count))
                try FileManager.default.removeItem(atPath: final.string)
            }
        }
    }
}

/// User + system CPU time of this process, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
