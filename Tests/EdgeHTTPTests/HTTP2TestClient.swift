import CNGHTTP2
import EdgeIO
@testable import EdgeHTTP

/// An nghttp2 client session for tests: submits requests, serialises them to bytes, and
/// records what the server sends back. Bytes travel in memory (`HTTP2Pipe`).
final class HTTP2TestClient {
    final class Response {
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var endStream = false
        /// Payload length of each DATA frame received, in order.
        var dataFrameLengths: [Int] = []
        var closed = false
        var closeError: UInt32? = nil
        var rstReceived: UInt32? = nil
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        var status: String? { header(":status") }
    }

    /// A request body served in chunks of at most `chunkSize` bytes (one DATA frame each);
    /// deferred while `pending` is empty and `complete` is false.
    final class RequestBody {
        var pending: [UInt8]
        var complete: Bool
        let chunkSize: Int
        init(_ bytes: [UInt8], complete: Bool = true, chunkSize: Int = 16384) {
            pending = bytes; self.complete = complete; self.chunkSize = chunkSize
        }
    }

    let session: OpaquePointer
    var responses: [Int32: Response] = [:]
    var bodies: [Int32: RequestBody] = [:]
    var goAways: [(lastStreamID: Int32, errorCode: UInt32)] = []
    var pingAcks = 0

    init(autoWindowUpdate: Bool = true) {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            let client = HTTP2TestClient.from(user)
            let response = client.response(frame!.pointee.hd.stream_id)
            response.headers.append((String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self),
                                     String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)))
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, id, data, length, user in
            HTTP2TestClient.from(user).response(id).body.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            let client = HTTP2TestClient.from(user)
            let hd = frame!.pointee.hd
            switch UInt32(hd.type) {
            case NGHTTP2_GOAWAY.rawValue:
                client.goAways.append((frame!.pointee.goaway.last_stream_id, frame!.pointee.goaway.error_code))
            case NGHTTP2_RST_STREAM.rawValue:
                client.response(hd.stream_id).rstReceived = frame!.pointee.rst_stream.error_code
            case NGHTTP2_PING.rawValue:
                if hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { client.pingAcks += 1 }
            case NGHTTP2_DATA.rawValue, NGHTTP2_HEADERS.rawValue:
                if UInt32(hd.type) == NGHTTP2_DATA.rawValue { client.response(hd.stream_id).dataFrameLengths.append(hd.length) }
                if hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 { client.response(hd.stream_id).endStream = true }
            default: break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, id, error, user in
            let response = HTTP2TestClient.from(user).response(id)
            response.closed = true
            response.closeError = error
            return 0
        }
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, autoWindowUpdate ? 0 : 1)
        nghttp2_option_set_max_send_header_block_length(option, 1 << 20)
        var raw: OpaquePointer?
        nghttp2_session_client_new2(&raw, callbacks, nil, option)
        session = raw!
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())
        nghttp2_submit_settings(session, 0, nil, 0)
    }

    deinit { nghttp2_session_del(session) }

    static func from(_ user: UnsafeMutableRawPointer?) -> HTTP2TestClient {
        Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
    }

    func response(_ id: Int32) -> Response {
        if let r = responses[id] { return r }
        let r = Response()
        responses[id] = r
        return r
    }

    /// Submits a request; with a body, DATA frames follow from `body`.
    @discardableResult
    func request(method: String = "POST", path: String = "/mcp", authority: String? = "example.com",
                 headers: [(String, String)] = [], body: RequestBody? = nil) -> Int32 {
        var fields: [(String, String)] = [(":method", method)]
        if method != "CONNECT" { fields += [(":scheme", "https"), (":path", path)] }
        if let authority { fields.append((":authority", authority)) }
        fields += headers
        let names = fields.map { Array($0.0.utf8) }
        let values = fields.map { Array($0.1.utf8) }
        var id: Int32 = 0
        withPointers(names) { namePointers in
            withPointers(values) { valuePointers in
                var nva: [nghttp2_nv] = []
                for i in fields.indices {
                    nva.append(nghttp2_nv(name: UnsafeMutablePointer(mutating: namePointers[i]),
                                          value: UnsafeMutablePointer(mutating: valuePointers[i]),
                                          namelen: names[i].count, valuelen: values[i].count, flags: 0))
                }
                if let body {
                    let source = nghttp2_data_source(ptr: Unmanaged.passUnretained(body).toOpaque())
                    var provider = nghttp2_data_provider(source: source, read_callback: HTTP2TestClient.readBody)
                    id = nghttp2_submit_request(session, nil, nva, nva.count, &provider, nil)
                } else {
                    id = nghttp2_submit_request(session, nil, nva, nva.count, nil, nil)
                }
            }
        }
        precondition(id > 0, "nghttp2_submit_request: \(id)")
        if let body { bodies[id] = body }
        return id
    }

    static let readBody: nghttp2_data_source_read_callback = { _, _, buf, length, flags, source, _ in
        let body = Unmanaged<RequestBody>.fromOpaque(source!.pointee.ptr).takeUnretainedValue()
        let n = min(length, body.chunkSize, body.pending.count)
        if n == 0 && !body.complete { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
        for i in 0..<n { buf![i] = body.pending[i] }
        body.pending.removeFirst(n)
        if body.pending.isEmpty && body.complete { flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
        return n
    }

    func resume(_ id: Int32) { nghttp2_session_resume_data(session, id) }

    func reset(_ id: Int32, error: UInt32 = HTTP2ErrorCode.cancel.rawValue) {
        nghttp2_submit_rst_stream(session, 0, id, error)
    }

    /// Everything the client has to send.
    func send() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &data)
            precondition(n >= 0, "client mem_send: \(n)")
            if n == 0 { break }
            out.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
        return out
    }

    func receive(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let n = bytes.withUnsafeBufferPointer { nghttp2_session_mem_recv(session, $0.baseAddress, $0.count) }
        precondition(n == bytes.count, "client mem_recv: \(n)")
    }
}

private func withPointers(_ arrays: [[UInt8]], _ body: ([UnsafePointer<UInt8>]) -> Void) {
    var pointers: [UnsafePointer<UInt8>] = []
    var storage: [UnsafeMutablePointer<UInt8>] = []
    for a in arrays {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(a.count, 1))
        p.initialize(from: a, count: a.count)
        storage.append(p)
        pointers.append(UnsafePointer(p))
    }
    body(pointers)
    storage.forEach { $0.deallocate() }
}

/// Moves bytes between a test client and a server session until neither has more to say.
struct HTTP2Pipe {
    let client: HTTP2TestClient
    let server: HTTP2ServerSession
    var serverErrors: [HTTP2SessionError] = []

    init(client: HTTP2TestClient, server: HTTP2ServerSession) {
        self.client = client
        self.server = server
    }

    /// Client to server once.
    mutating func clientToServer() -> Int {
        let bytes = client.send()
        var inbound = ByteBuffer(capacity: max(bytes.count, 1))
        inbound.write(contentsOf: bytes)
        do { try server.receive(&inbound) } catch let e as HTTP2SessionError { serverErrors.append(e) } catch {}
        return bytes.count
    }

    /// Server to client once, through the chunk sink (large DATA payloads come from the body
    /// buffer itself); stops once `limit` bytes are out, like a full socket.
    mutating func serverToClient(limit: Int = 1 << 30) -> Int {
        let collector = ChunkCollector(limit: limit)
        do {
            try server.produce(to: collector)
        } catch let e as HTTP2SessionError { serverErrors.append(e) } catch {}
        client.receive(collector.bytes)
        return collector.bytes.count
    }

    /// Both ways until quiet (bounded).
    mutating func run() {
        for _ in 0..<1000 {
            let a = clientToServer()
            let b = serverToClient()
            if a == 0 && b == 0 { return }
        }
    }
}

/// Collects what `produce(to:)` hands over, chunk after chunk, until `limit` bytes.
final class ChunkCollector: HTTP2OutputSink {
    var bytes: [UInt8] = []
    let limit: Int
    init(limit: Int) { self.limit = limit }
    func take(_ chunk: ByteView) -> Bool {
        bytes.append(chunk)
        return bytes.count < limit
    }
}
