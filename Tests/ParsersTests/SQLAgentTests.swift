import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct SQLAgentTests {
    static let fixtures = ["sql.agent/SQLAGENT.OUT", "sql.agent/SQLAGENT-localized.1"]

    @Test(arguments: fixtures)
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func marksIdsAndJobs() throws {
        let (records, stats) = try fixtureRecords("sql.agent/SQLAGENT.OUT", zone: newYork)
        #expect(stats.dataset == Dataset.sqlAgent)
        #expect(stats.encoding?.lowercased().contains("utf-16") == true)
        // The line before the first entry is a record of its own; the continuation line joins its entry.
        try #require(records.count == 12)
        #expect(records[0].message == "(continued from the previous file)")
        #expect(records[0].timestamp == nil)
        let levels = Dictionary(grouping: records.dropFirst(), by: \.level).mapValues(\.count)
        #expect(levels[.error] == 4 && levels[.warning] == 3 && levels[.information] == 4)
        let job = records[5]
        #expect(job.code == "LOG")
        #expect(job.level == .error)
        #expect(job.provider == "SQLServerAgent")
        #expect(job.extra("sql_agent.job") == .string("WebBRIX - Log backup"))
        #expect(job.extra("sql_agent.step") == .int(1))
        #expect(job.message.hasSuffix("\n    Operating system error 112(There is not enough space on the disk.). [SQLSTATE 42000] (Error 3013)"))
        // 02:00:04 EST.
        #expect(job.timestamp?.iso8601 == "2026-11-25T07:00:04.000Z")
        #expect(job.timeSource == .local)
        let lost = records[6]
        #expect(lost.code == "298")
        #expect(lost.extra("sql_agent.sql_error") == .int(10054))
        #expect(lost.extra("sql_agent.sqlstate") == .string("08S01"))
        #expect(records[8].code == "382")
        // `*` is not one of the agent's marks: information, and counted.
        #expect(records[9].level == .information)
        #expect(records[9].extra("sql_agent.mark") == .string("*"))
        #expect(stats.counters["sql_agent_unknown_marks"] == 1)
        #expect(records[10].level == .warning)
        #expect(records[10].extra("sql_agent.job") == .string("WebBRIX - Purge events"))
        #expect(records[10].extra("sql_agent.step") == nil)
        #expect(records[11].code == "098")
    }

    /// Localized messages: the marks, ids and quoted job names are read whatever the language;
    /// no BOM, NUL padding and no final newline lose nothing.
    @Test func localized() throws {
        let (records, stats) = try fixtureRecords("sql.agent/SQLAGENT-localized.1", zone: newYork)
        #expect(stats.dataset == Dataset.sqlAgent)
        try #require(records.count == 8)
        #expect(records.map(\.level) == [.information, .warning, .error, .error, .error, .error, .error, .information])
        #expect(records[2].extra("sql_agent.job") == .string("Copia del registro"))
        #expect(records[2].extra("sql_agent.step") == .int(1))
        #expect(records[3].extra("sql_agent.job") == .string("Sauvegarde complète"))
        #expect(records[3].extra("sql_agent.step") == .int(2))
        #expect(records[4].extra("sql_agent.job") == .string("Index pflegen"))
        #expect(records[4].extra("sql_agent.step") == .int(3))
        #expect(records[7].message == "2026-11-23 05:59:59 - ? [098] SQLServerAgent finalizado (normalmente)")
        #expect(stats.parseErrors == 0)
    }

    /// Detection: the agent's head, not the ERRORLOG's or a generic dated log's.
    @Test func detection() {
        let agent = ["2026-11-24 03:25:41 - ? [100] Microsoft SQLServerAgent version 15.0.4322.2",
                     "2026-11-24 03:25:42 - + [396] An idle CPU condition has not been defined"]
        #expect(SQLAgentParser.score(lines: agent, path: "SQLAGENT.OUT") >= 90)
        let errorlog = ["2026-11-23 06:00:01.12 Server      Microsoft SQL Server 2019 (RTM-CU22)",
                        "2026-11-23 06:00:01.13 Server      UTC adjustment: -5:00"]
        #expect(SQLAgentParser.score(lines: errorlog, path: "ERRORLOG") == 0)
        let generic = ["2026-11-24 03:25:41 - INFO - started", "2026-11-24 03:25:42 - WARN - slow"]
        #expect(SQLAgentParser.score(lines: generic, path: "app.log") == 0)
    }

    /// An impossible date is counted; the entry is kept without a time.
    @Test func impossibleDate() throws {
        let text = "2026-13-45 25:61:00 - ! [298] SQLServer Error: 53\n2026-11-24 03:25:41 - ? [100] started\n"
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: Dataset.sqlAgent,
                                                     context: ParseContext(sourcePath: "SQLAGENT.OUT", zone: .utc))
        try #require(records.count == 2)
        #expect(records[0].timestamp == nil)
        #expect(records[0].level == .error)
        #expect(records[0].extra("sql_agent.sql_error") == .int(53))
        #expect(stats.parseErrors == 1)
    }

    /// Lines over the line limit are cut and counted.
    @Test func lineOverTheCap() throws {
        let text = "2026-11-24 03:25:41 - ! [LOG] Step 1 of job 'Big' failed: " + String(repeating: "x", count: 200_000) + "\n"
            + "2026-11-24 03:25:42 - ? [000] next\n"
        var source = MemoryByteSource(Array(text.utf8), chunkSize: 1000)
        var records: [Record] = []
        let stats = try TextParsing.parse(source: &source, dataset: nil, context: ParseContext(sourcePath: "SQLAGENT.OUT", zone: .utc),
                                          maxLineBytes: 64 * 1024) { records.append($0.take()) }
        #expect(stats.dataset == Dataset.sqlAgent)
        #expect(stats.linesTruncated == 1)
        try #require(records.count == 2)
        #expect(records[0].extra("sql_agent.job") == .string("Big"))
        #expect(records[1].code == "000")
    }

    /// Real agent logs (es-localized and English): every entry with its mark's level and id.
    @Test(.needsSamples, arguments: [("desarrollo789_SQLAGENT.OUT", 27, 12, 3), ("koonst_SQLAGENT.OUT", 18, 0, 2)])
    func samples(_ name: String, total: Int, errors: Int, warnings: Int) throws {
        let url = try Samples.url("text/sql_agent/" + name)
        let bytes = try [UInt8](Data(contentsOf: url))
        let (records, stats) = try TextParsing.parse(bytes: bytes, dataset: nil,
                                                     context: ParseContext(sourcePath: "sql_agent/" + name, zone: .utc))
        #expect(stats.dataset == Dataset.sqlAgent)
        #expect(stats.parseErrors == 0)
        #expect(records.count == total)
        #expect(records.filter { $0.level == .error }.count == errors)
        #expect(records.filter { $0.level == .warning }.count == warnings)
        #expect(records.allSatisfy { $0.timestamp != nil && $0.code != nil })
        if name.hasPrefix("desarrollo") {
            #expect(records.first?.timestamp?.iso8601 == "2019-03-14T22:45:14.000Z")
            let lost = records.filter { $0.code == "298" }
            #expect(lost.count == 8)
            #expect(lost.allSatisfy { $0.extra("sql_agent.sql_error") == .int(773) && $0.extra("sql_agent.sqlstate") == .string("08001") })
            #expect(records.filter { $0.code == "382" }.count == 2)
            #expect(records.last?.code == "098" && records.last?.level == .warning)
            // The Spanish configuration message is one entry with its SQLSTATE.
            #expect(records.contains { $0.message.contains("Se ha cambiado la opción de configuración") && $0.extra("sql_agent.sqlstate") == .string("01000") })
        } else {
            #expect(records.first?.timestamp?.iso8601 == "2022-04-08T12:46:07.000Z")
            #expect(records.first?.code == "508")
        }
    }
}
