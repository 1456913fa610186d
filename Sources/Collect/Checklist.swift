import Bundler

/// The Tier 1 checklist: what the technician checked before sending the bundle.
public struct Tier1Checklist: Sendable {
    /// The items, in the order Tier 1 works through them: id and question.
    public static let items: [(id: String, question: String)] = [
        ("power", "Power checked (UPS, power supply, unexpected shutdowns)"),
        ("compatibility", "Compatibility checked (OS, SQL Server and .NET versions supported)"),
        ("network", "Network verified (controllers and workstations reach the server)"),
        ("versions", "Versions recorded (WebBRIX, SQL Server, firmware)"),
        ("reproduced", "Issue reproduced"),
    ]

    public enum Answer: String, Sendable {
        case yes, no, notApplicable = "n/a", unanswered
    }

    public struct Entry: Sendable {
        public var answer: Answer = .unanswered
        public var note: String?
    }

    public private(set) var entries: [String: Entry] = [:]
    public var stepsToReproduce: String?

    public init() {}

    /// Reads `--check NAME=ANSWER[:NOTE]` (ANSWER yes, no, na or n/a).
    public mutating func apply(_ spec: String) throws {
        guard let eq = spec.firstIndex(of: "=") else {
            throw CollectError("--check '\(spec)': expected NAME=ANSWER[:NOTE], e.g. power=yes:UPS tested")
        }
        let name = spec[..<eq].lowercased()
        guard Self.items.contains(where: { $0.id == name }) else {
            throw CollectError("--check: unknown item '\(name)'; known: \(Self.items.map(\.id).joined(separator: ", "))")
        }
        let rest = spec[spec.index(after: eq)...]
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let answer = Self.answer(String(parts[0])) else {
            throw CollectError("--check \(name): answer yes, no or na, not '\(parts[0])'")
        }
        let note = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
        entries[name] = Entry(answer: answer, note: note.isEmpty ? nil : note)
    }

    public static func answer(_ text: String) -> Answer? {
        switch text.lowercased().trimmingSpaces {
        case "yes", "y": .yes
        case "no", "n": .no
        case "na", "n/a", "not applicable": .notApplicable
        default: nil
        }
    }

    public func entry(_ id: String) -> Entry { entries[id] ?? Entry() }

    /// For the manifest's `case.checklist`.
    var manifest: Manifest.Checklist {
        Manifest.Checklist(
            items: Self.items.map { item in
                let e = entry(item.id)
                let answer: Manifest.ChecklistItem.Answer = switch e.answer {
                case .yes: .yes
                case .no: .no
                case .notApplicable: .notApplicable
                case .unanswered: .unanswered
                }
                return Manifest.ChecklistItem(name: item.id, answer: answer, note: e.note)
            },
            stepsToReproduce: stepsToReproduce)
    }

    /// Lines for the top of SUMMARY.txt and REPORT.html.
    public var summaryFields: [(String, String?)] {
        var fields: [(String, String?)] = Self.items.map { item in
            let e = entry(item.id)
            let label = item.id.prefix(1).uppercased() + item.id.dropFirst()
            let value = e.answer == .unanswered ? "not answered" : e.answer.rawValue + (e.note.map { " — \($0)" } ?? "")
            return (String(label), value)
        }
        fields.append(("Steps", stepsToReproduce))
        return fields
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
