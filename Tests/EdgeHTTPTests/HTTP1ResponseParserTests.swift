import XCTest
import EdgeIO
@testable import EdgeHTTP

final class HTTP1ResponseParserTests: XCTestCase {
    func testFramingTable() {
        struct Row {
            let raw: String
            let method: HTTPMethod
            let status: Int
            let framing: HTTP1BodyFraming
            let close: Bool
        }
        let rows: [Row] = [
            Row(raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: .post, status: 200, framing: .length(5), close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", method: .post, status: 200, framing: .none, close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", method: .post, status: 200, framing: .chunked, close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n", method: .get, status: 200, framing: .untilClose, close: true),
            Row(raw: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", method: .get, status: 200, framing: .length(2), close: true),
            Row(raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", method: .get, status: 200, framing: .length(2), close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", method: .get, status: 200, framing: .length(2), close: true),
            Row(raw: "HTTP/1.1 204 No Content\r\n\r\n", method: .delete, status: 204, framing: .none, close: false),
            Row(raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", method: .get, status: 304, framing: .none, close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method: .head, status: 200, framing: .none, close: false),
            Row(raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", method: .head, status: 200, framing: .none, close: false),
            Row(raw: "HTTP/1.1 202 \r\n\r\n", method: .post, status: 202, framing: .untilClose, close: true),
            Row(raw: "HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n", method: .post, status: 202, framing: .none, close: false),
            Row(raw: "HTTP/1.1 599 Odd\tbut fine\r\nContent-Length: 1\r\n\r\n", method: .post, status: 599, framing: .length(1), close: false),
            Row(raw: "HTTP/1.1 100 Continue\r\n\r\n", method: .post, status: 100, framing: .none, close: false),
            Row(raw: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", method: .get, status: 103, framing: .none, close: false),
        ]
        for row in rows {
            let (result, head, parser) = H1.parseResponse(H1.bytes(row.raw), method: row.method)
            XCTAssertEqual(result, .complete(headLength: row.raw.utf8.count), row.raw)
            XCTAssertEqual(head.status, row.status, row.raw)
            XCTAssertEqual(parser.framing, row.framing, row.raw)
            XCTAssertEqual(head.connectionClose, row.close, row.raw)
            XCTAssertEqual(head.isInterim, row.status < 200, row.raw)
        }
        let (_, headResponse, _) = H1.parseResponse(H1.bytes(rows[9].raw), method: .head)
        XCTAssertEqual(headResponse.contentLength, 99, "a HEAD response keeps its Content-Length")
    }

    func testInterimResponsesAreReportedThenTheFinalOne() {
        let interim = "HTTP/1.1 100 Continue\r\n\r\n"
        let final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
        var buffer = H1.buffer(interim + final + "{}")
        var parser = HTTP1ResponseParser()
        var head = HTTPResponseHead()
        XCTAssertEqual(parser.parseHead(buffer, into: &head, requestMethod: .post), .complete(headLength: interim.utf8.count))
        XCTAssertTrue(head.isInterim)
        buffer.moveReaderIndex(forwardBy: interim.utf8.count)
        XCTAssertEqual(parser.parseHead(buffer, into: &head, requestMethod: .post), .complete(headLength: final.utf8.count))
        XCTAssertFalse(head.isInterim)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(parser.framing, .length(2))
        XCTAssertEqual(H1.fieldList(head.fields), ["content-length: 2"])
    }

    func testRejectedResponsesTable() {
        let rows: [(String, HTTP1ParseError)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithTransferEncoding),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .duplicateContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", .duplicateContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .invalidTransferEncoding),
            ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10),
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", .unexpectedSwitchingProtocols),
            ("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", .obsFold),
            ("HTTP/1.1 200 OK\nContent-Length: 0\n\n", .bareLF),
            ("HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", .bareCR),
            ("HTTP/1.1 200 OK\r\nX : a\r\n\r\n", .whitespaceBeforeColon),
            ("HTTP/1.1 200 OK\r\nX: a\u{0}\r\n\r\n", .invalidFieldValue),
            ("HTTP/1.1 20 OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 2000 OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 200OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1  200 OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 099 Low\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 abc OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 200 O\u{1}K\r\n\r\n", .invalidStatusLine),
            ("http/1.1 200 OK\r\n\r\n", .invalidStatusLine),
            ("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
            ("\r\nHTTP/1.1 200 OK\r\n\r\n", .leadingEmptyLine),
        ]
        for (raw, expected) in rows {
            XCTAssertEqual(H1.parseResponse(H1.bytes(raw)).0, .error(expected), raw)
        }
    }

    func testResponseSplitAtEveryByteBoundary() {
        let raw = H1.bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for cut in 0..<raw.count {
            var parser = HTTP1ResponseParser()
            var head = HTTPResponseHead()
            var buffer = H1.buffer(Array(raw[..<cut]))
            XCTAssertEqual(parser.parseHead(buffer, into: &head, requestMethod: .post), .incomplete, "cut \(cut)")
            buffer.write(contentsOf: raw[cut...])
            XCTAssertEqual(parser.parseHead(buffer, into: &head, requestMethod: .post), .complete(headLength: raw.count))
            XCTAssertEqual(parser.framing, .chunked)
            XCTAssertTrue(head.isChunked)
            XCTAssertEqual(H1.fieldList(head.fields), ["content-type: application/json", "transfer-encoding: chunked"])
        }
    }

    func testCloseDelimitedBodyIsEverythingAfterTheHead() {
        let headText = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
        let buffer = H1.buffer(headText + "all of this until the upstream closes")
        var parser = HTTP1ResponseParser()
        var head = HTTPResponseHead()
        XCTAssertEqual(parser.parseHead(buffer, into: &head, requestMethod: .get), .complete(headLength: headText.utf8.count))
        XCTAssertEqual(parser.framing, .untilClose)
        XCTAssertTrue(head.connectionClose)
        XCTAssertNil(head.contentLength)
        XCTAssertFalse(head.isChunked)
    }
}
