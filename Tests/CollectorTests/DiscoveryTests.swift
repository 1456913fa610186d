import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import Collector
#if canImport(Glibc)
import Glibc
#endif

@Suite struct DiscoveryTests {
    /// One file per location in DESIGN.md "Known locations", and the entry that must take it.
    static let knownLocations: [(path: String, entry: String)] = [
        ("Program Files/AMT/WebBRIX/Logs/AMTError.log", "amt_error_logs"),
        ("Program Files (x86)/AMT Systems/Service/AMTError_20261120.txt", "amt_error_logs"),
        ("ProgramData/AMT/WebBRIX/AMTError.log", "amt_error_logs"),
        ("inetpub/wwwroot/WebBRIX/AMTError.log", "amt_error_logs"),
        ("inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError.2026-11-19.log", "amt_error_logs"),
        ("Program Files/AMT/WebBRIX/NLog.config", "amt_logging_config_files"),
        ("ProgramData/AMT/WebBRIX/log4net.config", "amt_logging_config_files"),
        ("inetpub/wwwroot/WebBRIX/Web.config", "amt_app_config_logging"),
        ("Program Files (x86)/AMT Systems/Service/AMT.Service.exe.config", "amt_app_config_logging"),
        ("Windows/Temp/MSI1a2b3.LOG", "msi_logs"),
        ("Windows/Temp/2/MSI9f8e7.LOG", "msi_logs"),
        ("Users/tech (admin)/AppData/Local/Temp/MSI4f5e.LOG", "msi_logs"),
        ("Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Summary.txt", "sql_setup_logs"),
        ("Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/20261120_080000/Detail.txt", "sql_setup_logs"),
        ("Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/20261120_080000/Summary_WEBBRIX01_20261120_080000.txt", "sql_setup_logs"),
        ("Program Files (x86)/Microsoft SQL Server/110/Setup Bootstrap/Log/Summary.txt", "sql_setup_logs"),
        ("Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Log20261120_080000.cab", "sql_setup_cabinets"),
        ("Windows/INF/setupapi.dev.log", "setupapi_logs"),
        ("Windows/INF/setupapi.dev.20261101_120000.log", "setupapi_logs"),
        ("Windows/INF/setupapi.app.log", "setupapi_logs"),
        ("Windows/setupapi.log", "setupapi_logs"),
        ("Windows/DPINST.LOG", "dpinst_log"),
        ("Windows/Temp/InstallShield.log", "installshield_logs"),
        ("Users/tech (admin)/AppData/Local/Temp/{8E2A1C3D-5F00-4B7A-9C11-0123456789AB}/setup.log", "installshield_logs"),
        ("Users/tech (admin)/AppData/Local/Temp/ISSetup_12.log", "installshield_logs"),
        ("Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/ERRORLOG", "sql_errorlog"),
        ("Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/ERRORLOG.1", "sql_errorlog"),
        ("Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/SQLAGENT.OUT", "sql_agent_log"),
        ("Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/SQLAGENT.1", "sql_agent_log"),
        ("Windows/System32/winevt/Logs/Application.evtx", "event_logs"),
        ("Windows/System32/winevt/Logs/System.evtx", "event_logs"),
        ("Windows/System32/winevt/Logs/Setup.evtx", "event_logs"),
        ("Windows/System32/winevt/Logs/AMT-WebBRIX%4Operational.evtx", "event_logs_amt"),
    ]

    /// Names next to the known ones that must not be collected.
    static let decoys: [String] = [
        "Program Files/AMT/WebBRIX/AMT.Core.dll",
        "Program Files/AMT/WebBRIX/AMTErrorHandler.dll",
        "Program Files/AMT/WebBRIX/readme.txt",
        "Program Files/Other Vendor/AMTError.log",
        "Program Files/AMT.txt",
        "inetpub/wwwroot/AMTError.log",
        "inetpub/wwwroot/Other/web.config",
        "Windows/Temp/other.log",
        "Windows/Temp/sub/MSIab.LOG",
        "Windows/INF/setupapi.offline.log",
        "Windows/System32/winevt/Logs/Microsoft-Windows-PowerShell%4Operational.evtx",
        "Windows/System32/winevt/Logs/Security.evtx",
        "Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/system_health_0.xel",
        "Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/20261120_080000/ConfigurationFile.ini",
        "Users/tech (admin)/Documents/MSI1.LOG",
    ]

    static func content(for path: String) -> String {
        if path.hasSuffix("Web.config") { return "<configuration>\n  <log4net>\n    <appender/>\n  </log4net>\n</configuration>\n" }
        if path.hasSuffix(".exe.config") { return "<configuration><NLog xmlns=\"http://www.nlog-project.org\"/></configuration>" }
        if path.hasSuffix("web.config") { return "<configuration><appSettings/></configuration>" }
        return "log line of \(path)\n"
    }

    static func buildTree() throws -> TempTree {
        let tree = try TempTree("known")
        for (path, _) in knownLocations { try tree.write(path, content(for: path)) }
        for path in decoys { try tree.write(path, content(for: path)) }
        // Large folders the walk has no business in.
        for i in 0..<20 { try tree.write("Windows/WinSxS/amd64_component_\(i)/file\(i).dll") }
        try tree.write("Users/tech (admin)/Documents/Projects/deep/notes.txt")
        return tree
    }

    @Test func everyKnownLocationIsMatchedByItsEntry() throws {
        let tree = try Self.buildTree()
        let result = Discovery.testing(tree.root).run()
        let found = Dictionary(uniqueKeysWithValues: result.sources.map { ($0.relativePath, $0) })
        for (path, entry) in Self.knownLocations {
            let source = found[path]
            #expect(source?.entryID == entry, "\(path) expected in \(entry), got \(source?.entryID ?? "nothing")")
            #expect(source?.absolutePath == tree.root.appending(path))
            #expect(source?.size == Int64(Self.content(for: path).utf8.count))
            #expect(source?.modified != nil)
        }
        #expect(result.sources.count == Self.knownLocations.count, "\(result.sources.map(\.relativePath))")
        // Deterministic order, by relative path.
        #expect(result.sources.map(\.relativePath) == result.sources.map(\.relativePath).sorted())
        // Kinds come from the entries.
        #expect(found["Windows/DPINST.LOG"]?.kind == "dpinst")
        #expect(found["Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/SQLAGENT.OUT"]?.kind == "sql.agent")
        #expect(found["Program Files/AMT/WebBRIX/NLog.config"]?.maxBytes == 1 << 20)
    }

    @Test func decoysAreNotCollected() throws {
        let tree = try Self.buildTree()
        let result = Discovery.testing(tree.root).run()
        let collected = Set(result.sources.map(\.relativePath))
        for decoy in Self.decoys { #expect(!collected.contains(decoy), "\(decoy) must not be collected") }
        // Security.evtx is listed as skipped (opt-in), not silently dropped; nothing else is skipped.
        #expect(result.skipped.map(\.relativePath) == ["Windows/System32/winevt/Logs/Security.evtx"])
        #expect(result.skipped.first?.code == .optInNotRequested)
        #expect(result.skipped.first?.entryID == "event_log_security")
        // The config without a logging section is reported as passed over, not collected.
        let report = result.catalogReport()
        let configs = try #require(report.first { $0.entry.id == "amt_app_config_logging" })
        #expect(configs.contentNotMatched == ["inetpub/wwwroot/Other/web.config"])
    }

    @Test func optInEntryIsCollectedOnlyWhenAsked() throws {
        let tree = try Self.buildTree()
        let asked = Discovery.testing(tree.root, optIn: ["event_log_security"]).run()
        let security = asked.sources.first { $0.relativePath == "Windows/System32/winevt/Logs/Security.evtx" }
        #expect(security?.entryID == "event_log_security")
        #expect(security?.kind == "windows.evtx")
        #expect(asked.skipped.isEmpty)
    }

    @Test func walkListsOnlyFoldersPatternsCanReach() throws {
        let tree = try Self.buildTree()
        let log = InjectingAccess.ListLog()
        _ = Discovery.testing(tree.root, access: InjectingAccess(listed: log)).run()
        let listed = log.all
        #expect(Set(listed).count == listed.count, "a folder was listed twice")
        #expect(!listed.contains { $0.contains("WinSxS") })
        #expect(!listed.contains { $0.contains("Documents") })
        #expect(!listed.contains { $0.hasSuffix("Other Vendor") })
        #expect(listed.contains { $0.hasSuffix("winevt/Logs") })
    }

    @Test func namesMatchCaseInsensitivelyAndKeepTheirCase() throws {
        let tree = try TempTree("case")
        try tree.write("WINDOWS/system32/WINEVT/LOGS/application.EVTX")
        try tree.write("program files (X86)/amt/logs/amterror.LOG")
        try tree.write("windows/temp/msiab12.log")
        let result = Discovery.testing(tree.root).run()
        #expect(result.sources.map(\.relativePath) == [
            "WINDOWS/system32/WINEVT/LOGS/application.EVTX",
            "program files (X86)/amt/logs/amterror.LOG",
            "windows/temp/msiab12.log",
        ].sorted())
        #expect(result.sources.map(\.entryID).sorted() == ["amt_error_logs", "event_logs", "msi_logs"])
    }

    @Test func fileMatchedByTwoEntriesIsCollectedOnceByTheFirst() throws {
        let tree = try TempTree("twice")
        try tree.write("ProgramData/AMT/AMTError.log")
        let extra = CatalogEntry(id: "everything_amt", title: "all", group: "amt_error", kind: "auto",
                                 patterns: ["ProgramData/AMT*/**"])
        let catalog = Catalog.builtin().merging(Catalog(entries: [extra]))
        let result = Discovery.testing(tree.root, catalog: catalog).run()
        #expect(result.sources.map(\.entryID) == ["amt_error_logs"])
        #expect(result.skipped.isEmpty)
    }

    @Test func includesAddFilesAndFolders() throws {
        let tree = try TempTree("root")
        let outside = try TempTree("outside")
        try tree.write("Windows/DPINST.LOG")
        try tree.write("Site/notes.txt", "inside root, not in the catalog")
        let single = try outside.write("export/App Events.evtx", "evtx")
        try outside.write("dumps/a.txt", "a")
        try outside.write("dumps/sub dir/b.log", "b")
        try outside.write("other/a.txt", "another a.txt")
        let result = Discovery.testing(
            tree.root,
            includes: [FilePath(single), FilePath(outside.path("dumps")), tree.root.appending("Site/notes.txt"),
                       FilePath(outside.path("other/a.txt")), FilePath(outside.path("dumps/a.txt"))]
        ).run()
        let byPath = Dictionary(uniqueKeysWithValues: result.sources.map { ($0.relativePath, $0) })
        #expect(Set(byPath.keys) == [
            "Windows/DPINST.LOG", "include/App Events.evtx", "include/dumps/a.txt", "include/dumps/sub dir/b.log",
            "Site/notes.txt", "include/a.txt",
        ])
        #expect(byPath["include/dumps/sub dir/b.log"]?.entryID == "include")
        #expect(byPath["include/dumps/sub dir/b.log"]?.kind == "auto")
        #expect(byPath["Site/notes.txt"]?.entryID == "include")
        #expect(byPath["include/a.txt"]?.absolutePath.string == outside.path("other/a.txt"))
        // dumps/a.txt was given twice (inside the folder and by name): collected once.
        #expect(result.sources.filter { $0.absolutePath.string.hasSuffix("dumps/a.txt") }.count == 1)
        let report = result.catalogReport()
        #expect(report.last?.entry.id == "include")
        #expect(report.last?.collected.count == 5)
    }

    @Test func includeNameCollisionsStayDistinct() throws {
        let tree = try TempTree("root")
        let outside = try TempTree("outside")
        let a = try outside.write("one/app.log", "1")
        let b = try outside.write("two/app.log", "2")
        let result = Discovery.testing(tree.root, includes: [FilePath(a), FilePath(b)]).run()
        #expect(result.sources.map(\.relativePath) == ["include/app (2).log", "include/app.log"].sorted()
            || result.sources.map(\.relativePath) == ["include/app.log", "include/app.log (2)"])
        #expect(Set(result.sources.map(\.relativePath)).count == 2)
    }

    @Test func missingIncludeIsSkippedWithReason() throws {
        let tree = try TempTree("root")
        let result = Discovery.testing(tree.root, includes: ["/nonexistent/amt/x.log"]).run()
        #expect(result.sources.isEmpty)
        #expect(result.skipped.first?.relativePath == "include/x.log")
        #expect(result.skipped.first?.code == .vanished)
    }

    @Test func symbolicLinkTroubleIsSkippedAndTheWalkEnds() throws {
        let tree = try TempTree("links")
        let outside = try TempTree("outside")
        let secret = try outside.write("secret.log", "not for the bundle")
        let logs = "Program Files/AMT/WebBRIX/Logs"
        try tree.write("\(logs)/AMTError.log")
        try tree.symlink("\(logs)/loop", to: "..")                      // folder loop
        try tree.symlink("\(logs)/AMTError-self.log", to: "AMTError-self.log")  // link loop
        try tree.symlink("\(logs)/AMTError-gone.log", to: "missing.log")        // dangling
        try tree.symlink("\(logs)/AMTError-outside.log", to: secret)            // leaves the root
        try tree.symlink("\(logs)/AMTError-alias.log", to: "AMTError.log")      // same file again
        try tree.fifo("\(logs)/AMTError.pipe")                                   // not a file
        try tree.write("ProgramData/AMT/real/AMTError.log")
        try tree.symlink("ProgramData/AMT/link", to: "real")                     // same folder again
        let result = Discovery.testing(tree.root).run()
        // Real paths win over links to the same file or folder.
        #expect(result.sources.map(\.relativePath) == ["ProgramData/AMT/real/AMTError.log", "\(logs)/AMTError.log"].sorted())
        let codes = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.relativePath, $0.code) })
        #expect(codes["\(logs)/loop"] == .loop)
        #expect(codes["\(logs)/AMTError-self.log"] == .loop)
        #expect(codes["\(logs)/AMTError-gone.log"] == .danglingLink)
        #expect(codes["\(logs)/AMTError-outside.log"] == .outsideRoot)
        #expect(codes["\(logs)/AMTError-alias.log"] == .duplicate)
        #expect(codes["\(logs)/AMTError.pipe"] == .notRegularFile)
        #expect(codes["ProgramData/AMT/link"] == .duplicate)
        let pipe = try #require(result.skipped.first { $0.relativePath.hasSuffix(".pipe") })
        #expect(pipe.reason.contains("named pipe"))
        // The link outside the root is followed when it is given with --include.
        let included = Discovery.testing(tree.root, includes: [tree.root.appending("\(logs)/AMTError-outside.log")]).run()
        #expect(included.sources.contains { $0.relativePath == "include/AMTError-outside.log" && $0.entryID == "include" })
    }

    @Test func unreadableFileIsSkippedAsPermissionDenied() throws {
        let tree = try TempTree("denied")
        try tree.write("Windows/DPINST.LOG")
        try tree.write("Windows/setupapi.log")
        let access = InjectingAccess(deny: ["DPINST.LOG"])
        let result = Discovery.testing(tree.root, access: access).run()
        #expect(result.sources.map(\.relativePath) == ["Windows/setupapi.log"])
        let skip = try #require(result.skipped.first)
        #expect(skip.relativePath == "Windows/DPINST.LOG")
        #expect(skip.entryID == "dpinst_log")
        #expect(skip.code == .permissionDenied)
        #expect(skip.reason == "permission denied (Permission denied)")
    }

    @Test(.enabled(if: !isRoot(), "root reads chmod-000 files; the injected case above covers root"))
    func chmod000FileIsSkippedAsPermissionDenied() throws {
        let tree = try TempTree("chmod")
        let file = try tree.write("Windows/DPINST.LOG")
        #expect(chmod(file, 0) == 0)
        let result = Discovery.testing(tree.root).run()
        #expect(result.sources.isEmpty)
        #expect(result.skipped.first?.code == .permissionDenied)
    }

    @Test func fileVanishingAfterListingIsSkipped() throws {
        let tree = try TempTree("vanish")
        try tree.write("Windows/DPINST.LOG")
        try tree.write("Windows/setupapi.log")
        let result = Discovery.testing(tree.root, access: InjectingAccess(vanish: ["DPINST.LOG"])).run()
        #expect(result.sources.map(\.relativePath) == ["Windows/setupapi.log"])
        #expect(result.skipped.first?.relativePath == "Windows/DPINST.LOG")
        #expect(result.skipped.first?.code == .vanished)
        #expect(result.skipped.first?.reason.hasPrefix("vanished between listing and reading") == true)
    }

    @Test func filesLastWrittenBeforeSinceAreListedAsSkipped() throws {
        let tree = try TempTree("since")
        let log = "Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log"
        try tree.write("\(log)/ERRORLOG")
        try tree.write("\(log)/ERRORLOG.1")
        try tree.write("\(log)/ERRORLOG.2")
        try tree.write("Program Files/AMT/WebBRIX/NLog.config", "<nlog/>")
        let now = Date()
        try tree.setModified("Program Files/AMT/WebBRIX/NLog.config", now.addingTimeInterval(-400 * 86_400))
        try tree.setModified("\(log)/ERRORLOG", now)
        try tree.setModified("\(log)/ERRORLOG.1", now.addingTimeInterval(-3 * 86_400))
        try tree.setModified("\(log)/ERRORLOG.2", now.addingTimeInterval(-30 * 86_400))
        let nowTS = Timestamp(microsecondsSinceEpoch: Int64(now.timeIntervalSince1970 * 1_000_000))
        let since = try #require(TimeWindow.parseWhen("7d", now: nowTS))
        let result = Discovery.testing(tree.root, window: TimeWindow(since: since)).run()
        // A configuration file is taken whatever its age (`any_age`).
        #expect(result.sources.map(\.relativePath) == ["Program Files/AMT/WebBRIX/NLog.config", "\(log)/ERRORLOG", "\(log)/ERRORLOG.1"])
        let skip = try #require(result.skipped.first)
        #expect(skip.relativePath == "\(log)/ERRORLOG.2")
        #expect(skip.code == .beforeSince)
        #expect(skip.reason.hasPrefix("last written before --since"))
        #expect(skip.entryID == "sql_errorlog")
        // The catalog report lists it under its entry too.
        let entry = try #require(result.catalogReport().first { $0.entry.id == "sql_errorlog" })
        #expect(entry.collected.count == 2 && entry.skipped.count == 1)
    }

    @Test func missingRootIsReportedNotFatal() {
        let result = Discovery.testing("/nonexistent/amt-root").run()
        #expect(result.sources.isEmpty)
        #expect(result.skipped.count == 1)
        #expect(result.skipped.first?.relativePath == ".")
    }
}

@Suite struct IncludeInsideRootTests {
    @Test func includedFolderInsideRootIsSearchedForEveryFile() throws {
        let tree = try TempTree("inside")
        try tree.write("ProgramData/AMT/WebBRIX/AMTError.log")
        try tree.write("ProgramData/AMT/WebBRIX/Trace/trace-1.txt")
        try tree.write("ProgramData/AMT/WebBRIX/service.xml")
        let result = Discovery.testing(tree.root, includes: [tree.root.appending("ProgramData/AMT")]).run()
        #expect(result.sources.map(\.relativePath) == [
            "ProgramData/AMT/WebBRIX/AMTError.log", "ProgramData/AMT/WebBRIX/Trace/trace-1.txt",
            "ProgramData/AMT/WebBRIX/service.xml",
        ])
        #expect(result.sources.map(\.entryID) == ["amt_error_logs", "include", "include"])
        #expect(result.skipped.isEmpty)
    }
}

@Suite struct DiscoveryJSONTests {
    @Test func sourcesAndSkipsEncodeWithSnakeCaseNames() throws {
        let tree = try TempTree("json")
        try tree.write("Windows/DPINST.LOG")
        try tree.setModified("Windows/DPINST.LOG", Date(timeIntervalSince1970: 1_763_625_600))
        try tree.write("Windows/System32/winevt/Logs/Security.evtx")
        let result = Discovery.testing(tree.root).run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let source = String(decoding: try encoder.encode(try #require(result.sources.first)), as: UTF8.self)
        #expect(source == #"{"absolute_path":"\#(tree.path("Windows/DPINST.LOG"))","entry_id":"dpinst_log","kind":"dpinst","modified":"2025-11-20T08:00:00.000000Z","relative_path":"Windows/DPINST.LOG","size":2}"#)
        let skip = String(decoding: try encoder.encode(try #require(result.skipped.first)), as: UTF8.self)
        #expect(skip.contains(#""code":"opt_in_not_requested""#))
        #expect(skip.contains(#""relative_path":"Windows/System32/winevt/Logs/Security.evtx""#))
        let report = try encoder.encode(result.catalogReport())
        #expect(String(decoding: report, as: UTF8.self).contains(#""content_not_matched":[]"#))
    }
}

@Suite struct UnlistableFolderTests {
    @Test func folderThatCannotBeListedIsReportedAndTheRestCollected() throws {
        let tree = try TempTree("unlistable")
        try tree.write("Users/alice/AppData/Local/Temp/MSI1.LOG")
        try tree.write("Users/bob/AppData/Local/Temp/MSI2.LOG")
        let result = Discovery.testing(tree.root, access: InjectingAccess(denyList: ["alice"])).run()
        #expect(result.sources.map(\.relativePath) == ["Users/bob/AppData/Local/Temp/MSI2.LOG"])
        let skip = try #require(result.skipped.first)
        #expect(skip.relativePath == "Users/alice")
        #expect(skip.code == .permissionDenied)
        #expect(skip.entryID == "msi_logs")
        #expect(skip.reason == "folder could not be searched: permission denied (Permission denied)")
    }
}

@Suite struct SpecialFileTests {
    @Test func socketsAndDevicesAreSkippedWithTheirKind() throws {
        let tree = try TempTree("special")
        try tree.mkdir("Windows")
        let socketPath = tree.path("Windows/DPINST.LOG")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        #expect(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let result = Discovery.testing(tree.root, includes: ["/dev/null"]).run()
        #expect(result.sources.isEmpty)
        let reasons = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.relativePath, $0.reason) })
        #expect(reasons["Windows/DPINST.LOG"] == "a socket, not a regular file")
        #expect(reasons["include/null"] == "a character device, not a regular file or folder")
    }

    @Test func walkStopsAtTheDepthLimit() throws {
        let tree = try TempTree("deep")
        let deep = Array(repeating: "d", count: Discovery.depthLimit + 2).joined(separator: "/")
        try tree.write("ProgramData/AMT/\(deep)/AMTError.log")
        try tree.write("ProgramData/AMT/AMTError.log")
        let result = Discovery.testing(tree.root).run()
        #expect(result.sources.map(\.relativePath) == ["ProgramData/AMT/AMTError.log"])
        #expect(result.skipped.count == 1)
        #expect(result.skipped.first?.code == .tooDeep)
    }
}
