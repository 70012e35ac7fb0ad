import EdgeIO

/// Writes the head of a request to an upstream, rebuilt from the parsed form (never the raw
/// bytes a client sent): HTTP/1.1, keep-alive, `Host` from the authority, its own framing,
/// no hop-by-hop or `Connection`-listed fields, no `Expect` (the edge answers
/// `100-continue` itself), and the client recorded in `X-Forwarded-For` and `Forwarded`.
/// Stateless; called by the upstream side of a proxied exchange.
public enum HTTP1RequestSerializer {
    /// - Parameters:
    ///   - bodyLength: the body's length, or nil to send it chunked (see `HTTP1ChunkWriter`).
    ///     A zero length on GET, HEAD, OPTIONS or TRACE writes no `Content-Length`.
    ///   - clientAddress: the client's IP address as text (`192.0.2.1`, `2001:db8::1`).
    ///   - proto: the scheme the client used, `"https"` or `"http"`.
    ///   - path: when given, the request goes to this path (the client's query is kept)
    ///     instead of the client's target; a proxy sends the backend's own path.
    ///   - host: when given, the `Host` sent instead of the client's authority.
    public static func writeHead(_ head: HTTPRequestHead, bodyLength: Int?,
                                 forwardedFor clientAddress: [UInt8], proto: StaticString,
                                 path: [UInt8]? = nil, host: [UInt8]? = nil,
                                 extraFields: [(name: [UInt8], value: [UInt8])] = [],
                                 authorization: [UInt8]? = nil,
                                 into buffer: inout ByteBuffer) {
        if head.methodBytes.isEmpty { buffer.write(methodName(head.method)) } else { buffer.write(contentsOf: head.methodBytes) }
        buffer.write(" ")
        if let path {
            buffer.write(contentsOf: path[...])
            if let query = head.target.firstIndex(of: UInt8(ascii: "?")) {
                buffer.write(contentsOf: head.target[query...])
            }
        } else {
            buffer.write(contentsOf: head.target[...])
        }
        buffer.write(" HTTP/1.1\r\nhost: ")
        buffer.write(contentsOf: (host ?? head.authority)[...])
        buffer.write("\r\n")
        for field in extraFields {
            buffer.write(contentsOf: field.name)
            buffer.write(": ")
            buffer.write(contentsOf: field.value)
            buffer.write("\r\n")
        }
        if let authorization {
            buffer.write("authorization: ")
            buffer.write(contentsOf: authorization)
            buffer.write("\r\n")
        }

        let fields = head.fields
        let options = HTTP1ConnectionOptions(fields)
        var lastXFF = -1
        for i in fields.fields.indices where fields.fields[i].known == .xForwardedFor { lastXFF = i }
        for i in fields.fields.indices {
            let known = fields.fields[i].known
            if known == .host || known == .expect || options.drops(fields, i) { continue }
            if i == lastXFF {
                let field = fields.fields[i]
                buffer.write("x-forwarded-for: ")
                if !field.value.isEmpty {
                    buffer.write(contentsOf: fields.bytes[field.value])
                    buffer.write(", ")
                }
                buffer.write(contentsOf: clientAddress)
                buffer.write("\r\n")
                continue
            }
            buffer.writeField(fields, i)
        }
        if lastXFF < 0 {
            buffer.write("x-forwarded-for: ")
            buffer.write(contentsOf: clientAddress)
            buffer.write("\r\n")
        }
        buffer.write("forwarded: for=")
        if clientAddress.isEmpty {
            buffer.write("unknown")
        } else if clientAddress.contains(HTTP1Bytes.colon) {
            buffer.write("\"[")
            buffer.write(contentsOf: clientAddress)
            buffer.write("]\"")
        } else {
            buffer.write(contentsOf: clientAddress)
        }
        buffer.write(";proto=")
        buffer.write(proto)
        buffer.write("\r\n")

        if let length = bodyLength {
            let bodyless = head.method == .get || head.method == .head
                || head.method == .options || head.method == .trace
            if length > 0 || !bodyless {
                buffer.write("content-length: ")
                buffer.write(decimal: length)
                buffer.write("\r\n")
            }
        } else {
            buffer.write("transfer-encoding: chunked\r\n")
        }
        buffer.write("\r\n")
    }

    static func methodName(_ method: HTTPMethod) -> StaticString {
        switch method {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .options: return "OPTIONS"
        case .patch: return "PATCH"
        case .connect: return "CONNECT"
        case .trace: return "TRACE"
        case .other: return "GET"
        }
    }
}
