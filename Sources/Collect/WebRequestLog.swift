import LogRecord

/// What the web server logs of a collection (IIS W3C, HTTPERR) add up to, for the summary:
/// requests and their 4xx/5xx answers, the URL paths answered with 5xx most often, and the
/// reasons and queues (application pools) of the requests HTTP.sys refused. Bounded: at most
/// `keptPaths` distinct paths and `keptReasons` distinct reasons or queues are counted by name;
/// the rest count in the totals only.
struct WebRequestLog: Sendable {
    static let keptPaths = 1000
    static let keptReasons = 100
    static let w3c = "iis.w3c"
    static let httpErr = "iis.httperr"

    private(set) var requests = 0
    private(set) var serverErrors = 0
    private(set) var clientErrors = 0
    private(set) var unavailable = 0
    private(set) var failingPaths: [String: Int] = [:]
    private(set) var refused = 0
    private(set) var reasons: [String: Int] = [:]
    private(set) var queues: [String: Int] = [:]

    var isEmpty: Bool { requests == 0 && refused == 0 }

    /// Counts `record` if it is a request of a web server log (directive blocks are not).
    mutating func add(_ record: Record) {
        guard let h = record.http else { return }
        if record.dataset == Self.httpErr {
            refused += 1
            if let r = record.extra("iis.reason")?.stringValue { Self.bump(&reasons, r, Self.keptReasons) }
            if let q = record.extra("iis.queue")?.stringValue { Self.bump(&queues, q, Self.keptReasons) }
            return
        }
        requests += 1
        guard let status = h.statusCode else { return }
        if status >= 500 && status < 600 {
            serverErrors += 1
            if status == 503 { unavailable += 1 }
            Self.bump(&failingPaths, h.urlPath ?? h.urlOriginal ?? "?", Self.keptPaths)
        } else if status >= 400 && status < 500 {
            clientErrors += 1
        }
    }

    mutating func merge(_ other: WebRequestLog) {
        requests += other.requests
        serverErrors += other.serverErrors
        clientErrors += other.clientErrors
        unavailable += other.unavailable
        refused += other.refused
        for (k, v) in other.failingPaths { Self.bump(&failingPaths, k, Self.keptPaths, by: v) }
        for (k, v) in other.reasons { Self.bump(&reasons, k, Self.keptReasons, by: v) }
        for (k, v) in other.queues { Self.bump(&queues, k, Self.keptReasons, by: v) }
    }

    private static func bump(_ d: inout [String: Int], _ key: String, _ limit: Int, by n: Int = 1) {
        if d[key] != nil || d.count < limit { d[key, default: 0] += n }
    }

    /// The most counted names, most first (ties by name), as `name (count)`.
    private static func top(_ d: [String: Int], _ k: Int) -> [(String, Int)] {
        Array(d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k))
    }

    /// The section's title.
    var title: String { "WEB SERVER (IIS, times in UTC)" }

    /// Summary lines: the requests and their errors, the busiest failing URL paths, and what
    /// HTTP.sys refused.
    var lines: [String] {
        var out: [String] = []
        if requests > 0 {
            out.append("\(requests) requests: \(serverErrors) answered 5xx (\(unavailable) of them 503), \(clientErrors) answered 4xx")
            let top = Self.top(failingPaths, 3)
            if let (path, n) = top.first {
                out.append("busiest failing URL: \(path) (\(n) × 5xx)")
                for (p, c) in top.dropFirst() { out.append("  also: \(p) (\(c) × 5xx)") }
            }
        }
        if refused > 0 {
            var line = "HTTP.sys refused or cut \(refused) requests"
            let r = Self.top(reasons, 5)
            if !r.isEmpty { line += ": " + r.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
            out.append(line)
            let q = Self.top(queues, 3)
            if !q.isEmpty { out.append("application pools named: " + q.map { "\($0.0) (\($0.1))" }.joined(separator: ", ")) }
        }
        return out
    }
}
