/// The ECS fields of one web server request (IIS W3C, HTTPERR), each `nil` when the source does not
/// state it (IIS writes `-`). Written by `JSONLinesWriter` under their ECS names (see `names`).
public struct HTTPFields: Sendable, Equatable {
    /// `http.request.method`: as written (`GET`, `POST`).
    public var method: String?
    /// `http.version`: the version number only (`1.1` of `HTTP/1.1`).
    public var version: String?
    /// `http.response.status_code`.
    public var statusCode: Int?
    /// `http.request.referrer`.
    public var referrer: String?
    /// `http.request.bytes`: bytes the client sent (IIS `cs-bytes`).
    public var requestBytes: Int64?
    /// `http.response.bytes`: bytes the server sent (IIS `sc-bytes`).
    public var responseBytes: Int64?
    /// `url.original`: the request URI as written (HTTPERR `cs-uri`).
    public var urlOriginal: String?
    /// `url.path`.
    public var urlPath: String?
    /// `url.query`: without the `?`.
    public var urlQuery: String?
    /// `url.domain`: the `Host` header (`cs-host`).
    public var urlDomain: String?
    /// `source.ip`: the client address (`c-ip`).
    public var sourceIP: String?
    /// `source.port` (`c-port`).
    public var sourcePort: Int?
    /// `destination.ip`: the server address the request came to (`s-ip`).
    public var destinationIP: String?
    /// `destination.port` (`s-port`).
    public var destinationPort: Int?
    /// `user_agent.original`, `+` read as the space IIS wrote it for.
    public var userAgent: String?
    /// `user.name`: the authenticated user (`cs-username`).
    public var userName: String?
    /// `event.duration` in nanoseconds (IIS `time-taken` is milliseconds).
    public var durationNanos: Int64?

    public init() {}

    /// The ECS names of the fields `value(ecs:)` answers for.
    public static let names: Set<String> = [
        "http.request.method", "http.version", "http.response.status_code", "http.request.referrer",
        "http.request.bytes", "http.response.bytes", "url.original", "url.path", "url.query", "url.domain",
        "source.ip", "source.port", "destination.ip", "destination.port", "user_agent.original", "user.name",
        "event.duration",
    ]

    /// The field named by its ECS name, as JSON (`nil`: absent, or not a field of this type).
    public func value(ecs name: String) -> JSONValue? {
        func s(_ v: String?) -> JSONValue? { v.map(JSONValue.string) }
        func i(_ v: Int?) -> JSONValue? { v.map { .int(Int64($0)) } }
        func l(_ v: Int64?) -> JSONValue? { v.map(JSONValue.int) }
        switch name {
        case "http.request.method": return s(method)
        case "http.version": return s(version)
        case "http.response.status_code": return i(statusCode)
        case "http.request.referrer": return s(referrer)
        case "http.request.bytes": return l(requestBytes)
        case "http.response.bytes": return l(responseBytes)
        case "url.original": return s(urlOriginal)
        case "url.path": return s(urlPath)
        case "url.query": return s(urlQuery)
        case "url.domain": return s(urlDomain)
        case "source.ip": return s(sourceIP)
        case "source.port": return i(sourcePort)
        case "destination.ip": return s(destinationIP)
        case "destination.port": return i(destinationPort)
        case "user_agent.original": return s(userAgent)
        case "user.name": return s(userName)
        case "event.duration": return l(durationNanos)
        default: return nil
        }
    }
}

extension Record {
    /// Whether the record carries web request fields (`http` is not `nil`), without copying them.
    public var hasHTTP: Bool { httpBox != nil }

    /// The value at an ECS web field name (`url.path`, `http.response.status_code`, … see
    /// `HTTPFields.names`) or else at `amt.<path>` (`path` with or without the `amt.` prefix).
    public func value(at path: String) -> JSONValue? {
        if let h = httpBox?.value, HTTPFields.names.contains(path) { return h.value(ecs: path) }
        if HTTPFields.names.contains(path) { return nil }
        return extra(path.hasPrefix("amt.") ? String(path.dropFirst(4)) : path)
    }
}

/// Out-of-line storage for `Record.http`. Never mutated while shared (copy on write), so it is
/// safe to send.
@usableFromInline
final class HTTPFieldsBox: @unchecked Sendable {
    var value: HTTPFields
    init(_ value: HTTPFields) { self.value = value }
}

extension JSONLinesWriter {
    /// The web request's members after the fixed ones: `http`, `url`, `source`, `destination`,
    /// `user_agent`, `user` (each only when one of its fields is present). `event.duration` is
    /// written inside `event` by the caller.
    static func writeHTTP(_ h: HTTPFields, _ o: inout RawOut) {
        if h.method != nil || h.version != nil || h.statusCode != nil || h.referrer != nil
            || h.requestBytes != nil || h.responseBytes != nil {
            o.open("http")
            if h.method != nil || h.referrer != nil || h.requestBytes != nil {
                o.open("request")
                if let v = h.method { o.stringMember("method", v) }
                if let v = h.referrer { o.stringMember("referrer", v) }
                if let v = h.requestBytes { o.intMember("bytes", v) }
                o.close()
            }
            if h.statusCode != nil || h.responseBytes != nil {
                o.open("response")
                if let v = h.statusCode { o.intMember("status_code", Int64(v)) }
                if let v = h.responseBytes { o.intMember("bytes", v) }
                o.close()
            }
            if let v = h.version { o.stringMember("version", v) }
            o.close()
        }
        if h.urlOriginal != nil || h.urlPath != nil || h.urlQuery != nil || h.urlDomain != nil {
            o.open("url")
            if let v = h.urlOriginal { o.stringMember("original", v) }
            if let v = h.urlDomain { o.stringMember("domain", v) }
            if let v = h.urlPath { o.stringMember("path", v) }
            if let v = h.urlQuery { o.stringMember("query", v) }
            o.close()
        }
        if h.sourceIP != nil || h.sourcePort != nil {
            o.open("source")
            if let v = h.sourceIP { o.stringMember("ip", v) }
            if let v = h.sourcePort { o.intMember("port", Int64(v)) }
            o.close()
        }
        if h.destinationIP != nil || h.destinationPort != nil {
            o.open("destination")
            if let v = h.destinationIP { o.stringMember("ip", v) }
            if let v = h.destinationPort { o.intMember("port", Int64(v)) }
            o.close()
        }
        if let v = h.userAgent {
            o.open("user_agent")
            o.stringMember("original", v)
            o.close()
        }
        if let v = h.userName {
            o.open("user")
            o.stringMember("name", v)
            o.close()
        }
    }
}

extension RecordJSON {
    /// Bytes the web request's members can take.
    static func bound(of h: HTTPFields) -> Int {
        var n = 400
        n += bound(h.method) + bound(h.version) + bound(h.referrer) + bound(h.urlOriginal) + bound(h.urlPath)
        n += bound(h.urlQuery) + bound(h.urlDomain) + bound(h.sourceIP) + bound(h.destinationIP)
        n += bound(h.userAgent) + bound(h.userName)
        return n
    }
}
