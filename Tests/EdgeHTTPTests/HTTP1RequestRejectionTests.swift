import XCTest
import EdgeIO
@testable import EdgeHTTP

/// Every smuggling vector and malformed head, as raw bytes → the status it must be answered
/// with. Each row is also fed one byte at a time and must fail the same way.
final class HTTP1RequestRejectionTests: XCTestCase {
    struct Row {
        let name: String
        let raw: String
        let status: Int
        let error: HTTP1ParseError?
        init(_ name: String, _ raw: String, _ status: Int, _ error: HTTP1ParseError? = nil) {
            self.name = name; self.raw = raw; self.status = status; self.error = error
        }
    }

    static let get = "GET / HTTP/1.1\r\nHost: a\r\n"
    static let post = "POST / HTTP/1.1\r\nHost: a\r\n"

    static let rows: [Row] = [
        // Content-Length and Transfer-Encoding
        Row("CL then TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, .contentLengthWithTransferEncoding),
        Row("TE then CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, .contentLengthWithTransferEncoding),
        Row("CL 0 with TE", post + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, .contentLengthWithTransferEncoding),
        Row("two differing CL", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, .duplicateContentLength),
        Row("two identical CL", post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, .duplicateContentLength),
        Row("CL list differing", post + "Content-Length: 1, 2\r\n\r\n", 400, .duplicateContentLength),
        Row("CL list identical", post + "Content-Length: 5,5\r\n\r\n", 400, .duplicateContentLength),
        Row("CL non-numeric", post + "Content-Length: abc\r\n\r\n", 400, .invalidContentLength),
        Row("CL negative", post + "Content-Length: -1\r\n\r\n", 400, .invalidContentLength),
        Row("CL plus sign", post + "Content-Length: +5\r\n\r\n", 400, .invalidContentLength),
        Row("CL hex", post + "Content-Length: 0x10\r\n\r\n", 400, .invalidContentLength),
        Row("CL inner space", post + "Content-Length: 1 2\r\n\r\n", 400, .invalidContentLength),
        Row("CL empty", post + "Content-Length:\r\n\r\n", 400, .invalidContentLength),
        Row("CL overflow", post + "Content-Length: 99999999999999999999999\r\n\r\n", 400, .invalidContentLength),
        Row("CL Int.max+1", post + "Content-Length: 9223372036854775808\r\n\r\n", 400, .invalidContentLength),
        // Transfer-Encoding
        Row("TE gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, .unsupportedTransferCoding),
        Row("TE gzip", post + "Transfer-Encoding: gzip\r\n\r\n", 501, .unsupportedTransferCoding),
        Row("TE gzip then chunked lines", post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        Row("TE chunked, chunked", post + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE chunked twice as lines", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE chunked not last", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE chunkedx", post + "Transfer-Encoding: chunkedx\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE identity", post + "Transfer-Encoding: identity\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE vertical tab", post + "Transfer-Encoding: \u{0B}chunked\r\n\r\n", 400, .invalidFieldValue),
        Row("TE NUL", post + "Transfer-Encoding: chunked\u{0}\r\n\r\n", 400, .invalidFieldValue),
        Row("TE parameter", post + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE trailing comma", post + "Transfer-Encoding: chunked,\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE leading comma", post + "Transfer-Encoding: , chunked\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE empty", post + "Transfer-Encoding:\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE quoted", post + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, .invalidTransferEncoding),
        Row("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, .transferEncodingInHTTP10),
        Row("TE name with space", post + "Transfer-Encoding : chunked\r\n\r\n", 400, .whitespaceBeforeColon),
        // line folding, CR, LF, control bytes
        Row("obs-fold", get + "X-A: a\r\n b\r\n\r\n", 400, .obsFold),
        Row("obs-fold tab", get + "X-A: a\r\n\tb\r\n\r\n", 400, .obsFold),
        Row("space before first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, .obsFold),
        Row("folded TE", post + "Transfer-Encoding: chunked\r\n , identity\r\n\r\n", 400, .obsFold),
        Row("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, .bareCR),
        Row("bare CR in value", get + "X-A: a\rb\r\n\r\n", 400, .bareCR),
        Row("bare CR ending head", get + "X-A: b\r\n\r\r\n", 400, .bareCR),
        Row("bare LF everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400, .bareLF),
        Row("bare LF ending a field", get + "X-A: b\n\r\n", 400, .bareLF),
        Row("bare LF ending head", get + "\n", 400, .bareLF),
        Row("LF CR", get + "X-A: b\n\r\r\n", 400, .bareLF),
        Row("NUL in value", get + "X-A: a\u{0}b\r\n\r\n", 400, .invalidFieldValue),
        Row("SOH in value", get + "X-A: a\u{1}b\r\n\r\n", 400, .invalidFieldValue),
        Row("DEL in value", get + "X-A: a\u{7F}b\r\n\r\n", 400, .invalidFieldValue),
        Row("ESC in value", get + "X-A: \u{1B}[31m\r\n\r\n", 400, .invalidFieldValue),
        Row("NUL in name", get + "X\u{0}A: b\r\n\r\n", 400, .invalidFieldName),
        Row("NUL in target", "GET /a\u{0}b HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        Row("NUL in method", "G\u{0}T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidMethod),
        // field names
        Row("space before colon", get + "X-A : b\r\n\r\n", 400, .whitespaceBeforeColon),
        Row("tab before colon", get + "X-A\t: b\r\n\r\n", 400, .whitespaceBeforeColon),
        Row("Host space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, .whitespaceBeforeColon),
        Row("empty name", get + ": b\r\n\r\n", 400, .invalidFieldName),
        Row("bad char in name", get + "X(A): b\r\n\r\n", 400, .invalidFieldName),
        Row("slash in name", get + "X/A: b\r\n\r\n", 400, .invalidFieldName),
        Row("no colon", get + "Garbage\r\n\r\n", 400, .invalidFieldName),
        Row("high byte in name", get + "X\u{E9}: b\r\n\r\n", 400, .invalidFieldName),
        // request line
        Row("two spaces after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Row("two spaces before version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Row("trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
        Row("tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Row("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Row("no version (HTTP/0.9)", "GET /\r\nHost: a\r\n\r\n", 400, .invalidRequestLine),
        Row("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, .invalidVersion),
        Row("short version", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400, .invalidVersion),
        Row("extra token", "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400, .invalidVersion),
        Row("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, .unsupportedVersion),
        Row("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, .unsupportedVersion),
        Row("HTTP/0.9 line", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, .unsupportedVersion),
        Row("two empty lines first", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .leadingEmptyLine),
        Row("empty head", "\r\n\r\n", 400, .leadingEmptyLine),
        // targets
        Row("absolute-form", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, .absoluteFormTarget),
        Row("authority-form CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 400, .invalidTarget),
        Row("relative target", "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        Row("asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        Row("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        Row("high byte in target", "GET /\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        Row("DEL in target", "GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
        // Host
        Row("missing Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400, .missingHost),
        Row("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, .duplicateHost),
        Row("two identical Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400, .duplicateHost),
        Row("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, .invalidHost),
        Row("Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, .invalidHost),
        Row("Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, .invalidHost),
        Row("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, .invalidHost),
        // Expect
        Row("unknown expectation", post + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417, .unsupportedExpectation),
    ]

    func testEveryRowIsRejectedWithItsStatus() {
        for row in Self.rows {
            let raw = H1.bytes(row.raw)
            let (result, _, _) = H1.parseRequest(raw)
            guard case .error(let error) = result else {
                XCTFail("\(row.name): expected \(row.status), got \(result)"); continue
            }
            XCTAssertEqual(error.status, row.status, row.name)
            if let expected = row.error { XCTAssertEqual(error, expected, row.name) }
            let (split, _) = H1.parseRequestByteByByte(raw)
            XCTAssertEqual(split, result, "\(row.name) byte by byte")
        }
    }

    func testTooManyFieldsIs431() {
        var limits = HTTP1Limits()
        limits.maxHeaderCount = 5
        var raw = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<4 { raw += "X-\(i): v\r\n" }
        let (ok, _, _) = H1.parseRequest(H1.bytes(raw + "\r\n"), limits: limits)
        XCTAssertEqual(ok, .complete(headLength: raw.utf8.count + 2))
        let (tooMany, _, _) = H1.parseRequest(H1.bytes(raw + "X-4: v\r\n\r\n"), limits: limits)
        XCTAssertEqual(tooMany, .error(.tooManyFields))
        XCTAssertEqual(HTTP1ParseError.tooManyFields.status, 431)
        // The default limit: 100 fields pass, 101 do not.
        var many = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<99 { many += "X-\(i): v\r\n" }
        if case .complete = H1.parseRequest(H1.bytes(many + "\r\n")).0 {} else { XCTFail("100 fields") }
        XCTAssertEqual(H1.parseRequest(H1.bytes(many + "X-x: v\r\n\r\n")).0, .error(.tooManyFields))
    }

    func testHeadLargerThanTheLimitIs431() {
        var limits = HTTP1Limits()
        limits.maxHeadBytes = 64
        let base = "GET / HTTP/1.1\r\nHost: a\r\nX: "
        let n = base.utf8.count
        let fits = base + String(repeating: "v", count: 64 - n - 4) + "\r\n\r\n"
        XCTAssertEqual(fits.utf8.count, 64)
        XCTAssertEqual(H1.parseRequest(H1.bytes(fits), limits: limits).0, .complete(headLength: 64))
        XCTAssertEqual(H1.parseRequestByteByByte(H1.bytes(fits), limits: limits).0, .complete(headLength: 64))
        let over = base + String(repeating: "v", count: 64 - n - 3) + "\r\n\r\n"
        XCTAssertEqual(H1.parseRequest(H1.bytes(over), limits: limits).0, .error(.headTooLarge))
        XCTAssertEqual(H1.parseRequestByteByByte(H1.bytes(over), limits: limits).0, .error(.headTooLarge))
        // A head that never ends is refused as soon as it crosses the limit.
        let endless = [UInt8](repeating: 65, count: 65)
        XCTAssertEqual(H1.parseRequestByteByByte(endless, limits: limits).0, .error(.headTooLarge))
        XCTAssertEqual(H1.parseRequest(endless, limits: limits).0, .error(.headTooLarge))
        XCTAssertEqual(H1.parseRequest([UInt8](repeating: 65, count: 64), limits: limits).0, .incomplete)
    }

    func testErrorResponseForARejectedHead() {
        var out = ByteBuffer(capacity: 64)
        HTTP1ErrorResponse.write(.contentLengthWithTransferEncoding, into: &out)
        XCTAssertEqual(H1.string(out),
                       "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
                       + "content-length: 41\r\nconnection: close\r\n\r\nboth Content-Length and Transfer-Encoding")
    }
}
