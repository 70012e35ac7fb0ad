import XCTest
import EdgeIO
@testable import EdgeHTTP

final class HTTP1SerializerTests: XCTestCase {
    private func request(_ raw: String) -> HTTPRequestHead {
        let (result, head, _) = H1.parseRequest(H1.bytes(raw))
        guard case .complete = result else { XCTFail("\(result)"); return head }
        return head
    }

    private func upstreamHead(_ head: HTTPRequestHead, bodyLength: Int?, client: String = "192.0.2.7",
                              proto: StaticString = "https") -> String {
        var out = ByteBuffer(capacity: 32)
        HTTP1RequestSerializer.writeHead(head, bodyLength: bodyLength, forwardedFor: H1.bytes(client),
                                         proto: proto, into: &out)
        return H1.string(out)
    }

    func testUpstreamRequestDropsHopByHopAndRewritesFraming() {
        let head = request("POST /mcp?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Foo\r\n"
                           + "X-Foo: drop\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\n"
                           + "HTTP2-Settings: AAA\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic x\r\n"
                           + "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
                           + "X-Forwarded-For: 10.0.0.1\r\nMcp-Session-Id: abc\r\nAccept: */*\r\n\r\n")
        XCTAssertEqual(upstreamHead(head, bodyLength: 2),
                       "POST /mcp?x=1 HTTP/1.1\r\nhost: example.com\r\ncontent-type: application/json\r\n"
                       + "x-forwarded-for: 10.0.0.1, 192.0.2.7\r\nmcp-session-id: abc\r\naccept: */*\r\n"
                       + "forwarded: for=192.0.2.7;proto=https\r\ncontent-length: 2\r\n\r\n")
    }

    func testConnectionCloseListedFieldIsDropped() {
        let head = request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, x-foo\r\nX-FOO: 1\r\nX-Foobar: 2\r\n\r\n")
        XCTAssertEqual(upstreamHead(head, bodyLength: 0, proto: "http"),
                       "GET / HTTP/1.1\r\nhost: a\r\nx-foobar: 2\r\nx-forwarded-for: 192.0.2.7\r\n"
                       + "forwarded: for=192.0.2.7;proto=http\r\n\r\n")
    }

    func testChunkedUpstreamBodyAndIPv6Forwarded() {
        let head = request("POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        XCTAssertEqual(upstreamHead(head, bodyLength: nil, client: "2001:db8::1"),
                       "POST /mcp HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 2001:db8::1\r\n"
                       + "forwarded: for=\"[2001:db8::1]\";proto=https\r\ntransfer-encoding: chunked\r\n\r\n")
    }

    func testOnlyTheLastXForwardedForIsExtended() {
        let head = request("DELETE /s HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.1.1.1\r\n"
                           + "Forwarded: for=1.1.1.1\r\nX-Forwarded-For: 2.2.2.2, 3.3.3.3\r\n\r\n")
        XCTAssertEqual(upstreamHead(head, bodyLength: 0),
                       "DELETE /s HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 1.1.1.1\r\nforwarded: for=1.1.1.1\r\n"
                       + "x-forwarded-for: 2.2.2.2, 3.3.3.3, 192.0.2.7\r\n"
                       + "forwarded: for=192.0.2.7;proto=https\r\ncontent-length: 0\r\n\r\n")
    }

    func testHTTP10RequestIsSentAsHTTP11() {
        let head = request("GET /old HTTP/1.0\r\nHost: a\r\n\r\n")
        XCTAssertEqual(upstreamHead(head, bodyLength: 0, client: ""),
                       "GET /old HTTP/1.1\r\nhost: a\r\nx-forwarded-for: \r\nforwarded: for=unknown;proto=https\r\n\r\n")
    }

    func testResponseHeads() {
        var fields = HTTPFields()
        fields.append(name: H1.bytes("Content-Type"), value: H1.bytes("application/json"))
        fields.append(name: H1.bytes("Connection"), value: H1.bytes("X-Internal"))
        fields.append(name: H1.bytes("X-Internal"), value: H1.bytes("secret"))
        fields.append(name: H1.bytes("Keep-Alive"), value: H1.bytes("timeout=5"))
        fields.append(name: H1.bytes("Transfer-Encoding"), value: H1.bytes("chunked"))
        fields.append(name: H1.bytes("Content-Length"), value: H1.bytes("99"))
        fields.append(name: H1.bytes("Mcp-Session-Id"), value: H1.bytes("s1"))
        func head(_ status: Int, _ length: Int?, keepAlive: Bool = true, minor: Int = 1) -> String {
            var out = ByteBuffer(capacity: 32)
            HTTP1ResponseSerializer.writeHead(status: status, fields: fields, bodyLength: length,
                                              keepAlive: keepAlive, clientVersionMinor: minor, into: &out)
            return H1.string(out)
        }
        let kept = "content-type: application/json\r\nmcp-session-id: s1\r\n"
        XCTAssertEqual(head(200, 12), "HTTP/1.1 200 OK\r\n" + kept + "content-length: 12\r\n\r\n")
        XCTAssertEqual(head(200, nil), "HTTP/1.1 200 OK\r\n" + kept + "transfer-encoding: chunked\r\n\r\n")
        XCTAssertEqual(head(502, 0, keepAlive: false),
                       "HTTP/1.1 502 Bad Gateway\r\n" + kept + "content-length: 0\r\nconnection: close\r\n\r\n")
        XCTAssertEqual(head(204, nil), "HTTP/1.1 204 No Content\r\n" + kept + "\r\n")
        XCTAssertEqual(head(304, 5), "HTTP/1.1 304 Not Modified\r\n" + kept + "\r\n")
        XCTAssertEqual(head(299, 1), "HTTP/1.1 299 \r\n" + kept + "content-length: 1\r\n\r\n")
        XCTAssertEqual(head(200, 3, minor: 0),
                       "HTTP/1.1 200 OK\r\n" + kept + "content-length: 3\r\nconnection: keep-alive\r\n\r\n")
        XCTAssertEqual(head(200, nil, minor: 0), "HTTP/1.1 200 OK\r\n" + kept + "connection: close\r\n\r\n")
    }

    func testContinueAndEmptyFields() {
        var out = ByteBuffer(capacity: 32)
        HTTP1ResponseSerializer.writeContinue(into: &out)
        XCTAssertEqual(H1.string(out), "HTTP/1.1 100 Continue\r\n\r\n")
        out.clear()
        HTTP1ResponseSerializer.writeHead(status: 404, fields: HTTPFields(), bodyLength: 0, keepAlive: true, into: &out)
        XCTAssertEqual(H1.string(out), "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
    }

    func testCompleteErrorResponses() {
        var out = ByteBuffer(capacity: 32)
        HTTP1ErrorResponse.write(status: 431, contentType: "text/plain", body: "too big" as StaticString,
                                 close: true, into: &out)
        XCTAssertEqual(H1.string(out), "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain\r\n"
                       + "content-length: 7\r\nconnection: close\r\n\r\ntoo big")
        out.clear()
        let json = H1.bytes("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"x\"}}")
        HTTP1ErrorResponse.write(status: 502, contentType: "application/json", body: json, close: false, into: &out)
        XCTAssertEqual(H1.string(out), "HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\n"
                       + "content-length: \(json.count)\r\n\r\n" + H1.string(json))
    }

    func testParsedThenSerializedRequestParsesTheSame() {
        let head = request("PUT /a/b?c=d HTTP/1.1\r\nHost: h:1\r\nContent-Length: 4\r\nX-A: 1\r\n\r\n")
        var out = ByteBuffer(capacity: 32)
        HTTP1RequestSerializer.writeHead(head, bodyLength: 4, forwardedFor: H1.bytes("10.1.2.3"), proto: "http", into: &out)
        let (result, again, _) = H1.parseRequest(Array(out.readableSlice))
        XCTAssertEqual(result, .complete(headLength: out.readableBytes))
        XCTAssertEqual(again.method, .put)
        XCTAssertEqual(again.target, head.target)
        XCTAssertEqual(again.authority, head.authority)
        XCTAssertEqual(again.contentLength, 4)
        XCTAssertEqual(again.fields.string("x-a"), "1")
        XCTAssertEqual(again.fields.string("x-forwarded-for"), "10.1.2.3")
    }
}
