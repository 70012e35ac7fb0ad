import EdgeIO

/// Parses HTTP/1.1 request heads for a server connection, strictly by RFC 9112: anything
/// ambiguous is rejected with the status to answer (see `HTTP1ParseError`), never guessed.
/// One parser per client connection, owned by its event loop; reused from request to request.
///
/// Policies chosen where the RFC leaves a choice:
/// - one CRLF before the request line is skipped (RFC 9112 §2.2); a second is rejected;
/// - identical duplicate `Content-Length` values (two lines or `5, 5`) are rejected;
/// - absolute-form targets (`GET http://host/ HTTP/1.1`) are rejected: this is not a forward
///   proxy; the target must start with `/`, or be `*` for OPTIONS;
/// - `Transfer-Encoding` in an HTTP/1.0 request is rejected;
/// - an empty `Host` is rejected; HTTP/1.0 requests may omit `Host`;
/// - `Expect` other than `100-continue` is answered 417; `100-continue` is reported through
///   `expectContinue` (ignored for HTTP/1.0) and left to the caller.
public struct HTTP1RequestParser {
    public var limits: HTTP1Limits
    private var scanner = HTTP1HeadScanner()
    /// After `.complete`: whether the client waits for `100 Continue` before sending the body.
    public private(set) var expectContinue = false
    /// After `.complete`: how the request body is delimited.
    public private(set) var framing: HTTP1BodyFraming = .none

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        self.limits = limits
    }

    /// Forgets a partly scanned head (e.g. when the connection is reused for another client).
    public mutating func reset() {
        scanner.reset()
        expectContinue = false
        framing = .none
    }

    /// Looks for a complete head at `buffer.readerIndex`. On `.complete` `head` is reset and
    /// filled; on `.incomplete` call again with the same reader index once more bytes arrived.
    public mutating func parseHead(_ buffer: ByteBuffer, into head: inout HTTPRequestHead) -> HTTP1ParseResult {
        let bytes = buffer.storage
        let base = buffer.readerIndex
        switch scanner.scan(bytes, base: base, end: buffer.writerIndex, limits: limits, allowLeadingCRLF: true) {
        case .incomplete:
            return .incomplete
        case .error(let error):
            return .error(error)
        case .found(let start, let end):
            head.reset()
            expectContinue = false
            framing = .none
            if let error = parse(bytes, start, end, &head) { return .error(error) }
            return .complete(headLength: end - base)
        }
    }

    private mutating func parse(_ bytes: [UInt8], _ start: Int, _ end: Int,
                                _ head: inout HTTPRequestHead) -> HTTP1ParseError? {
        // Request line: method SP target SP HTTP/1.x CRLF, single spaces.
        var i = start
        while HTTP1Bytes.isTokenChar(bytes[i]) { i += 1 }
        if bytes[i] != HTTP1Bytes.sp { return i == start || bytes[i] == HTTP1Bytes.cr ? .invalidRequestLine : .invalidMethod }
        if i == start { return .invalidRequestLine }
        let method = start..<i
        let targetStart = i + 1
        i = targetStart
        while true {
            let b = bytes[i]
            if b == HTTP1Bytes.sp || b == HTTP1Bytes.cr { break }
            if b < 0x21 || b > 0x7e || b == 35 /* # */ { return .invalidTarget }
            i += 1
        }
        if bytes[i] == HTTP1Bytes.cr { return .invalidRequestLine }
        let target = targetStart..<i
        var lineEnd = i + 1
        while bytes[lineEnd] != HTTP1Bytes.cr { lineEnd += 1 }
        guard let minor = Self.version(bytes, (i + 1)..<lineEnd) else {
            return target.isEmpty ? .invalidRequestLine : .invalidVersion
        }
        if minor < 0 { return .unsupportedVersion }
        if target.isEmpty { return .invalidRequestLine }

        head.methodBytes.append(contentsOf: bytes[method])
        head.method = HTTPRequestHead.method(from: bytes[method])
        let first = bytes[target.lowerBound]
        if first != HTTP1Bytes.slash {
            let isAsterisk = target.count == 1 && first == 42
            if !(isAsterisk && head.method == .options) {
                return Self.looksAbsolute(bytes, target) ? .absoluteFormTarget : .invalidTarget
            }
        }
        head.target.append(contentsOf: bytes[target])
        head.versionMinor = minor

        var fieldParser = HTTP1FieldLineParser()
        if let error = fieldParser.parse(bytes, from: lineEnd + 2, to: end - 2,
                                         into: &head.fields, limits: limits) {
            return error
        }
        if fieldParser.hostCount == 0 {
            if minor == 1 { return .missingHost }
        } else {
            if fieldParser.hostValue.isEmpty { return .invalidHost }
            head.authority.append(contentsOf: bytes[fieldParser.hostValue])
        }
        if fieldParser.sawTransferEncoding {
            if minor == 0 { return .transferEncodingInHTTP10 }
            head.isChunked = true
            framing = .chunked
        } else if let length = fieldParser.contentLength {
            head.contentLength = length
            framing = length > 0 ? .length(length) : .none
        }
        if fieldParser.sawOtherExpectation { return .unsupportedExpectation }
        expectContinue = fieldParser.expectContinue && minor == 1
        head.connectionClose = fieldParser.connectionClose || (minor == 0 && !fieldParser.connectionKeepAlive)
        return nil
    }

    /// `HTTP/1.0` → 0, `HTTP/1.1` → 1, another well-formed `HTTP/d.d` → -1, malformed → nil.
    static func version(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard range.count == 8 else { return nil }
        let s = range.lowerBound
        guard bytes[s] == 72, bytes[s + 1] == 84, bytes[s + 2] == 84, bytes[s + 3] == 80,
              bytes[s + 4] == HTTP1Bytes.slash, HTTP1Bytes.isDigit(bytes[s + 5]),
              bytes[s + 6] == 46, HTTP1Bytes.isDigit(bytes[s + 7]) else { return nil }
        if bytes[s + 5] == 49 && (bytes[s + 7] == 48 || bytes[s + 7] == 49) { return Int(bytes[s + 7] - 48) }
        return -1
    }

    /// `scheme://…`: a letter, then scheme characters, then `://`.
    private static func looksAbsolute(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound, HTTP1Bytes.isTokenChar(bytes[i]), bytes[i] != HTTP1Bytes.colon { i += 1 }
        return i + 2 < range.upperBound && bytes[i] == HTTP1Bytes.colon
            && bytes[i + 1] == HTTP1Bytes.slash && bytes[i + 2] == HTTP1Bytes.slash
    }
}
