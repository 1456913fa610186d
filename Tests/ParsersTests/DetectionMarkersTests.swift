import Foundation
import LogRecord
import Parsers
import Testing

/// Formats are claimed by their own markers only: a .NET log of `[date] [level] logger: text`
/// lines is not setupapi's, and is read by the AMTError layout inference.
@Suite struct DetectionMarkersTests {
    /// An NLog custom layout `[${longdate}] [${level:uppercase=true}] ${logger}: ${message}` with
    /// multi-line messages (SQL text) and an exception.
    static let bracketedNLog = """
    [2025-05-21 17:35:55.7951] [DEBUG] Microsoft.EntityFrameworkCore.Infrastructure: An 'IServiceProvider' was created.
    [2025-05-21 17:35:56.0752] [INFO] Microsoft.EntityFrameworkCore.Database.Command: Executed DbCommand (3ms)
    SELECT COUNT(*) FROM "sqlite_master" WHERE "name" = '__EFMigrationsLock' AND "type" = 'table';
    INSERT OR IGNORE INTO "__EFMigrationsLock"("Id", "Timestamp") VALUES(1, '2025-05-21 14:36:12.4454096+00:00');
    [2025-05-21 17:35:57.1000] [ERROR] CurrencyAggregator.Worker: Fetching rates failed
    System.Net.Http.HttpRequestException: No such host is known. (api.example.test:443)
       at System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port)
    [2025-05-21 17:35:58.2000] [WARN] CurrencyAggregator.Worker: Retrying in 30 s
    [2025-05-21 17:36:28.2000] [INFO] CurrencyAggregator.Worker: Rates stored
    """

    static func lines(_ text: String) -> [String] { text.components(separatedBy: "\n") }

    @Test func bracketedNLogIsNotSetupapi() throws {
        let lines = Self.lines(Self.bracketedNLog)
        #expect(TextFormats.parser(for: "setupapi")!.score(lines: lines, path: "x.log") == 0)
        #expect(TextFormats.detect(lines: lines, path: "logs/2025-05-21.log").dataset == "amt.error")
        for kind in [nil, "amt.error"] {
            let (records, stats) = try TextParsing.parse(bytes: Array(Self.bracketedNLog.utf8), dataset: kind,
                                                          context: ParseContext(sourcePath: "x.log", zone: .utc))
            #expect(stats.dataset == "amt.error")
            #expect(records.count == 5)
            #expect(records.map(\.level) == [.debug, .information, .error, .warning, .information])
            #expect(records.allSatisfy { $0.timestamp != nil })
            #expect(records[1].message.hasPrefix("Executed DbCommand (3ms)\nSELECT COUNT(*)"))
            #expect(records[2].provider == "CurrencyAggregator.Worker")
            #expect(records[2].errorType == "System.Net.Http.HttpRequestException")
            #expect(stats.layout?.source == .inferred)
        }
    }

    @Test(.needsSamples) func setupapiStillClaimsItsOwn() throws {
        let bytes = try [UInt8](Data(contentsOf: try TestPaths.samples("text/setupapi/ouali42_cybersecu_setupapi.dev.log")))
        let lines = Array(decodeLines(bytes).lines.prefix(TextParsing.detectionLines).map(\.text))
        #expect(TextFormats.detect(lines: lines, path: "setupapi.dev.log").dataset == "setupapi")
    }

    @Test func legacySetupapiNeedsItsSectionHeads() {
        let legacy = """
        [SetupAPI Log]
        OS Version = 5.1.2600 Service Pack 2
        [2005/02/13 22:06:27 1680.3 Driver Install]
        #-019 Searching for hardware ID(s): usb\\vid_0781&pid_5567
        #I022 Found "USB\\VID_0781" in C:\\WINDOWS\\inf\\usbstor.inf
        """
        #expect(TextFormats.detect(lines: Self.lines(legacy), path: "setupapi.log").dataset == "setupapi")
        // Bracketed dates alone are not setupapi's.
        let bracketed = """
        [2005/02/13 22:06:27] service started
        [2005/02/13 22:06:28] service stopped
        [2005/02/13 22:06:29] service started
        """
        #expect(TextFormats.parser(for: "setupapi")!.score(lines: Self.lines(bracketed), path: "setupapi.log") == 0)
    }

    @Test func undatedTextStaysGeneric() {
        let prose = """
        Door controller inventory
        Main entrance: reader A, reader B
        Loading dock: reader C
        """
        #expect(TextFormats.detect(lines: Self.lines(prose), path: "notes.txt").dataset == "text")
    }
}
