@testable import Collect
import EventLog
import LogRecord

extension Surface {
    /// The readers of the site's zone evidence. An input whose first byte is odd is an EVTX file
    /// read as System.evtx (newest chunks first, as the 6013 scan reads it); else the bytes are
    /// given to every text reader (ERRORLOG head, MSI log tail, host facts) and, split at NULs,
    /// to the 6013 and MsiInstaller data readers, and what they return is decided on.
    public static func zoneEvidence(_ input: UnsafeBufferPointer<UInt8>) {
        guard let first = input.first else { return }
        let bytes = Array(input.dropFirst())
        if first & 1 == 1 {
            zoneEventLog(bytes)
            return
        }
        var evidence: [ZoneEvidence] = []
        if let h = ZoneEvidenceReader.errorlogHead(bytes[...]) {
            check(abs(h.offsetMinutes) <= 14 * 60, "ERRORLOG offset \(h.offsetMinutes) beyond ±14:00")
            evidence.append(ZoneEvidence(rule: .sqlErrorlog, file: "ERRORLOG", detail: "", offsetMinutes: h.offsetMinutes,
                                         at: h.statedAtLocal.adding(seconds: -Int64(h.offsetMinutes) * 60)))
        }
        if let end = ZoneEvidenceReader.msiTail(bytes[...]) {
            check((1...2).contains(end.stoppedLocal.count), "MSI end with \(end.stoppedLocal.count) readings")
            for local in end.stoppedLocal {
                if let o = ZoneEvidenceReader.pairOffset(local: local, utc: local.adding(seconds: 3600)) {
                    check(o == -60, "pair offset \(o) for a local time one hour behind")
                }
            }
        }
        if let f = ZoneEvidenceReader.hostFacts(bytes[...]) {
            if let o = f.offsetMinutes { check(abs(o) <= 14 * 60, "host facts offset \(o) beyond ±14:00") }
            evidence.append(ZoneEvidence(rule: .hostFacts, file: "facts", detail: "", zoneName: f.name, offsetMinutes: f.offsetMinutes))
        }
        let values = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(32).map { String(decoding: $0, as: UTF8.self) }
        if let (bias, name) = ZoneEvidenceReader.eventLog6013(values) {
            check((-840...720).contains(bias), "6013 bias \(bias) out of range")
            check(!name.isEmpty, "6013 with an empty name")
            evidence.append(ZoneEvidence(rule: .eventLog6013, file: "System.evtx", detail: "", zoneName: name,
                                         offsetMinutes: -bias, isStandardOffset: true, at: Timestamp(microsecondsSinceEpoch: 0)))
        }
        for id in [1033, 11708] { _ = ZoneEvidenceReader.msiEventProduct(eventID: id, values: values) }
        let decision = SiteZoneLearner.decide(evidence, collector: .utc)
        check(decision.isAssumed || decision.zone.timeSource == .site, "a learned zone not labelled site")
        check(!decision.isAssumed || evidence.allSatisfy { $0.offsetMinutes == nil }, "assumed although an offset was stated")
        _ = decision.zone.localToUTC(Timestamp(microsecondsSinceEpoch: 1_795_000_000_000_000))
    }

    /// The newest-first chunk walk: never more records than the whole walk, never a throw for
    /// bytes on disk other than I/O.
    static func zoneEventLog(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            withFile(buffer) { path in
                guard let reader = try? EVTXReader(path: path) else { return }
                let context = ParseContext(sourcePath: "System.evtx")
                var all = ParseStats(), some = ParseStats()
                var total = 0, seen = 0
                try? reader.read(context: context, stats: &all) { _ in total += 1 }
                try? reader.readChunksNewestFirst(context: context, stats: &some,
                                                  mustContain: SiteZoneLearner.utf16("EventLog")) { records in
                    seen += records.count
                    for r in records where r.provider == "EventLog" && r.code == "6013" {
                        _ = ZoneEvidenceReader.eventLog6013(r.winlog?.eventData.map(\.1) ?? [])
                    }
                    return true
                }
                check(seen <= total, "newest-first walk gave \(seen) records, the whole walk \(total)")
            }
        }
    }
}
