import EdgeIO
#if canImport(Glibc)
import Glibc
#endif

/// One blocking HTTPS GET, for helper threads that fetch small documents mcp-edge needs (an
/// issuer's key set): TLS 1.2+ with the certificate and host name verified, HTTP/1.0 (so the
/// body is never chunked), no redirects followed, the body bounded. Never call it on a loop.
public enum HTTPSFetch {
    /// A response: status, header fields (names lower-case), body.
    public struct Response {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// GETs `url` (`https://host[:port]/path`) with the system CAs, or `caFile`'s.
    public static func get(_ url: String, caFile: String? = nil, timeoutSeconds: Int = 10,
                           maxBytes: Int = 1 << 20) throws -> Response {
        try request("GET", url, caFile: caFile, timeoutSeconds: timeoutSeconds, maxBytes: maxBytes)
    }

    /// POSTs a form (`application/x-www-form-urlencoded`, e.g. an OAuth token request).
    public static func postForm(_ url: String, form: [(String, String)], headers: [(String, String)] = [],
                                caFile: String? = nil, timeoutSeconds: Int = 10) throws -> Response {
        let body = form.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&")
        return try request("POST", url, headers: headers + [("content-type", "application/x-www-form-urlencoded")],
                           body: Array(body.utf8), caFile: caFile, timeoutSeconds: timeoutSeconds, maxBytes: 1 << 20)
    }

    /// RFC 6749 appendix B: every byte outside the unreserved set percent-encoded.
    public static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 15)])
            }
        }
        return out
    }

    static func request(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8] = [],
                        caFile: String?, timeoutSeconds: Int, maxBytes: Int) throws -> Response {
        guard url.hasPrefix("https://") else { throw Failure(description: "only https:// URLs are fetched") }
        let rest = url.dropFirst("https://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let target = rest.dropFirst(authority.count)
        var host = String(authority), port: UInt16 = 443
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = UInt16(authority[authority.index(after: colon)...]) else { throw Failure(description: "bad port in \(url)") }
            host = String(authority[..<colon])
            port = number
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Failure(description: "no host in \(url)") }
        let context = try TLSClientContext(caFile: caFile)
        guard let address = try SocketAddress.resolve(host: host, port: port).first else {
            throw Failure(description: "\(host) does not resolve")
        }
        let fd = try Socket.connectBlocking(to: address, timeoutSeconds: timeoutSeconds)
        defer { Socket.close(fd) }
        let tls = try TLSConnection(clientContext: context, fd: fd, serverName: host)
        switch tls.handshake() {
        case .done: break
        case .wantRead, .wantWrite: throw Failure(description: "TLS handshake with \(host) timed out")
        case .closed: throw Failure(description: "\(host) closed the connection during the TLS handshake")
        case .error(let error): throw Failure(description: "TLS handshake with \(host): \(error)")
        }
        var request = ByteBuffer()
        request.write(contentsOf: Array((method + " " + (target.isEmpty ? "/" : String(target))).utf8))
        request.write(" HTTP/1.0\r\nhost: ")
        request.write(contentsOf: Array(authority.utf8))
        request.write("\r\naccept: application/json\r\nuser-agent: mcp-edge\r\nconnection: close")
        for (name, value) in headers {
            request.write(contentsOf: Array(("\r\n" + name + ": " + value).utf8))
        }
        if !body.isEmpty || method == "POST" {
            request.write("\r\ncontent-length: ")
            request.write(decimal: body.count)
        }
        request.write("\r\n\r\n")
        request.write(contentsOf: body)
        while !request.isEmpty {
            guard case .written(let count) = tls.write(request) else { throw Failure(description: "cannot send the request to \(host)") }
            request.moveReaderIndex(forwardBy: count)
        }
        var received = ByteBuffer()
        reading: while received.readableBytes <= maxBytes + 16 * 1024 {
            switch tls.read(into: &received) {
            case .bytes: continue
            case .closed: break reading
            case .wantRead, .wantWrite: throw Failure(description: "\(host) did not answer within \(timeoutSeconds) s")
            case .error(let error):
                if received.readableBytes > 0 { break reading }  // some servers skip close_notify
                throw Failure(description: "reading from \(host): \(error)")
            }
        }
        return try parse(Array(received.readableSlice), maxBytes: maxBytes, from: host)
    }

    static func parse(_ bytes: [UInt8], maxBytes: Int, from host: String) throws -> Response {
        guard let end = (0..<Swift.max(bytes.count - 3, 0)).first(where: {
            bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A && bytes[$0 + 2] == 0x0D && bytes[$0 + 3] == 0x0A
        }) else { throw Failure(description: "\(host) sent no complete HTTP head") }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure(description: "\(host) sent no HTTP status line")
        }
        var headers: [(name: String, value: String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " \t")))
        }
        var body = Array(bytes[(end + 4)...])
        if let length = headers.first(where: { $0.name == "content-length" }).flatMap({ Int($0.value) }), length < body.count {
            body = Array(body.prefix(length))
        }
        guard body.count <= maxBytes else { throw Failure(description: "\(host) sent more than \(maxBytes) bytes") }
        return Response(status: status, headers: headers, body: body)
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
