import LogRecord

/// The DISM log (`Windows/Logs/DISM/dism.log`): the layout CBS.log has (see `ServicingLog`),
/// most lines from the `DISM` component, whose text names the provider that wrote it
/// (`DISM Package Manager: PID=5372 TID=12244 …` → `event.provider` `DISM Package Manager`,
/// `process.pid` 5372, `process.thread.id` 12244). Times are local (site zone).
///
/// Each `Dism.exe` session that changes the image (`/Enable-Feature`, `/Add-Package`,
/// `/Cleanup-Image /RestoreHealth` …) or writes an error gets a summary record (`InstallRun`,
/// `amt.install.*`, `event.outcome`), its exit code the last HRESULT an error line stated
/// (`0x800f081f`, also in `error.code`) and its first error DISM's own explanation (`The source
/// files could not be found; …`).
///
/// Levels (`log.level`): the level column (`Error`, `Warning`, `Info`); a failed session's
/// summary is an error.
public struct DISMParser: TextFormatParser {
    public static let dataset = Dataset.windowsDISM

    public static func score(lines: [String], path: String) -> Int {
        let (heads, dism, nonBlank) = ServicingLog.census(lines)
        guard heads >= 2, heads * 2 >= nonBlank else { return 0 }
        return dism * 2 > heads ? 92 : 80
    }

    private var log: ServicingLog

    public init(context: ParseContext, sample: [String]) {
        log = ServicingLog(dataset: Self.dataset, context: context, sample: sample, sessions: true)
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try log.feed(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try log.finish(stats: &stats, emit: emit)
    }
}
