import EdgeIO

/// Parses HTTP/1.1 response heads from an upstream connection, as strictly as requests:
/// a framing it cannot trust (CL with TE, bad or duplicate CL, codings other than a single
/// `chunked`, TE in HTTP/1.0) is an error, to be answered 502 to the client. One parser per
/// upstream connection, owned by its event loop.
///
/// Interim responses (1xx other than 101) come back as `.complete` with `head.status < 200`
/// and `framing == .none`: consume `headLength` bytes and call again for the final response.
/// `101 Switching Protocols` is an error, since mcp-edge never forwards `Upgrade`.
/// The reason phrase is checked but not kept; a status line without the SP before an empty
/// reason (`HTTP/1.1 200\r\n`) is accepted.
public struct HTTP1ResponseParser {
    public var limits: HTTP1Limits
    private var scanner = HTTP1HeadScanner()
    /// After `.complete`: how the response body is delimited. `.untilClose` also sets
    /// `head.connectionClose`.
    public private(set) var framing: HTTP1BodyFraming = .none

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        self.limits = limits
    }

    /// Forgets a partly scanned head.
    public mutating func reset() {
        scanner.reset()
        framing = .none
    }

    /// Looks for a complete response head at `buffer.readerIndex`. `requestMethod` is the
    /// method of the request this answers: a response to HEAD has no body whatever it says.
    public mutating func parseHead(_ buffer: ByteBuffer, into head: inout HTTPResponseHead,
                                   requestMethod: HTTPMethod) -> HTTP1ParseResult {
        let bytes = buffer.storage
        let base = buffer.readerIndex
        switch scanner.scan(bytes, base: base, end: buffer.writerIndex, limits: limits, allowLeadingCRLF: false) {
        case .incomplete:
            return .incomplete
        case .error(let error):
            return .error(error)
        case .found(let start, let end):
            head.reset()
            framing = .none
            if let error = parse(bytes, start, end, &head, requestMethod) { return .error(error) }
            return .complete(headLength: end - base)
        }
    }

    private mutating func parse(_ bytes: [UInt8], _ start: Int, _ end: Int,
                                _ head: inout HTTPResponseHead, _ method: HTTPMethod) -> HTTP1ParseError? {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
        var lineEnd = start
        while bytes[lineEnd] != HTTP1Bytes.cr { lineEnd += 1 }
        guard lineEnd - start >= 12 else { return .invalidStatusLine }
        guard let minor = HTTP1RequestParser.version(bytes, start..<(start + 8)) else { return .invalidStatusLine }
        if minor < 0 { return .unsupportedVersion }
        let s = start + 8
        guard bytes[s] == HTTP1Bytes.sp, HTTP1Bytes.isDigit(bytes[s + 1]), HTTP1Bytes.isDigit(bytes[s + 2]),
              HTTP1Bytes.isDigit(bytes[s + 3]), bytes[s + 1] != 48 else { return .invalidStatusLine }
        let status = Int(bytes[s + 1] - 48) * 100 + Int(bytes[s + 2] - 48) * 10 + Int(bytes[s + 3] - 48)
        if s + 4 < lineEnd {
            guard bytes[s + 4] == HTTP1Bytes.sp else { return .invalidStatusLine }
            for j in (s + 5)..<lineEnd where !HTTP1Bytes.isFieldValueChar(bytes[j]) { return .invalidStatusLine }
        }
        if status == 101 { return .unexpectedSwitchingProtocols }
        head.status = status
        head.versionMinor = minor

        var fieldParser = HTTP1FieldLineParser()
        if let error = fieldParser.parse(bytes, from: lineEnd + 2, to: end - 2,
                                         into: &head.fields, limits: limits) {
            return error
        }
        if fieldParser.sawTransferEncoding {
            if minor == 0 { return .transferEncodingInHTTP10 }
            head.isChunked = true
        } else if let length = fieldParser.contentLength {
            head.contentLength = length
        }
        head.connectionClose = fieldParser.connectionClose || (minor == 0 && !fieldParser.connectionKeepAlive)

        if head.forbidsBody || method == .head {
            framing = .none
        } else if head.isChunked {
            framing = .chunked
        } else if let length = head.contentLength {
            framing = length > 0 ? .length(length) : .none
        } else {
            framing = .untilClose
            head.connectionClose = true
        }
        return nil
    }
}
