/// Request methods mcp-edge distinguishes; anything else is `.other` and its bytes are kept.
public enum HTTPMethod: UInt8 {
    case get, head, post, put, delete, options, patch, connect, trace, other

    /// Whether a request with this method may carry a body without a framing header.
    public var expectsBody: Bool { self == .post || self == .put || self == .patch }
}

/// The head of a request as either codec parsed it: HTTP/1.1 fills it from the request line
/// and headers, HTTP/2 from pseudo-headers and the header list. Reused per stream/connection.
public struct HTTPRequestHead {
    public var method: HTTPMethod = .get
    /// The method's bytes (for `.other`, and for re-serialising).
    public var methodBytes: [UInt8] = []
    /// The request target: origin-form path and query (`/mcp?x=1`).
    public var target: [UInt8] = []
    /// The authority: `Host` for HTTP/1.1, `:authority` for HTTP/2.
    public var authority: [UInt8] = []
    /// HTTP/1.x minor version (1 for HTTP/1.1, 0 for HTTP/1.0); 2 for HTTP/2 requests is not used.
    public var versionMinor: Int = 1
    /// The body length from `Content-Length`, or nil when absent.
    public var contentLength: Int? = nil
    /// Whether the body is chunked (HTTP/1.1 only).
    public var isChunked: Bool = false
    /// Whether the client asked to close the connection after this request (HTTP/1.x).
    public var connectionClose: Bool = false
    /// Header fields, hop-by-hop ones included (the forwarder drops them).
    public var fields = HTTPFields()

    public init() {
        methodBytes.reserveCapacity(8)
        target.reserveCapacity(64)
        authority.reserveCapacity(32)
    }

    /// Forgets the previous request; keeps the allocations.
    public mutating func reset() {
        method = .get
        methodBytes.removeAll(keepingCapacity: true)
        target.removeAll(keepingCapacity: true)
        authority.removeAll(keepingCapacity: true)
        versionMinor = 1
        contentLength = nil
        isChunked = false
        connectionClose = false
        fields.removeAll()
    }

    /// The path without the query.
    public var path: ArraySlice<UInt8> {
        if let q = target.firstIndex(of: UInt8(ascii: "?")) { return target[..<q] }
        return target[...]
    }

    /// Whether the request carries a body (by its framing).
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }

    public static func method(from bytes: ArraySlice<UInt8>) -> HTTPMethod {
        func eq(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == bytes.count else { return false }
            var j = 0
            for b in bytes { if b != s.utf8Start[j] { return false }; j += 1 }
            return true
        }
        switch bytes.count {
        case 3: return eq("GET") ? .get : eq("PUT") ? .put : .other
        case 4: return eq("POST") ? .post : eq("HEAD") ? .head : .other
        case 5: return eq("PATCH") ? .patch : eq("TRACE") ? .trace : .other
        case 6: return eq("DELETE") ? .delete : .other
        case 7: return eq("OPTIONS") ? .options : eq("CONNECT") ? .connect : .other
        default: return .other
        }
    }
}

/// The head of a response from an upstream (HTTP/1.1) or for a client.
public struct HTTPResponseHead {
    public var status: Int = 200
    public var versionMinor: Int = 1
    /// The body length from `Content-Length`, or nil when absent.
    public var contentLength: Int? = nil
    /// Whether the body is chunked.
    public var isChunked: Bool = false
    /// Whether the upstream will close the connection after this response.
    public var connectionClose: Bool = false
    public var fields = HTTPFields()

    public init() {}

    public mutating func reset() {
        status = 200
        versionMinor = 1
        contentLength = nil
        isChunked = false
        connectionClose = false
        fields.removeAll()
    }

    /// 1xx, 204 and 304 responses never have a body.
    public var forbidsBody: Bool { status < 200 || status == 204 || status == 304 }
}
