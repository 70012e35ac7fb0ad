import XCTest
import EdgeIO
@testable import EdgeHTTP

final class HTTP1RequestParserTests: XCTestCase {
    func testSimpleGet() {
        let raw = "GET /mcp?x=1 HTTP/1.1\r\nHost: example.com:8443\r\nAccept: */*\r\nX-Empty:\r\n\r\n"
        let (result, head, parser) = H1.parseRequest(H1.bytes(raw))
        XCTAssertEqual(result, .complete(headLength: raw.utf8.count))
        XCTAssertEqual(head.method, .get)
        XCTAssertEqual(H1.string(head.methodBytes), "GET")
        XCTAssertEqual(H1.string(head.target), "/mcp?x=1")
        XCTAssertEqual(H1.string(head.path), "/mcp")
        XCTAssertEqual(H1.string(head.authority), "example.com:8443")
        XCTAssertEqual(head.versionMinor, 1)
        XCTAssertNil(head.contentLength)
        XCTAssertFalse(head.isChunked)
        XCTAssertFalse(head.connectionClose)
        XCTAssertEqual(parser.framing, .none)
        XCTAssertFalse(parser.expectContinue)
        XCTAssertEqual(H1.fieldList(head.fields), ["host: example.com:8443", "accept: */*", "x-empty: "])
    }

    func testValidRequestsTable() {
        struct Row {
            let raw: String
            let method: HTTPMethod
            let framing: HTTP1BodyFraming
            let close: Bool
        }
        let rows: [Row] = [
            Row(raw: "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", method: .post, framing: .length(12), close: false),
            Row(raw: "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method: .post, framing: .none, close: false),
            Row(raw: "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", method: .post, framing: .length(7), close: false),
            Row(raw: "POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", method: .post, framing: .chunked, close: false),
            Row(raw: "POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  Chunked \t\r\n\r\n", method: .post, framing: .chunked, close: false),
            Row(raw: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", method: .get, framing: .none, close: true),
            Row(raw: "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", method: .get, framing: .none, close: true),
            Row(raw: "GET / HTTP/1.0\r\n\r\n", method: .get, framing: .none, close: true),
            Row(raw: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", method: .get, framing: .none, close: false),
            Row(raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", method: .options, framing: .none, close: false),
            Row(raw: "DELETE /x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", method: .delete, framing: .none, close: false),
            Row(raw: "M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n", method: .other, framing: .none, close: false),
            Row(raw: "\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", method: .post, framing: .length(1), close: false),
        ]
        for row in rows {
            let raw = H1.bytes(row.raw)
            let (result, head, parser) = H1.parseRequest(raw)
            XCTAssertEqual(result, .complete(headLength: raw.count), row.raw)
            XCTAssertEqual(head.method, row.method, row.raw)
            XCTAssertEqual(parser.framing, row.framing, row.raw)
            XCTAssertEqual(head.connectionClose, row.close, row.raw)
            XCTAssertEqual(head.isChunked, row.framing == .chunked, row.raw)
        }
    }

    func testFieldValuesAreTrimmedAndKeepInnerBytes() {
        let raw = "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t one\ttwo  \t\r\nX-B: caf\u{E9}\r\nX-C:   \r\n\r\n"
        let (result, head, _) = H1.parseRequest(H1.bytes(raw))
        XCTAssertEqual(result, .complete(headLength: raw.utf8.count))
        XCTAssertEqual(H1.fieldList(head.fields), ["host: a", "x-a: one\ttwo", "x-b: caf\u{E9}", "x-c: "])
        XCTAssertEqual(H1.string(head.authority), "a")
    }

    func testExpectContinue() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"
        let (result, head, parser) = H1.parseRequest(H1.bytes(raw))
        XCTAssertEqual(result, .complete(headLength: raw.utf8.count))
        XCTAssertTrue(parser.expectContinue)
        XCTAssertTrue(head.expectsContinue)
        // HTTP/1.0 clients do not wait for 100 Continue.
        let old = "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
        let (_, oldHead, oldParser) = H1.parseRequest(H1.bytes(old))
        XCTAssertFalse(oldParser.expectContinue)
        XCTAssertFalse(oldHead.expectsContinue)
    }

    func testPipelinedRequestsInOneBuffer() {
        let first = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
        let second = "GET /b HTTP/1.1\r\nHost: b\r\n\r\n"
        var buffer = H1.buffer(first + "hello" + second)
        var parser = HTTP1RequestParser()
        var head = HTTPRequestHead()

        XCTAssertEqual(parser.parseHead(buffer, into: &head), .complete(headLength: first.utf8.count))
        XCTAssertEqual(H1.string(head.target), "/a")
        XCTAssertEqual(head.contentLength, 5)
        buffer.moveReaderIndex(forwardBy: first.utf8.count)
        XCTAssertEqual(H1.string(buffer.storage[buffer.readerIndex..<(buffer.readerIndex + 5)]), "hello")
        buffer.moveReaderIndex(forwardBy: 5)

        XCTAssertEqual(parser.parseHead(buffer, into: &head), .complete(headLength: second.utf8.count))
        XCTAssertEqual(head.method, .get)
        XCTAssertEqual(H1.string(head.target), "/b")
        XCTAssertEqual(H1.string(head.authority), "b")
        XCTAssertNil(head.contentLength)
        XCTAssertEqual(head.fields.count, 1)
        buffer.moveReaderIndex(forwardBy: second.utf8.count)
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(parser.parseHead(buffer, into: &head), .incomplete)
    }

    func testHeadSplitAtEveryByteBoundaryGivesTheSameResult() {
        let raw = H1.bytes("\r\nPOST /mcp HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                           + "Content-Length: 2\r\nX-A:  v \r\n\r\n{}")
        let headLength = raw.count - 2
        let (whole, wholeHead, _) = H1.parseRequest(raw)
        XCTAssertEqual(whole, .complete(headLength: headLength))
        for cut in 0...raw.count {
            var parser = HTTP1RequestParser()
            var head = HTTPRequestHead()
            var buffer = H1.buffer(Array(raw[..<cut]))
            let early = parser.parseHead(buffer, into: &head)
            if cut < headLength {
                XCTAssertEqual(early, .incomplete, "cut \(cut)")
                buffer.write(contentsOf: raw[cut...])
                XCTAssertEqual(parser.parseHead(buffer, into: &head), whole, "cut \(cut)")
            } else {
                XCTAssertEqual(early, whole, "cut \(cut)")
            }
            XCTAssertEqual(H1.fieldList(head.fields), H1.fieldList(wholeHead.fields), "cut \(cut)")
            XCTAssertEqual(head.target, wholeHead.target)
            XCTAssertEqual(head.contentLength, 2)
        }
        let (byteByByte, head) = H1.parseRequestByteByByte(raw)
        XCTAssertEqual(byteByByte, whole)
        XCTAssertEqual(H1.fieldList(head.fields), H1.fieldList(wholeHead.fields))
    }

    func testIncompleteHeadSurvivesCompaction() {
        // The parser keeps offsets relative to readerIndex, so compacting in between is fine.
        let first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
        var buffer = H1.buffer(first + "GET /b HTTP/1.1\r\nHo")
        var parser = HTTP1RequestParser()
        var head = HTTPRequestHead()
        XCTAssertEqual(parser.parseHead(buffer, into: &head), .complete(headLength: first.utf8.count))
        buffer.moveReaderIndex(forwardBy: first.utf8.count)
        XCTAssertEqual(parser.parseHead(buffer, into: &head), .incomplete)
        buffer.compact()
        XCTAssertEqual(buffer.readerIndex, 0)
        buffer.write(contentsOf: H1.bytes("st: b\r\n\r\n"))
        XCTAssertEqual(parser.parseHead(buffer, into: &head), .complete(headLength: buffer.readableBytes))
        XCTAssertEqual(H1.string(head.authority), "b")
    }

    func testByteByByteScanIsLinear() {
        // A 60 KiB head arriving one byte at a time must not be rescanned from the start.
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<90 { text += "X-\(i): " + String(repeating: "v", count: 640) + "\r\n" }
        text += "\r\n"
        let raw = H1.bytes(text)
        XCTAssertLessThan(raw.count, 65536)
        let start = DispatchTime.now().uptimeNanoseconds
        let (result, head) = H1.parseRequestByteByByte(raw)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        XCTAssertEqual(result, .complete(headLength: raw.count))
        XCTAssertEqual(head.fields.count, 91)
        // Quadratic rescanning would be ~1.8e9 byte visits; linear is ~6e4.
        XCTAssertLessThan(elapsed, 5_000_000_000)
    }

    func testHeadIsReusedWithoutStaleState() {
        var parser = HTTP1RequestParser()
        var head = HTTPRequestHead()
        _ = parser.parseHead(H1.buffer("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"), into: &head)
        XCTAssertTrue(head.connectionClose)
        _ = parser.parseHead(H1.buffer("GET /y HTTP/1.1\r\nHost: b\r\n\r\n"), into: &head)
        XCTAssertEqual(H1.string(head.methodBytes), "GET")
        XCTAssertEqual(H1.string(head.target), "/y")
        XCTAssertEqual(H1.string(head.authority), "b")
        XCTAssertNil(head.contentLength)
        XCTAssertFalse(head.connectionClose)
        XCTAssertEqual(head.fields.count, 1)
    }
}
