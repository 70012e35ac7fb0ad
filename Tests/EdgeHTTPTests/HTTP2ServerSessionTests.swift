import XCTest
import CNGHTTP2
import EdgeIO
@testable import EdgeHTTP

/// Records what the session reports; optionally answers or acknowledges as it goes.
final class HTTP2RecordingDelegate: HTTP2ServerSessionDelegate {
    struct Head {
        var method: HTTPMethod
        var methodBytes: String
        var target: String
        var authority: String
        var contentLength: Int?
        var contentType: String?
        var sessionID: String?
        var endStream: Bool
        var cookies: [String] = []
    }
    var heads: [Int32: Head] = [:]
    var bodies: [Int32: [UInt8]] = [:]
    var dataFrames: [Int32: Int] = [:]
    var ended: [Int32] = []
    var closed: [Int32: UInt32] = [:]
    var drained: [Int32] = []
    var consumeImmediately = false
    var onHead: ((HTTP2ServerSession, Int32) -> Void)?

    func http2(_ session: HTTP2ServerSession, didReceiveHead head: inout HTTPRequestHead, stream: Int32, endStream: Bool) {
        heads[stream] = Head(method: head.method, methodBytes: String(decoding: head.methodBytes, as: UTF8.self),
                             target: String(decoding: head.target, as: UTF8.self),
                             authority: String(decoding: head.authority, as: UTF8.self),
                             contentLength: head.contentLength, contentType: head.fields.string("content-type"),
                             sessionID: head.fields.string("mcp-session-id"), endStream: endStream,
                             cookies: (0..<head.fields.count).filter { head.fields.name(at: $0).elementsEqual("cookie".utf8) }
                                 .map { String(decoding: head.fields.value(at: $0), as: UTF8.self) })
        onHead?(session, stream)
    }

    func http2(_ session: HTTP2ServerSession, didReceiveData data: ByteView, stream: Int32) {
        bodies[stream, default: []].append(contentsOf: data)
        dataFrames[stream, default: 0] += 1
        if consumeImmediately { session.consumed(stream: stream, bytes: data.count) }
    }

    func http2(_ session: HTTP2ServerSession, didEndStream stream: Int32) { ended.append(stream) }

    func http2(_ session: HTTP2ServerSession, didCloseStream stream: Int32, errorCode: UInt32) {
        closed[stream] = errorCode
    }

    func http2(_ session: HTTP2ServerSession, bodyDrained stream: Int32) { drained.append(stream) }
}

final class HTTP2ServerSessionTests: XCTestCase {
    var delegate: HTTP2RecordingDelegate!
    var server: HTTP2ServerSession!
    var client: HTTP2TestClient!
    var pipe: HTTP2Pipe!

    func start(_ settings: HTTP2Settings = HTTP2Settings(), autoWindowUpdate: Bool = true) {
        delegate = HTTP2RecordingDelegate()
        server = HTTP2ServerSession(settings: settings, delegate: delegate)
        client = HTTP2TestClient(autoWindowUpdate: autoWindowUpdate)
        pipe = HTTP2Pipe(client: client, server: server)
    }

    override func tearDown() {
        XCTAssertEqual(pipe?.serverErrors.map(\.description) ?? [], [])
        pipe = nil; client = nil; server = nil; delegate = nil
    }

    func testPostWithBodyInSeveralFramesReachesDelegate() {
        start()
        let payload = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8)
        let id = client.request(headers: [("content-type", "application/json"), ("mcp-session-id", "abc123"),
                                          ("content-length", String(payload.count))],
                                body: .init(payload, chunkSize: 10))
        pipe.run()
        let head = try! XCTUnwrap(delegate.heads[id])
        XCTAssertEqual(head.method, .post)
        XCTAssertEqual(head.methodBytes, "POST")
        XCTAssertEqual(head.target, "/mcp")
        XCTAssertEqual(head.authority, "example.com")
        XCTAssertEqual(head.contentType, "application/json")
        XCTAssertEqual(head.sessionID, "abc123")
        XCTAssertEqual(head.contentLength, payload.count)
        XCTAssertFalse(head.endStream)
        XCTAssertEqual(delegate.bodies[id], payload)
        XCTAssertEqual(delegate.dataFrames[id], 5)
        XCTAssertEqual(delegate.ended, [id])
        XCTAssertNil(delegate.closed[id], "open until the response is sent")
    }

    func testGetWithoutBodyEndsWithHead() {
        start()
        let id = client.request(method: "GET", path: "/mcp?x=1", authority: nil, headers: [("host", "h.example")])
        pipe.run()
        XCTAssertEqual(delegate.heads[id]?.endStream, true)
        XCTAssertEqual(delegate.heads[id]?.method, .get)
        XCTAssertEqual(delegate.heads[id]?.target, "/mcp?x=1")
        XCTAssertEqual(delegate.heads[id]?.authority, "h.example", "host stands in for :authority")
        XCTAssertEqual(delegate.ended, [], "no didEndStream after a head that ended the stream")
    }

    func testStreamedResponseArrivesInPartsThenEnds() {
        start()
        let id = client.request(method: "GET")
        pipe.run()
        let body = try! XCTUnwrap(server.responseBody(stream: id))
        var head = HTTPResponseHead()
        head.fields.append(name: Array("Content-Type".utf8), value: Array("text/event-stream".utf8))
        head.fields.append(name: Array("Connection".utf8), value: Array("keep-alive".utf8))
        head.fields.append(name: Array("Transfer-Encoding".utf8), value: Array("chunked".utf8))
        XCTAssertTrue(server.submitResponse(stream: id, head: head, body: body))
        XCTAssertFalse(server.submitResponse(stream: id, head: head, body: body), "answered once")
        pipe.run()
        let response = try! XCTUnwrap(client.responses[id])
        XCTAssertEqual(response.status, "200")
        XCTAssertEqual(response.header("content-type"), "text/event-stream")
        XCTAssertNil(response.header("connection"), "hop-by-hop dropped")
        XCTAssertNil(response.header("transfer-encoding"))
        XCTAssertEqual(response.body, [])
        XCTAssertFalse(response.endStream)

        body.buffer.write(contentsOf: Array("data: one\n\n".utf8))
        server.resumeData(stream: id)
        pipe.run()
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "data: one\n\n")
        XCTAssertFalse(response.endStream)

        let big = [UInt8](repeating: 0x61, count: 40_000)
        body.buffer.write(contentsOf: big)
        body.isComplete = true
        server.resumeData(stream: id)
        pipe.run()
        XCTAssertEqual(response.body.count, 11 + big.count)
        XCTAssertTrue(response.endStream)
        XCTAssertTrue(response.closed)
        XCTAssertEqual(delegate.closed[id], 0)
        XCTAssertNil(server.responseBody(stream: id), "stream gone")
    }

    func testLargeBodiesSentFromTheBodyBufferArriveIntact() {
        start()
        let id = client.request(method: "GET")
        pipe.run()
        let body = try! XCTUnwrap(server.responseBody(stream: id))
        XCTAssertTrue(server.submitResponse(stream: id, head: HTTPResponseHead(), body: body))
        // One part with room for frame headers in front, one without, and a small one.
        var expected: [UInt8] = []
        for (size, headroom) in [(70_000, 16), (33_333, 0), (100, 16)] {
            let part = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) }
            if body.buffer.isEmpty { body.buffer.reserveHeadroom(headroom) }
            body.buffer.write(contentsOf: part)
            expected += part
            server.resumeData(stream: id)
            for _ in 0..<100 {
                let moved = pipe.clientToServer() + pipe.serverToClient()
                if moved == 0 { break }
            }
        }
        body.isComplete = true
        server.resumeData(stream: id)
        for _ in 0..<100 where pipe.clientToServer() + pipe.serverToClient() > 0 {}
        let response = try! XCTUnwrap(client.responses[id])
        XCTAssertEqual(response.body.count, expected.count)
        XCTAssertTrue(response.body == expected, "payload bytes differ")
        XCTAssertTrue(response.endStream)
        XCTAssertTrue(pipe.serverErrors.isEmpty, "\(pipe.serverErrors)")
        // Header and payload of a full frame fill one 16 KiB TLS record exactly, never 16 KiB + 9.
        XCTAssertEqual(response.dataFrameLengths.max(), 16384 - 9, "\(response.dataFrameLengths)")
    }

    func testProduceStopsAtLimitAndReportsDrain() {
        start()
        let id = client.request(method: "GET")
        pipe.run()
        let body = try! XCTUnwrap(server.responseBody(stream: id))
        XCTAssertTrue(server.submitResponse(stream: id, head: HTTPResponseHead(), body: body))
        body.buffer.write(contentsOf: [UInt8](repeating: 1, count: 60_000))
        XCTAssertFalse(body.isAboveHighWaterMark)
        body.buffer.write(contentsOf: [UInt8](repeating: 1, count: 10_000))
        XCTAssertTrue(body.isAboveHighWaterMark)
        server.resumeData(stream: id)
        _ = pipe.clientToServer()
        _ = pipe.serverToClient(limit: 1) // stops after the first chunk
        XCTAssertLessThan(client.responses[id]?.body.count ?? 0, 70_000)
        XCTAssertTrue(server.wantsWrite)
        pipe.run()
        XCTAssertEqual(client.responses[id]?.body.count, 70_000)
        XCTAssertEqual(delegate.drained, [id], "reported once when crossing the low-water mark")
        XCTAssertFalse(client.responses[id]!.endStream)
    }

    func testSmallErrorResponseBeforeBodyEndsAsksClientToStop() {
        start()
        let upload = HTTP2TestClient.RequestBody(Array(repeating: 7, count: 1000), complete: false)
        let id = client.request(body: upload)
        pipe.run()
        XCTAssertEqual(delegate.bodies[id]?.count, 1000)
        XCTAssertTrue(server.submitResponse(stream: id, status: 413, contentType: "application/json",
                                            body: Array(#"{"error":"too large"}"#.utf8)))
        pipe.run()
        let response = try! XCTUnwrap(client.responses[id])
        XCTAssertEqual(response.status, "413")
        XCTAssertEqual(response.header("content-length"), "21")
        XCTAssertEqual(response.header("content-type"), "application/json")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), #"{"error":"too large"}"#)
        XCTAssertTrue(response.endStream)
        XCTAssertEqual(response.rstReceived, 0, "RST_STREAM(NO_ERROR) after the complete response")
        XCTAssertEqual(delegate.closed[id], 0)
    }

    func testClientResetClosesStream() {
        start()
        let id = client.request(body: .init([1, 2, 3], complete: false))
        pipe.run()
        XCTAssertNotNil(delegate.heads[id])
        client.reset(id)
        pipe.run()
        XCTAssertEqual(delegate.closed[id], HTTP2ErrorCode.cancel.rawValue)
        XCTAssertFalse(server.submitResponse(stream: id, status: 200, contentType: "text/plain", body: [1]))
    }

    func testServerResetReachesClient() {
        start()
        let id = client.request(method: "GET")
        pipe.run()
        server.resetStream(id, error: .internalError)
        pipe.run()
        XCTAssertEqual(client.responses[id]?.closeError, HTTP2ErrorCode.internalError.rawValue)
        XCTAssertEqual(delegate.closed[id], HTTP2ErrorCode.internalError.rawValue)
    }

    func testStreamsBeyondLimitAreRefused() {
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = 2
        start(settings)
        // All four go out in the client's first flight, before it has seen the server's SETTINGS.
        let ids = (0..<4).map { _ in client.request(method: "GET") }
        pipe.run()
        XCTAssertEqual(Set(delegate.heads.keys), Set(ids.prefix(2)))
        XCTAssertEqual(client.responses[ids[2]]?.closeError, HTTP2ErrorCode.refusedStream.rawValue)
        XCTAssertEqual(client.responses[ids[3]]?.closeError, HTTP2ErrorCode.refusedStream.rawValue)
        XCTAssertEqual(nghttp2_session_get_remote_settings(client.session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 2)
        XCTAssertEqual(nghttp2_session_get_remote_settings(client.session, NGHTTP2_SETTINGS_ENABLE_PUSH), 0)
        XCTAssertTrue(server.wantsRead, "refusing streams is not a connection error")
    }

    func testOversizedHeaderListIsAnswered431WithoutReachingDelegate() {
        var settings = HTTP2Settings()
        settings.maxHeaderListSize = 4096
        start(settings)
        let big = (0..<10).map { ("x-filler-\($0)", String(repeating: "v", count: 600)) }
        let id = client.request(headers: big, body: .init([1, 2, 3], complete: false))
        let ok = client.request(method: "GET", headers: [("x-small", "1")])
        pipe.run()
        XCTAssertNil(delegate.heads[id])
        XCTAssertNotNil(delegate.heads[ok], "other streams unaffected")
        XCTAssertEqual(client.responses[id]?.status, "431")
        XCTAssertEqual(client.responses[id]?.rstReceived, 0, "asked to stop sending its body")
        XCTAssertTrue(client.responses[id]?.closed ?? false)
        XCTAssertNil(delegate.closed[id], "the delegate never saw the stream")
        XCTAssertTrue(server.wantsRead)
    }

    func testTooManyHeaderFieldsAreAnswered431() {
        start()
        let many = (0..<120).map { ("x-h\($0)", "v") }
        let id = client.request(method: "GET", headers: many)
        pipe.run()
        XCTAssertNil(delegate.heads[id])
        XCTAssertEqual(client.responses[id]?.status, "431")
    }

    func testConnectIsRejectedWithProtocolError() {
        start()
        let id = client.request(method: "CONNECT", authority: "upstream:443")
        pipe.run()
        XCTAssertNil(delegate.heads[id])
        XCTAssertEqual(client.responses[id]?.closeError, HTTP2ErrorCode.protocolError.rawValue)
    }

    func testRapidResetLoopEndsWithGoAway() {
        var settings = HTTP2Settings()
        settings.maxResetsPerWindow = 50
        settings.floodWindowMilliseconds = 60_000
        start(settings)
        pipe.run()
        for _ in 0..<200 {
            let id = client.request(method: "GET")
            _ = pipe.clientToServer()
            client.reset(id)
            _ = pipe.clientToServer()
            if !server.wantsRead { break }
        }
        pipe.run()
        XCTAssertEqual(client.goAways.last?.errorCode, HTTP2ErrorCode.enhanceYourCalm.rawValue)
        XCTAssertLessThanOrEqual(delegate.heads.count, 52)
        XCTAssertFalse(server.wantsRead)
        XCTAssertFalse(server.wantsWrite)
    }

    func testFewResetsAreTolerated() {
        var settings = HTTP2Settings()
        settings.maxResetsPerWindow = 50
        start(settings)
        for _ in 0..<40 {
            let id = client.request(method: "GET")
            pipe.run()
            client.reset(id)
            pipe.run()
        }
        XCTAssertTrue(client.goAways.isEmpty)
        XCTAssertTrue(server.wantsRead)
        XCTAssertEqual(delegate.closed.count, 40)
    }

    func testWindowLimitsUnacknowledgedBody() {
        var settings = HTTP2Settings()
        settings.initialWindowSize = 65535
        settings.connectionWindowSize = 65535
        start(settings)
        let total = 200_000
        let id = client.request(body: .init([UInt8](repeating: 9, count: total)))
        pipe.run()
        XCTAssertEqual(delegate.bodies[id]?.count, 65535, "the client stops at the stream window")
        server.consumed(stream: id, bytes: 65535)
        pipe.run()
        XCTAssertEqual(delegate.bodies[id]?.count, 2 * 65535)
        delegate.consumeImmediately = true
        server.consumed(stream: id, bytes: 65535)
        pipe.run()
        XCTAssertEqual(delegate.bodies[id]?.count, total)
        XCTAssertEqual(delegate.ended, [id])
    }

    func testBytesOfResetStreamReturnToConnectionWindow() {
        var settings = HTTP2Settings()
        settings.initialWindowSize = 65535
        settings.connectionWindowSize = 65535
        start(settings)
        let first = client.request(body: .init([UInt8](repeating: 1, count: 100_000)))
        pipe.run()
        XCTAssertEqual(delegate.bodies[first]?.count, 65535)
        client.reset(first)
        pipe.run()
        XCTAssertNotNil(delegate.closed[first])
        let second = client.request(body: .init([UInt8](repeating: 2, count: 30_000)))
        pipe.run()
        XCTAssertEqual(delegate.bodies[second]?.count, 30_000, "the connection window was given back")
    }

    func testGracefulShutdownLetsOpenStreamFinish() {
        start()
        let id = client.request(method: "GET")
        pipe.run()
        server.shutdownGracefully()
        pipe.run()
        XCTAssertEqual(client.goAways.count, 2)
        XCTAssertEqual(client.goAways.first?.lastStreamID, Int32.max)
        XCTAssertEqual(client.goAways.last?.lastStreamID, id)
        XCTAssertEqual(client.goAways.last?.errorCode, 0)
        XCTAssertTrue(server.wantsRead, "one stream still open")
        XCTAssertTrue(server.submitResponse(stream: id, status: 204, contentType: "text/plain", body: []))
        pipe.run()
        XCTAssertEqual(client.responses[id]?.status, "204")
        XCTAssertNil(client.responses[id]?.header("content-length"))
        XCTAssertFalse(server.wantsRead)
        XCTAssertFalse(server.wantsWrite)
    }

    func testGoAwayClosesAtOnce() {
        start()
        _ = client.request(method: "GET")
        pipe.run()
        server.goAway(error: .enhanceYourCalm)
        pipe.run()
        XCTAssertEqual(client.goAways.last?.errorCode, HTTP2ErrorCode.enhanceYourCalm.rawValue)
        XCTAssertFalse(server.wantsRead)
        XCTAssertFalse(server.wantsWrite)
    }

    func testGarbageIsASessionError() {
        start()
        var bytes = ByteBuffer(capacity: 64)
        bytes.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertThrowsError(try server.receive(&bytes)) { error in
            XCTAssertFalse((error as? HTTP2SessionError)?.message.isEmpty ?? true)
        }
        XCTAssertEqual(bytes.readableBytes, 0)
    }

    func testStreamObjectsAreReused() {
        start()
        for _ in 0..<5 {
            let id = client.request(method: "GET")
            pipe.run()
            server.submitResponse(stream: id, status: 200, contentType: "text/plain", body: [1, 2, 3])
            pipe.run()
            XCTAssertEqual(client.responses[id]?.body, [1, 2, 3])
        }
        XCTAssertEqual(server.openStreams.count, 0)
        XCTAssertEqual(server.spareStreams.count, 1)
    }

    /// The frame buffer's pages go back when the session is quiet and return with the next
    /// frames, which arrive intact.
    func testIdleSessionGivesBackFrameBufferPages() {
        start()
        let body = [UInt8](repeating: 0x61, count: 3000)
        let first = client.request(method: "GET")
        pipe.run()
        server.submitResponse(stream: first, status: 200, contentType: "text/plain", body: body)
        pipe.run()
        XCTAssertEqual(client.responses[first]?.body, body)
        XCTAssertGreaterThan(server.frameBufferResidentBytes, 0, "frames were written into the buffer")
        server.releaseIdlePages()
        XCTAssertEqual(server.frameBufferResidentBytes, 0)
        let second = client.request(method: "GET")
        pipe.run()
        server.submitResponse(stream: second, status: 200, contentType: "text/plain", body: body)
        pipe.run()
        XCTAssertEqual(client.responses[second]?.body, body)
        XCTAssertGreaterThan(server.frameBufferResidentBytes, 0)
    }

    func testEmptyDataFloodEndsWithGoAway() {
        var settings = HTTP2Settings()
        settings.maxEmptyDataFramesPerWindow = 20
        settings.floodWindowMilliseconds = 60_000
        start(settings)
        let id = client.request(body: .init([], complete: false))
        pipe.run()
        XCTAssertNotNil(delegate.heads[id])
        // DATA, length 0, no flags, on the open stream: 9 bytes each.
        let frame: [UInt8] = [0, 0, 0, 0, 0] + withUnsafeBytes(of: UInt32(id).bigEndian, Array.init)
        var flood = ByteBuffer(capacity: 9 * 50)
        for _ in 0..<50 { flood.write(contentsOf: frame) }
        XCTAssertNoThrow(try server.receive(&flood))
        pipe.run()
        XCTAssertEqual(client.goAways.last?.errorCode, HTTP2ErrorCode.enhanceYourCalm.rawValue)
        XCTAssertFalse(server.wantsRead)
    }

    func testTrailersEndTheRequest() {
        start()
        let upload = HTTP2TestClient.RequestBody([1, 2, 3], complete: false)
        let id = client.request(body: upload)
        pipe.run()
        upload.complete = true
        client.resume(id)
        // The body ends with trailers instead of END_STREAM on DATA.
        let name = Array("x-checksum".utf8), value = Array("abc".utf8)
        name.withUnsafeBufferPointer { n in
            value.withUnsafeBufferPointer { v in
                var nv = nghttp2_nv(name: UnsafeMutablePointer(mutating: n.baseAddress), value: UnsafeMutablePointer(mutating: v.baseAddress),
                                    namelen: n.count, valuelen: v.count, flags: 0)
                XCTAssertEqual(nghttp2_submit_trailer(client.session, id, &nv, 1), 0)
            }
        }
        pipe.run()
        XCTAssertEqual(delegate.bodies[id], [1, 2, 3])
        XCTAssertEqual(delegate.ended, [id])
    }

    func testBadContentLengthNeverReachesDelegate() {
        start()
        let id = client.request(headers: [("content-length", "12x")], body: .init([1]))
        let ok = client.request(method: "GET")
        pipe.run()
        XCTAssertNil(delegate.heads[id])
        XCTAssertEqual(client.responses[id]?.closeError, HTTP2ErrorCode.protocolError.rawValue)
        XCTAssertNotNil(delegate.heads[ok])
    }

    func testBodyLongerThanContentLengthResetsStream() {
        start()
        let id = client.request(headers: [("content-length", "2")], body: .init([1, 2, 3, 4]))
        pipe.run()
        XCTAssertEqual(delegate.heads[id]?.contentLength, 2)
        XCTAssertEqual(delegate.closed[id], HTTP2ErrorCode.protocolError.rawValue)
        XCTAssertEqual(client.responses[id]?.closeError, HTTP2ErrorCode.protocolError.rawValue)
    }

    func testBodyHeldByDelegateIsNotHandedToTheNextStream() {
        var settings = HTTP2Settings()
        settings.spareStreams = 1
        start(settings)
        let first = client.request(method: "GET")
        pipe.run()
        let held = try! XCTUnwrap(server.responseBody(stream: first))
        held.buffer.write(contentsOf: [1, 2, 3])
        held.isComplete = true
        server.submitResponse(stream: first, head: HTTPResponseHead(), body: held)
        pipe.run()
        XCTAssertEqual(client.responses[first]?.body, [1, 2, 3])
        let second = client.request(method: "GET")
        pipe.run()
        let next = try! XCTUnwrap(server.responseBody(stream: second))
        XCTAssertFalse(next === held)
        XCTAssertEqual(next.buffer.readableBytes, 0)
        XCTAssertFalse(next.isComplete)
    }

    func testHeadRequestGetsNoBody() {
        start()
        let id = client.request(method: "HEAD")
        pipe.run()
        XCTAssertEqual(delegate.heads[id]?.method, .head)
        XCTAssertTrue(server.submitResponse(stream: id, status: 200, contentType: "text/plain", body: [1, 2, 3]))
        pipe.run()
        XCTAssertEqual(client.responses[id]?.status, "200")
        XCTAssertEqual(client.responses[id]?.header("content-length"), "3")
        XCTAssertEqual(client.responses[id]?.body, [])
        XCTAssertEqual(client.responses[id]?.closeError, 0)
    }

    func testPingFloodFromClientThatDoesNotReadIsAnError() {
        var settings = HTTP2Settings()
        settings.maxOutboundAcks = 50
        start(settings)
        pipe.run()
        let ping: [UInt8] = [0, 0, 8, 6, 0, 0, 0, 0, 0] + [UInt8](repeating: 1, count: 8)
        var flood = ByteBuffer(capacity: 17 * 200)
        for _ in 0..<200 { flood.write(contentsOf: ping) }
        XCTAssertThrowsError(try server.receive(&flood)) { error in
            XCTAssertEqual((error as? HTTP2SessionError)?.code, NGHTTP2_ERR_FLOODED.rawValue)
        }
    }

    func testServerSettingsAreAdvertised() {
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = 7
        settings.initialWindowSize = 100_000
        start(settings)
        pipe.run()
        func remote(_ id: nghttp2_settings_id) -> UInt32 { nghttp2_session_get_remote_settings(client.session, id) }
        XCTAssertEqual(remote(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 7)
        XCTAssertEqual(remote(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE), 100_000)
        XCTAssertEqual(remote(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE), 65536)
        XCTAssertEqual(remote(NGHTTP2_SETTINGS_MAX_FRAME_SIZE), 16384)
        XCTAssertEqual(remote(NGHTTP2_SETTINGS_ENABLE_PUSH), 0)
        XCTAssertEqual(nghttp2_session_get_remote_window_size(client.session), 1024 * 1024)
    }

    func testResetsTheServerIsMadeToSendCountInTheResetBudget() {
        // MadeYouReset (CVE-2025-8671): each stream's body overruns its content-length, so
        // nghttp2 resets it itself; those resets must end the connection like client resets.
        var settings = HTTP2Settings()
        settings.maxResetsPerWindow = 20
        settings.floodWindowMilliseconds = 60_000
        start(settings)
        pipe.run()
        var sent = 0
        for _ in 0..<200 where server.wantsRead {
            _ = client.request(headers: [("content-length", "2")], body: .init([1, 2, 3, 4]))
            sent += 1
            pipe.run()
        }
        XCTAssertEqual(client.goAways.last?.errorCode, HTTP2ErrorCode.enhanceYourCalm.rawValue)
        XCTAssertLessThanOrEqual(sent, 22, "cut once the budget of 20 resets is spent")
        XCTAssertFalse(server.wantsRead)
    }

    func testResetsAfterCompleteResponsesAreNotCounted() {
        var settings = HTTP2Settings()
        settings.maxResetsPerWindow = 5
        settings.floodWindowMilliseconds = 60_000
        start(settings)
        delegate.onHead = { session, id in
            _ = session.submitResponse(stream: id, status: 200, contentType: "text/plain", body: [1])
        }
        for _ in 0..<20 {
            // Answered before its body ends: the server's RST_STREAM(NO_ERROR) asks it to stop.
            let id = client.request(body: .init([1, 2, 3], complete: false))
            pipe.run()
            XCTAssertEqual(client.responses[id]?.status, "200")
        }
        XCTAssertTrue(client.goAways.isEmpty)
        XCTAssertTrue(server.wantsRead)
    }

    func testCookieCrumbsReachTheDelegateAsOneField() {
        start()
        let id = client.request(method: "GET", headers: [("cookie", "a=1"), ("accept", "*/*"), ("cookie", "b=2"),
                                                         ("cookie", "c=3")])
        let plain = client.request(method: "GET")
        pipe.run()
        XCTAssertEqual(delegate.heads[id]?.cookies, ["a=1; b=2; c=3"])
        XCTAssertEqual(delegate.heads[plain]?.cookies, [])
    }
}
