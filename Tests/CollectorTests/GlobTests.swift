import Testing
@testable import Collector

@Suite struct GlobTests {
    @Test(arguments: [
        ("Windows/Temp/MSI*.LOG", "WINDOWS/temp/msi1a2b.log", true),
        ("Windows/Temp/MSI*.LOG", "Windows/Temp/MSI1a2b.txt", false),
        ("Windows/Temp/MSI*.LOG", "Windows/Temp/sub/MSI1a2b.LOG", false),
        ("Program Files*/AMT*/**/AMTError*", "Program Files (x86)/AMT/AMTError.log", true),
        ("Program Files*/AMT*/**/AMTError*", "program files/amt systems/a/b/c/amterror_1.txt", true),
        ("Program Files*/AMT*/**/AMTError*", "Program Files/Other/AMTError.log", false),
        ("a/**", "a/x", true),
        ("a/**", "a/x/y/z", true),
        ("a/**", "a", false),
        ("**/x.log", "x.log", true),
        ("**/x.log", "d/e/X.LOG", true),
        ("a/**/**/b", "a/b", true),
        ("ERRORLOG?", "ERRORLOG1", true),
        ("ERRORLOG?", "ERRORLOG", false),
        ("log[0-9].txt", "LOG7.txt", true),
        ("log[0-9].txt", "logx.txt", false),
        ("log[!0-9].txt", "logx.txt", true),
        ("log[!0-9].txt", "log7.txt", false),
        ("setupapi.{dev,app}*.log", "SetupAPI.App.log", true),
        ("setupapi.{dev,app}*.log", "setupapi.offline.log", false),
        ("{Windows/Temp,Users/*/AppData/Local/Temp}/{,[0-9]*/}MSI*.LOG", "users/tech/appdata/local/temp/2/MSIab.LOG", true),
        ("{Windows/Temp,Users/*/AppData/Local/Temp}/{,[0-9]*/}MSI*.LOG", "Windows/Temp/MSIab.LOG", true),
        ("{Windows/Temp,Users/*/AppData/Local/Temp}/{,[0-9]*/}MSI*.LOG", "Windows/Temp/x/MSIab.LOG", false),
        ("Temp/[{]*[}]/setup*.log", "Temp/{8E2A-11}/Setup.log", true),
        ("Temp/[{]*[}]/setup*.log", "Temp/8E2A-11/Setup.log", false),
        ("Temp/{GUID}/a", "temp/{guid}/A", true),
        ("Windows\\INF\\setupapi.dev.log", "Windows/inf/SETUPAPI.DEV.LOG", true),
        ("*a*b*c", "xaxxbxxxc", true),
        ("*a*b*c", "xaxxbxxxcd", false),
    ])
    func matching(pattern: String, path: String, expected: Bool) throws {
        #expect(try Glob(pattern).matches(path) == expected)
    }

    @Test(arguments: [
        ("/Windows/Temp", "relative"),
        ("C:/Windows/Temp", "drive letter"),
        ("Windows/../etc", "'..'"),
        ("Windows/[abc", "unclosed '['"),
        ("Windows/{a,b", "unclosed '{'"),
        ("Windows/a}", "'}' without '{'"),
        ("Windows/[z-a]", "reversed range"),
        ("", "is empty"),
    ])
    func rejected(pattern: String, problem: String) {
        #expect {
            try Glob(pattern)
        } throws: { error in
            (error as? GlobError)?.description.contains(problem) == true
        }
    }

    @Test func braceExpansionIsBounded() {
        let pattern = String(repeating: "{a,b}", count: 9)  // 512 alternatives
        #expect(throws: GlobError.self) { try Glob(pattern) }
        #expect(throws: Never.self) { try Glob(String(repeating: "{a,b}", count: 8)) }
    }
}
