@testable import Collect
import Foundation
import LogRecord
import Testing

/// The readers of the site's zone evidence, one rule at a time.
@Suite("Zone evidence readers")
struct ZoneEvidenceReaderTests {
    typealias R = ZoneEvidenceReader

    static func utf16LE(_ text: String, bom: Bool = true) -> [UInt8] {
        (bom ? [0xFF, 0xFE] : []) + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    @Test func event6013DataAsWindowsWritesIt() {
        let values = ["", "", "", "", "14", "60", "480 Pacific Standard Time"]
        let r = R.eventLog6013(values)
        #expect(r?.biasMinutes == 480)
        #expect(r?.name == "Pacific Standard Time")
        #expect(R.eventLog6013(["-60 Mitteleuropäische Zeit"])?.name == "Mitteleuropäische Zeit")
        #expect(R.eventLog6013(["-60 Mitteleuropäische Zeit"])?.biasMinutes == -60)
        #expect(R.eventLog6013(["-330 India Standard Time", "Binary"])?.biasMinutes == -330)
    }

    @Test func event6013RejectsWhatIsNotABiasAndName() {
        #expect(R.eventLog6013([]) == nil)
        #expect(R.eventLog6013(["", "14", "60"]) == nil)
        #expect(R.eventLog6013(["900 Too Far West"]) == nil)
        #expect(R.eventLog6013(["-900 Too Far East"]) == nil)
        #expect(R.eventLog6013(["12345678901234567890 Overflow"]) == nil)
        #expect(R.eventLog6013(["300 "]) == nil)
        #expect(R.eventLog6013(["abc Eastern Standard Time"]) == nil)
        #expect(R.eventLog6013(["300 1234"]) == nil)
    }

    static let errorlogHead = """
        2026-11-23 06:00:01.12 Server      Microsoft SQL Server 2019 (RTM-CU22) (KB5027702) - 15.0.4322.2 (X64) \r
        \tJul 27 2023 18:11:00 \r
        \r
        2026-11-23 06:00:01.13 Server      UTC adjustment: -5:00\r
        2026-11-23 06:00:01.13 Server      (c) Microsoft Corporation.\r

        """

    @Test func errorlogHeadInUTF16AndUTF8() throws {
        for bytes in [Self.utf16LE(Self.errorlogHead), Self.utf16LE(Self.errorlogHead, bom: false), Array(Self.errorlogHead.utf8)] {
            let h = try #require(R.errorlogHead(bytes[...]))
            #expect(h.offsetMinutes == -300)
            #expect(h.statedAtLocal == Timestamp(year: 2026, month: 11, day: 23, hour: 6, minute: 0, second: 1))
            #expect(h.firstLineLocal == Timestamp(year: 2026, month: 11, day: 23, hour: 6, minute: 0, second: 1))
        }
        let east = Self.errorlogHead.replacingOccurrences(of: "-5:00", with: "9:00")
        #expect(R.errorlogHead(Array(east.utf8)[...])?.offsetMinutes == 540)
        let none = Self.errorlogHead.replacingOccurrences(of: "UTC adjustment: -5:00", with: "Server process ID is 4120.")
        #expect(R.errorlogHead(Array(none.utf8)[...]) == nil)
        #expect(R.errorlogHead(Array("UTC adjustment: -5:00\r\n".utf8)[...]) == nil, "no dated line")
    }

    @Test func offsetsAsSQLServerWritesThem() {
        #expect(R.offsetMinutes("-5:00") == -300)
        #expect(R.offsetMinutes("+5:30") == 330)
        #expect(R.offsetMinutes("9:00") == 540)
        #expect(R.offsetMinutes("0:00") == 0)
        #expect(R.offsetMinutes("5:45") == 345)
        #expect(R.offsetMinutes("-15:00") == nil)
        #expect(R.offsetMinutes("5") == nil)
        #expect(R.offsetMinutes("5:7") == nil)
        #expect(R.offsetMinutes("") == nil)
    }

    static let msiTail = """
        MSI (s) (F0:1C) [10:41:19:603]: MainEngineThread is returning 1603\r
        === Logging stopped: 11/24/2026  10:41:19 ===\r
        MSI (c) (D4:E8) [10:41:19:877]: Product: WebBRIX Server -- Installation operation failed.\r
        MSI (c) (D4:E8) [10:41:19:014]: Windows Installer installed the product. Product Name: WebBRIX Server. Product Version: 5.2.0.1187. Product Language: 1033. Manufacturer: AMT. Installation success or error status: 1603.\r

        """

    @Test func msiLogEnd() throws {
        let end = try #require(R.msiTail(Self.utf16LE(Self.msiTail)[...]))
        #expect(end.stoppedLocal == [Timestamp(year: 2026, month: 11, day: 24, hour: 10, minute: 41, second: 19)!])
        #expect(end.productName == "WebBRIX Server")
        #expect(end.productVersion == "5.2.0.1187")
        // A date that reads both ways gives both readings; other locales' dates.
        let ambiguous = try #require(R.msiTail(Array("=== Logging stopped: 3/4/2026  1:02:03 ===\n".utf8)[...]))
        #expect(ambiguous.stoppedLocal.count == 2)
        #expect(ambiguous.productName == nil)
        let german = try #require(R.msiTail(Array("=== Verbose logging stopped: 24.11.2026  10:41:19 ===\n".utf8)[...]))
        #expect(german.stoppedLocal == [Timestamp(year: 2026, month: 11, day: 24, hour: 10, minute: 41, second: 19)!])
        let pm = try #require(R.msiTail(Array("=== Logging stopped: 11/24/2026  3:41:19 PM ===\n".utf8)[...]))
        #expect(pm.stoppedLocal.first == Timestamp(year: 2026, month: 11, day: 24, hour: 15, minute: 41, second: 19))
        #expect(R.msiTail(Array("=== Logging started: 11/24/2026  10:41:06 ===\n".utf8)[...]) == nil)
        // Years no clock shows are not dates (and never overflow the arithmetic).
        #expect(R.msiTail(Array("=== Logging stopped: 11/24/999999  10:41:06 ===\n".utf8)[...]) == nil)
        #expect(R.msiTail(Array("=== Logging stopped: 999999-11-24  10:41:06 ===\n".utf8)[...]) == nil)
    }

    @Test func theDemoMSILogEnds() throws {
        let url = Fixture.demo.appendingPathComponent("Windows/Temp/MSI3f2a1.LOG")
        let bytes = try [UInt8](Data(contentsOf: url))
        let end = try #require(R.msiTail(bytes[...]))
        #expect(end.stoppedLocal == [Timestamp(year: 2026, month: 11, day: 24, hour: 10, minute: 41, second: 19)!])
        #expect(end.productName == "WebBRIX Server")
        #expect(end.packagePath == "C:\\Users\\tech\\Downloads\\WebBRIX 5.2 (x64)\\WebBRIX.Server.msi")
    }

    @Test func msiInstallerEventProducts() {
        let p1033 = R.msiEventProduct(eventID: 1033, values: ["WebBRIX Server 5.2", "5.2.1048", "1033", "1603", "AMT"])
        #expect(p1033?.name == "WebBRIX Server 5.2")
        #expect(p1033?.version == "5.2.1048")
        #expect(R.msiEventProduct(eventID: 11708, values: ["Product: WebBRIX Server 5.2 -- Installation failed.", "(NULL)"])?.name
                == "WebBRIX Server 5.2")
        #expect(R.msiEventProduct(eventID: 11707, values: ["Product: X -- Installation completed successfully."])?.name == "X")
        #expect(R.msiEventProduct(eventID: 1040, values: ["Beginning a Windows Installer transaction"]) == nil)
        #expect(R.msiEventProduct(eventID: 1042, values: ["Ending a Windows Installer transaction: C:\\Temp\\WebBRIX.Server.msi. Client Process Id: 4420."])?.name
                == "C:\\Temp\\WebBRIX.Server.msi")
        #expect(R.msiEventProduct(eventID: 1042, values: ["C:\\Temp\\WebBRIX.Server.msi", "4420"])?.name == "C:\\Temp\\WebBRIX.Server.msi")
        #expect(R.msiEventProduct(eventID: 11708, values: []) == nil)
        #expect(R.msiEventProduct(eventID: 11708, values: ["no product here"]) == nil)
    }

    @Test func pairsGiveQuarterHourOffsets() {
        let utc = Timestamp(year: 2026, month: 11, day: 24, hour: 15, minute: 41, second: 21)!
        #expect(R.pairOffset(local: Timestamp(year: 2026, month: 11, day: 24, hour: 10, minute: 41, second: 19)!, utc: utc) == -300)
        #expect(R.pairOffset(local: Timestamp(year: 2026, month: 11, day: 24, hour: 21, minute: 26, second: 30)!, utc: utc) == 345)
        // Too far apart to be one instant, or no whole quarter hour.
        #expect(R.pairOffset(local: Timestamp(year: 2026, month: 11, day: 22, hour: 10, minute: 41, second: 19)!, utc: utc) == nil)
        #expect(R.pairOffset(local: Timestamp(year: 2026, month: 11, day: 24, hour: 10, minute: 49, second: 0)!, utc: utc) == nil)
    }

    @Test func hostFactsFiles() throws {
        let reg = """
            Windows Registry Editor Version 5.00\r
            \r
            [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation]\r
            "Bias"=dword:0000012c\r
            "DaylightName"="@tzres.dll,-111"\r
            "StandardName"="@tzres.dll,-112"\r
            "TimeZoneKeyName"="Eastern Standard Time"\r

            """
        let r = try #require(R.hostFacts(Self.utf16LE(reg)[...]))
        #expect(r.name == "Eastern Standard Time")
        #expect(r.offsetMinutes == -300)
        let east = try #require(R.hostFacts(Array(reg.replacingOccurrences(of: "0000012c", with: "fffffeb6").utf8)[...]))
        #expect(east.offsetMinutes == 330, "a negative bias (east of UTC) as a DWORD")
        #expect(R.hostFacts(Array("Eastern Standard Time\r\n".utf8)[...])?.name == "Eastern Standard Time")
        #expect(R.hostFacts(Array("Time Zone:                 (UTC-05:00) Eastern Time (US & Canada)\r\n".utf8)[...])?.offsetMinutes == -300)
        #expect(R.hostFacts(Array("Time Zone:                 (UTC) Coordinated Universal Time\r\n".utf8)[...])?.offsetMinutes == 0)
        let facts = """
            {
              "host" : {
                "time_zone" : "America/Chicago",
                "utc_offset_minutes" : -360
              }
            }
            """
        let f = try #require(R.hostFacts(Array(facts.utf8)[...]))
        #expect(f.name == "America/Chicago")
        #expect(f.offsetMinutes == -360)
        #expect(R.hostFacts(Array("just some words\nand more\nand more".utf8)[...]) == nil)
        #expect(R.hostFacts([][...]) == nil)
    }
}

enum Fixture {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let demo = packageRoot.appendingPathComponent("Fixtures/demo-site")
}
