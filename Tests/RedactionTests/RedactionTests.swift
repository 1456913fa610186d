import Redaction
import Foundation
import LogRecord
import Testing

/// Redaction rules one by one, in every encoding, and what must survive them.
@Suite struct RedactionTests {
    static func secrets(_ text: String, config: Bool = false) -> (String, RedactionCounts) {
        let r = Redactor(mode: .secrets)
        let t = r.text(isConfig: config)
        let out = t.redact(all: Array(text.utf8))
        return (String(decoding: out, as: UTF8.self), t.counts)
    }

    static func pii(_ text: String, _ redactor: Redactor = Redactor(mode: .pii)) -> String {
        String(decoding: redactor.text().redact(all: Array(text.utf8)), as: UTF8.self)
    }

    // MARK: - secrets, rule by rule

    @Test func connectionStringPassword() {
        let line = #"connectionString="Data Source=WEBBRIX-SQL\WEBBRIX;Initial Catalog=WebBRIX;User ID=webbrix;Password=Demo!Secret42;Connect Timeout=15" />"#
        let (out, counts) = Self.secrets(line + "\r\n", config: true)
        #expect(out == line.replacingOccurrences(of: "Demo!Secret42", with: "[REDACTED]") + "\r\n")
        #expect(counts[.connectionStringPassword] == 1)
        let (pwd, c2) = Self.secrets("Server=db1;Uid=app;Pwd=p@ss w0rd;Encrypt=true\n")
        #expect(pwd == "Server=db1;Uid=app;Pwd=[REDACTED];Encrypt=true\n")
        #expect(c2[.connectionStringPassword] == 1)
    }

    @Test func keyValuesAndJSON() {
        let (out, counts) = Self.secrets("start --ApiToken=tok_81cfa0 --mode=fast api_secret: sk-live-998 \"password\": \"j$0n\", \"user\": \"x\"\n")
        #expect(out == "start --ApiToken=[REDACTED] --mode=fast api_secret: [REDACTED] \"password\": \"[REDACTED]\", \"user\": \"x\"\n")
        #expect(counts[.secretKeyValue] == 3)
    }

    @Test func msiProperties() {
        let log = """
        MSI (s) (A0:B4) [10:11:12:123]: PROPERTY CHANGE: Adding SERVICEPASSWORD property. Its value is 'S3rv!ce pw'.
        MSI (s) (A0:B4) [10:11:12:124]: PROPERTY CHANGE: Modifying DBPASS property. Its current value is 'old1'. Its new value: 'new2'.
        MSI (s) (A0:B4) [10:11:12:125]: PROPERTY CHANGE: Adding INSTALLDIR property. Its value is 'C:\\Program Files\\AMT\\'.
        Property(S): MsiHiddenProperties = LICENSECODE;SQLCRED
        Property(S): LICENSECODE = ABCD-7788-EEFF
        Property(S): SQLSA_PASSWORD = hunter 2
        Property(S): HIDDENPW = **********
        Property(S): ProductCode = {8E2C9B3A-6C4F-4D2B-9E1A-1F2E3D4C5B6A}
        Command line: SQLCRED=cr3d PIDKEY=XXXXX-12345 REBOOT=ReallySuppress

        """
        let (out, counts) = Self.secrets(log)
        for secret in ["S3rv!ce pw", "old1", "new2", "ABCD-7788-EEFF", "hunter 2", "cr3d", "XXXXX-12345"] {
            #expect(!out.contains(secret), "\(secret) survived")
        }
        #expect(out.contains("Its value is 'C:\\Program Files\\AMT\\'."))
        #expect(out.contains("Property(S): HIDDENPW = **********"))
        #expect(out.contains("{8E2C9B3A-6C4F-4D2B-9E1A-1F2E3D4C5B6A}"))
        #expect(out.contains("REBOOT=ReallySuppress"))
        #expect(counts[.msiProperty] == 4)
        #expect(counts[.msiHiddenProperty] == 2)
        #expect(counts[.secretKeyValue] == 1)
    }

    @Test func urlCredentialsAuthorizationAndBearer() {
        let (out, counts) = Self.secrets("""
        GET https://svc:Pa55word@api.example.com/v1/doors?id=7 failed
        Authorization: Basic dXNlcjpwYXNzd29yZA==
        proxy-authorization: NTLM TlRMTVNTUAABAAAAB4IIog==
        {"auth": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"}
        plain https://api.example.com/v1 and ftp://anonymous@host/

        """)
        #expect(out.contains("https://svc:[REDACTED]@api.example.com/v1/doors?id=7 failed"))
        #expect(out.contains("Authorization: Basic [REDACTED]\n"))
        #expect(out.contains("proxy-authorization: NTLM [REDACTED]\n"))
        #expect(out.contains(#"{"auth": "Bearer [REDACTED]"}"#))
        #expect(out.contains("plain https://api.example.com/v1 and ftp://anonymous@host/"))
        #expect(counts[.urlCredentials] == 1)
        #expect(counts[.authorizationHeader] == 2)
        #expect(counts[.bearerToken] == 1)
    }

    @Test func pemBlockAcrossChunks() {
        let text = "before\r\n-----BEGIN RSA PRIVATE KEY-----\r\nMIIEowIBAAKCAQEA7x\r\nQ2xvc2VkS2V5Ym9keQ==\r\n-----END RSA PRIVATE KEY-----\r\nafter -----BEGIN CERTIFICATE----- stays\r\n"
        let expected = "before\r\n-----BEGIN RSA PRIVATE KEY-----\r\n[REDACTED]\r\n[REDACTED]\r\n-----END RSA PRIVATE KEY-----\r\nafter -----BEGIN CERTIFICATE----- stays\r\n"
        for size in [1, 3, 7, 64, 4096] {
            let r = Redactor(mode: .secrets)
            let t = r.text()
            var out: [UInt8] = []
            let bytes = Array(text.utf8)
            var i = 0
            while i < bytes.count {
                for c in t.redact(ByteChunk(bytes: Array(bytes[i..<min(i + size, bytes.count)]))) { out += c.bytes }
                i += size
            }
            for last in t.finish() { out += last.bytes }
            #expect(String(decoding: out, as: UTF8.self) == expected, "chunk size \(size)")
            #expect(t.counts[.pemPrivateKey] == 1)
        }
    }

    @Test func configurationFiles() {
        let config = """
        <appSettings>
          <add key="DbPassword" value="Xy!93kd" />
          <add key="ApiKey" value="AKIA77EXAMPLE" />
          <add key="SiteName" value="Riverside Medical Center" />
        </appSettings>
        <smtp from="a@b.c"><network host="mail" password="smtp-Pw1" userName="alerts" /></smtp>
        <machineKey validationKey="AB12CD34EF" decryptionKey="99AA88BB" validation="SHA1" />
        <assemblyIdentity name="log4net" publicKeyToken="669e0ddf0bb1aa2a" culture="neutral" />
        <ClientSecret>cs-0042</ClientSecret>
        <setting name="ServicePassword" serializeAs="String"><value>svc!pw</value></setting>
        SmtpPassword = line-pw
        KeyPath=C:\\keys

        """
        let (out, counts) = Self.secrets(config, config: true)
        for secret in ["Xy!93kd", "AKIA77EXAMPLE", "smtp-Pw1", "AB12CD34EF", "99AA88BB", "cs-0042", "svc!pw", "line-pw"] {
            #expect(!out.contains(secret), "\(secret) survived")
        }
        for kept in ["Riverside Medical Center", "publicKeyToken=\"669e0ddf0bb1aa2a\"", "userName=\"alerts\"", "validation=\"SHA1\"", "KeyPath=C:\\keys", "key=\"DbPassword\""] {
            #expect(out.contains(kept), "\(kept) was redacted")
        }
        #expect(counts[.configValue] == 8)
    }

    @Test func exportedEventData() {
        let (out, counts) = Self.secrets(#"<Data Name="ServicePassword">evt-Pw9</Data><Data Name="param1">WebBRIX</Data>"# + "\n")
        #expect(out == #"<Data Name="ServicePassword">[REDACTED]</Data><Data Name="param1">WebBRIX</Data>"# + "\n")
        #expect(counts[.xmlValue] == 1)
    }

    @Test func noOverRedaction() {
        let text = """
        2026-11-24 07:21:35,015 [Scheduler] WARN  AMT.Services.Scheduler - Job 'BadgeSync' ran 179 s
        Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.5]
        ProductCode={8E2C9B3A-6C4F-4D2B-9E1A-1F2E3D4C5B6A} sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089 HRESULT 0x80070005 error 1603
        Keywords=0x8080000000000000 KeyboardLayout=00000409 PasswordLength=12 TokenType=JWT key=HKLM\\SOFTWARE\\AMT
        System.Threading.CancellationToken cancellationToken) in C:\\src\\Service.cs:line 42
        -----BEGIN CERTIFICATE----- x -----END CERTIFICATE-----
        MSI (s) (A0:B4) [10:11:12:123]: Note: 1: 2205 2:  3: Error
        MSI (s) (F0:1C) [10:41:13:644]: Executing op: FileCopy(SourceName=WebBRIX.Server.dll,SourceCabKey=fil3A1,DestName=WebBRIX.Server.dll)
        MSI (s) (F0:1C) [10:41:13:645]: Executing op: RegOpenKey(Root=-2147483646,Key=Software\\AMT\\WebBRIX,,BinaryType=0,PrimaryKey=Registry1)

        """
        let (out, counts) = Self.secrets(text)
        #expect(out == text)
        #expect(counts.isEmpty)
    }

    // MARK: - Encodings

    static func utf16(_ s: String, bigEndian: Bool = false, bom: Bool) -> [UInt8] {
        var out: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
        for u in s.utf16 {
            let lo = UInt8(u & 0xFF), hi = UInt8(u >> 8)
            out += bigEndian ? [hi, lo] : [lo, hi]
        }
        return out
    }

    @Test(arguments: [(false, true), (false, false), (true, true), (true, false)])
    func utf16KeepsStructure(bigEndian: Bool, bom: Bool) {
        let text = "=== Verbose logging started: 26.11.2026 Überprüfung ===\r\nProperty(S): SQLPASSWORD = ä-Geh3im\r\nProperty(S): INSTALLDIR = C:\\Program Files\\AMT\\\r\n"
        let expected = text.replacingOccurrences(of: "ä-Geh3im", with: "[REDACTED]")
        for size in [1, 2, 5, 1 << 16] {
            let t = Redactor(mode: .secrets).text()
            let bytes = Self.utf16(text, bigEndian: bigEndian, bom: bom)
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                for c in t.redact(ByteChunk(bytes: Array(bytes[i..<min(i + size, bytes.count)]))) { out += c.bytes }
                i += size
            }
            for last in t.finish() { out += last.bytes }
            #expect(out == Self.utf16(expected, bigEndian: bigEndian, bom: bom), "chunks of \(size)")
            #expect(t.counts[.msiProperty] == 1)
        }
    }

    @Test func nothingToRedactIsByteIdentical() {
        var bytes = Self.utf16("a line\r\nanother = line: 12:00:01\r\n", bom: true)
        #expect(Redactor(mode: .pii).text().redact(all: bytes) == bytes)
        bytes = [0xEF, 0xBB, 0xBF] + Array("déjà vu\nno newline at end".utf8) + [0xE9, 0xFF]
        #expect(Redactor(mode: .secrets).text().redact(all: bytes) == bytes)
        // Windows-1252 bytes around a secret stay as they are.
        let ansi: [UInt8] = [0xC4, 0x20] + Array("Pwd=geheim;".utf8) + [0xE9, 0x0D, 0x0A]
        #expect(Redactor(mode: .secrets).text().redact(all: ansi) == [0xC4, 0x20] + Array("Pwd=[REDACTED];".utf8) + [0xE9, 0x0D, 0x0A])
    }

    /// A file kept as head and tail (`skippedBefore`): the gap stays marked and no line is joined
    /// across it.
    @Test func gapBetweenHeadAndTail() {
        let t = Redactor(mode: .secrets).text()
        var out = t.redact(ByteChunk(bytes: Array("line one\nhead Pwd=".utf8)))
        out += t.redact(ByteChunk(bytes: Array("tail;Password=x1;\nlast Pwd=y2".utf8), skippedBefore: 4096))
        out += t.finish()
        #expect(out.map { String(decoding: $0.bytes, as: UTF8.self) } == ["line one\nhead Pwd=", "tail;Password=[REDACTED];\n", "last Pwd=[REDACTED]"])
        #expect(out.map(\.skippedBefore) == [0, 4096, 0])
    }

    // MARK: - pii

    @Test func ipAddressesKeepSubnets() {
        let r = Redactor(mode: .pii)
        let out = Self.pii("a 192.168.1.10 b 192.168.1.20 c 192.168.2.5 d 172.16.0.9 e 127.0.0.1 f 255.255.255.0 g 10.0.17763.1 Version 5.2.1.7 v1.2.3.4\n", r)
        let words = out.split(separator: " ").map(String.init)
        let a = words[1], b = words[3], c = words[5], d = words[7]
        #expect(a != "192.168.1.10")
        #expect(a.split(separator: ".").prefix(3) == b.split(separator: ".").prefix(3))
        #expect(a.split(separator: ".").last == "10" && b.split(separator: ".").last == "20")
        #expect(a.split(separator: ".").prefix(2) == c.split(separator: ".").prefix(2))
        #expect(a.split(separator: ".").prefix(3) != c.split(separator: ".").prefix(3))
        #expect(a.split(separator: ".").first != d.split(separator: ".").first)
        #expect(out.contains("e 127.0.0.1 f 255.255.255.0 g 10.0.17763.1 Version 5.2.1.7 v1.2.3.4"))
        #expect(r.totals[.ipAddress] == 4)
    }

    @Test func namesAndNumbers() {
        let r = Redactor(mode: .pii, knownHosts: ["WEBBRIX-SRV01"])
        let out = Self.pii("""
        Logon by CONTOSO\\jdoe from \\\\FILESRV02\\share at WEBBRIX-SRV01; mail jane.doe@contoso.com; NIC 00:1A:2B:3C:4D:5E
        C:\\Users\\mmustermann\\AppData\\Local\\Temp\\MSI1.LOG and C:\\Users\\Public\\x NT AUTHORITY\\SYSTEM HKLM\\SOFTWARE
        Data Source=SQLHOST1\\WEBBRIX;User ID=webbrix; Server name is 'WEBBRIX-SRV01\\SQLEXPRESS'. Login failed for user 'kiosk1'.
        Badge 00123456 denied at door 9; card number: 987654321; Badge sync completed for door 3; host srv3.corp.contoso.local
        User: asmith ProductCode {8E2C9B3A-6C4F-4D2B-9E1A-1F2E3D4C5B6A} System.Net.Http 4.8.04084 WebBRIX.Service.exe

        """, r)
        for gone in ["CONTOSO\\", "jdoe", "FILESRV02", "WEBBRIX-SRV01", "jane.doe", "contoso.com", "1A:2B", "mmustermann",
                     "SQLHOST1", "User ID=webbrix", "kiosk1", "00123456", "987654321", "srv3", "asmith"] {
            #expect(!out.contains(gone), "\(gone) survived:\n\(out)")
        }
        for kept in ["Users\\Public", "NT AUTHORITY\\SYSTEM", "HKLM\\SOFTWARE", "\\WEBBRIX;", "\\SQLEXPRESS", "door 9", "Badge sync completed for door 3",
                     "{8E2C9B3A-6C4F-4D2B-9E1A-1F2E3D4C5B6A}", "System.Net.Http 4.8.04084 WebBRIX.Service.exe"] {
            #expect(out.contains(kept), "\(kept) was redacted:\n\(out)")
        }
        // The same value has the same pseudonym wherever it appears.
        #expect(out.components(separatedBy: r.names.pseudonym(.host, "WEBBRIX-SRV01")).count == 3)
    }

    @Test func exportedEventNames() {
        let r = Redactor(mode: .pii)
        let out = Self.pii(#"<Data Name="TargetUserName">kdoyle</Data><Data Name="TargetDomainName">CORP</Data><Data Name="WorkstationName">FRONTDESK-07</Data><Data Name="LogonType">3</Data>"# + "\n", r)
        #expect(out == #"<Data Name="TargetUserName">user-1</Data><Data Name="TargetDomainName">DOMAIN1</Data><Data Name="WorkstationName">host-1</Data><Data Name="LogonType">3</Data>"# + "\n")
    }

    @Test func mappingIsPersistedAndReused() throws {
        let r1 = Redactor(mode: .pii)
        let first = Self.pii("user: alice at 192.168.7.20 mac 00-11-22-33-44-55\n", r1)
        let saved = try r1.names.encoded()
        let text = String(decoding: saved, as: UTF8.self)
        #expect(text.contains("alice") && text.contains("192.168.7"))
        let r2 = Redactor(mode: .pii, names: try Pseudonyms.decode(saved))
        let again = Self.pii("user: alice at 192.168.7.20 mac 00-11-22-33-44-55\n", r2)
        #expect(again == first)
        // New values continue the numbering without reusing a pseudonym.
        let more = Self.pii("user: bob at 192.168.8.1 and 192.168.7.21\n", r2)
        #expect(more.contains("user: user-2 "))
        let ipA = first.split(separator: " ")[3], ipB = more.split(separator: " ")[3], ipC = more.split(separator: " ")[5].dropLast()
        #expect(ipA.split(separator: ".").prefix(2) == ipB.split(separator: ".").prefix(2))
        #expect(ipA.split(separator: ".").prefix(3) != ipB.split(separator: ".").prefix(3))
        #expect(ipA.split(separator: ".").prefix(3) == ipC.split(separator: ".").prefix(3))
    }

    // MARK: - Records

    @Test func recordFields() {
        var record = Record(dataset: Dataset.evtx, message: "Service logon failed for CORP\\svc-door with secret Tr0ub4dor")
        var w = Winlog()
        w.computerName = "DOORCTL7.corp.example.com"
        w.eventData = [("ServicePassword", "Tr0ub4dor"), ("TargetUserName", "svc-door"), ("TargetDomainName", "CORP"), ("Keywords", "0x80"), ("param1", "10.1.2.3")]
        record.winlog = w
        record.hostName = "DOORCTL7.corp.example.com"
        record.setExtra("msi.product", .string("WebBRIX 5.2"))

        var s = record
        let c1 = Redactor(mode: .secrets).redact(&s)
        #expect(c1[.eventDataSecret] == 1)
        #expect(!s.message.contains("Tr0ub4dor"))
        #expect(s.winlog?.eventData[0].1 == "[REDACTED]")
        #expect(s.winlog?.eventData[1].1 == "svc-door")
        #expect(s.winlog?.computerName == "DOORCTL7.corp.example.com")

        let r = Redactor(mode: .pii)
        var p = record
        r.redact(&p)
        #expect(!p.message.contains("svc-door") && !p.message.contains("CORP\\"))
        #expect(p.winlog?.eventData[1].1 == r.names.pseudonym(.user, "svc-door"))
        #expect(p.message.contains(r.names.pseudonym(.user, "svc-door")))
        #expect(p.winlog?.computerName?.hasPrefix("host-") == true)
        #expect(p.hostName == p.winlog?.computerName)
        #expect(p.winlog?.eventData[4].1 != "10.1.2.3")
        #expect(p.winlog?.eventData[3].1 == "0x80")
        #expect(p.extra("msi.product") == .string("WebBRIX 5.2"))
    }

    @Test func paths() {
        let r = Redactor(mode: .pii)
        #expect(r.redact(path: "Users/jdoe/AppData/Local/Temp/MSI1.LOG") == "Users/user-1/AppData/Local/Temp/MSI1.LOG")
        #expect(r.redact(path: "Windows/Temp/MSI1.LOG") == "Windows/Temp/MSI1.LOG")
        #expect(Redactor(mode: .secrets).redact(path: "Users/jdoe/x.log") == "Users/jdoe/x.log")
    }
}
