import Foundation
import LogRecord
import Parsers
import Testing

/// Detection by content: every AMTError layout is claimed, other formats are not.
@Suite struct AMTErrorDetectionTests {
    /// The first lines of a sample, decoded as the pipeline does.
    static func head(_ sub: String) throws -> [String] {
        let bytes = try [UInt8](Data(contentsOf: try TestPaths.samples(sub)))
        return Array(decodeLines(bytes).lines.prefix(TextParsing.detectionLines).map(\.text))
    }

    @Test(.needsSamples, arguments: [
        ("text/dotnet_log4net/phonerec_rolling-log.txt", "log4net"),
        ("text/dotnet_nlog/hawk5757_currency_2025-05-21.log", "nlog"),
        ("text/dotnet_serilog/gaetanpascreau_serilog_TimestampG_log.txt", "us-date"),
    ])
    func realSamplesAreClaimed(path: String, layout: String) throws {
        let lines = try Self.head(path)
        #expect(AMTErrorParser.score(lines: lines, path: path) >= 60)
        #expect(ObjectIdentifier(TextFormats.detect(lines: lines, path: path)) == ObjectIdentifier(AMTErrorParser.self))
        #expect(AMTErrorParser(context: ParseContext(sourcePath: path), sample: lines).layoutShape == layout)
    }

    @Test(.needsSamples, arguments: [
        "text/msi_verbose/wixpills_planned-failure_install-with-error.log",
        "text/msi_verbose/wixpills_planned-failure_install-success.log",
        "text/msi_verbose/wixpills_rollback-ca_install-with-error.log",
        "text/sql_errorlog/tamadhir10_ERRORLOG",
        "text/setupapi/ouali42_cybersecu_setupapi.dev.log",
        "text/installshield/keshawa_dud_setupexe_debuglog_InstallShield.log",
    ])
    func otherRealFormatsAreNotClaimed(path: String) throws {
        let lines = try Self.head(path)
        #expect(lines.count > 10)
        #expect(AMTErrorParser.score(lines: lines, path: path) <= 10)
    }

    static let layouts: [(String, String)] = [
        ("""
        11/24/2026 3:12:07 AM Error opening connection to WEBBRIX-SQL\\WEBBRIX
        System.Data.SqlClient.SqlException (0x80131904): A network-related or instance-specific error occurred.
           at System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection)
           at AMT.WebBRIX.Data.Db.Open() in C:\\Build\\WebBRIX\\Data\\Db.cs:line 42
        11/24/2026 3:12:09 AM Service started
        """, "us-date"),
        ("""
        2026-11-24 03:12:07,123 [12] ERROR AMT.WebBRIX.Data.Db - Open failed
        System.TimeoutException: The operation has timed out.
        2026-11-24 03:12:08,001 [12] INFO  AMT.WebBRIX.Service - retrying
        """, "log4net"),
        ("""
        2026-11-24 03:12:07.1234|ERROR|AMT.WebBRIX.Data.Db|Open failed
        2026-11-24 03:12:08.0000|INFO|AMT.WebBRIX.Service|retrying
        """, "nlog-pipe"),
        ("""
        2026-11-24 03:12:07.1234 ERROR AMT.WebBRIX.Data.Db Open failed
        2026-11-24 03:12:08.0000 INFO AMT.WebBRIX.Service retrying
        """, "nlog"),
        ("""
        2026-11-24 03:12:07.123 -05:00 [ERR] Open failed
        2026-11-24 03:12:08.000 -05:00 [INF] retrying
        """, "serilog"),
        ("""
        ----------------------------------------
        Timestamp: 11/24/2026 8:12:07 AM
        Message: Open failed
        Category: General
        Priority: -1
        EventId: 100
        Severity: Error
        Title:
        Machine: WEBBRIX-SRV01
        ----------------------------------------
        """, "entlib"),
    ]

    @Test func eachLayoutIsDetected() {
        for (text, layout) in Self.layouts {
            let lines = text.components(separatedBy: "\n")
            #expect(AMTErrorParser.score(lines: lines, path: "x.log") >= 60, "\(layout)")
            #expect(ObjectIdentifier(TextFormats.detect(lines: lines, path: "x.log")) == ObjectIdentifier(AMTErrorParser.self), "\(layout)")
            #expect(AMTErrorParser(context: ParseContext(sourcePath: "x.log"), sample: lines).layoutShape == layout)
        }
    }

    @Test(arguments: [
        // SQL Server ERRORLOG: the SQL parser's, not ours.
        """
        2024-01-01 10:00:00.12 Server      Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64)
        2024-01-01 10:00:00.12 Server      UTC adjustment: -5:00
        2024-01-01 10:00:01.50 spid51      Error: 18456, Severity: 14, State: 8.
        2024-01-01 10:00:01.50 Logon       Login failed for user 'webbrix'. Reason: Password did not match.
        2024-01-01 10:00:02.00 spid5s      Recovery is complete.
        """,
        // SQL Agent log.
        """
        2024-01-01 10:00:00 - ? [100] Microsoft SQLServerAgent version 16.0.1000.6
        2024-01-01 10:00:00 - ! [364] The Messenger service has not been started
        """,
        // MSI verbose log.
        """
        === Verbose logging started: 1/31/2022  21:24:46  Build type: SHIP UNICODE 5.00.10011.00 ===
        MSI (c) (5C:74) [21:24:46:437]: Font created.
        Action ended 21:24:47: INSTALL. Return value 3.
        """,
        // setupapi.dev.log.
        """
        [Device Install Log]
             OS Version = 10.0.17763
        >>>  [Device Install (Hardware initiated) - USB\\VID_0781]
        >>>  Section start 2026/01/20 14:25:14.228
        <<<  Section end 2026/01/20 14:25:15.000
        """,
        // CBS.log.
        """
        2024-01-01 10:00:00, Info                  CBS    Loaded Servicing Stack v10.0.17763.5122
        2024-01-01 10:00:00, Info                  CSI    00000001@2024/1/1:10:00:00.123 WcpInitialize
        """,
        // Plain prose.
        """
        This is a readme.
        It has no dates.
        """,
    ])
    func otherFormatsAreNotClaimed(text: String) {
        let lines = text.components(separatedBy: "\n")
        #expect(AMTErrorParser.score(lines: lines, path: "AMTError.log") <= 10)
    }
}
