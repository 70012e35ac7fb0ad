import EdgeHTTP
import EdgeIO
import MCPWire

/// The client side of an exchange: an HTTP/1.1 connection or one HTTP/2 stream.
protocol Downstream: AnyObject {
    /// The upstream's response head arrived.
    func responseHead(_ head: HTTPResponseHead, for exchange: Exchange)
    /// Response body bytes (borrowed; copy them). Returns false when the client side is full:
    /// the upstream stops reading until `exchange.resumeResponse()`.
    func responseBody(_ bytes: ByteView, for exchange: Exchange) -> Bool
    /// A buffer the upstream may read body bytes straight into (an HTTP/2 stream's body, with
    /// room for at least 16 KiB), or nil to be handed views instead.
    func responseBodySink(for exchange: Exchange) -> HTTP2ResponseBody?
    /// `count` body bytes were read into the sink. Returns false when the client side is full.
    func responseBodyFilled(_ count: Int, for exchange: Exchange) -> Bool
    /// The response is complete.
    func responseEnd(for exchange: Exchange)
    /// The upstream failed before sending a head: answer with this status and body.
    func responseFailed(status: Int, contentType: StaticString, body: [UInt8], for exchange: Exchange)
    /// The upstream failed after the head: the client's response cannot be completed.
    func responseAborted(for exchange: Exchange)
    /// The upstream took the request body bytes queued so far: the client may send more.
    func requestBodyDrained(for exchange: Exchange)
}

/// One request and its response in flight between a client and an upstream connection.
/// Owned by the downstream (one per HTTP/1.1 connection, one per HTTP/2 stream, reused).
final class Exchange {
    /// Set at creation, or right after the owner's own initialisation when the owner keeps its
    /// exchange in a `let` (read through a `lazy var`, it cost a retain and release per use).
    unowned(unsafe) var downstream: Downstream!
    var streamID: Int32 = 0
    var target: UpstreamTarget?
    var upstream: UpstreamConnection?
    /// The request's first body bytes, kept to answer errors with the client's JSON-RPC id.
    var bodyPrefix = ByteBuffer()
    var requestChunked = false
    var requestComplete = false
    var responseStarted = false
    var isJSONRequest = false
    /// The serialised request while it waits for a free upstream connection (pool at its cap).
    /// Storage is lent by the worker's pool only while waiting, so an idle connection (or a
    /// spare HTTP/2 stream) holds none.
    var queued = ByteBuffer()
    /// Where `queued` storage comes from (the worker's buffer pool, set when first queued).
    private var queueBuffers: BufferPool?
    var isQueued = false
    var requestMethod: HTTPMethod = .get
    /// A response to HEAD carries no body, whatever its head says.
    var requestWasHead: Bool { requestMethod == .head }
    /// Fires when a queued request waited too long for a connection.
    lazy var queueTimer = LoopTimer { [weak self] in self?.queueTimedOut() }
    static let prefixLimit = 4096
    /// Queued request bytes above which the client is asked to wait.
    static let requestHighWater = 256 * 1024

    init(downstream: Downstream? = nil) {
        self.downstream = downstream
    }

    func reset() {
        target = nil
        upstream = nil
        bodyPrefix.clear()
        requestChunked = false
        requestComplete = false
        responseStarted = false
        isJSONRequest = false
        isQueued = false
        queued.clear()
        queueBuffers?.reclaim(&queued)
        requestBodyBytes = 0
        pendingFailure = nil
    }

    var isActive: Bool { target != nil }

    /// Starts forwarding: picks an upstream connection and writes the request head to it.
    /// `head` is the downstream's own, lent in place (a copy would retain its five arrays);
    /// it is only read.
    /// - chunked: the body's length is unknown (HTTP/1.1 chunked, or HTTP/2 without
    ///   content-length): it goes upstream chunked.
    func start(head: inout HTTPRequestHead, chunked: Bool, target: UpstreamTarget, pool: UpstreamPool,
               clientAddress: [UInt8], tls: Bool) {
        self.target = target
        if let index = head.fields.firstIndex(of: .contentType) {
            isJSONRequest = head.fields.valueHasPrefix(at: index, "application/json")
        }
        let bodyLength: Int? = chunked ? nil : (head.contentLength ?? 0)
        requestChunked = bodyLength == nil
        requestMethod = head.method
        switch pool.acquire(target) {
        case .connection(let connection):
            upstream = connection
            connection.begin(self, head: head, bodyLength: bodyLength, clientAddress: clientAddress, tls: tls)
        case .atCapacity:
            // Serialise now (the client's head is reused for its next request) and wait.
            lendQueueStorage(from: pool)
            UpstreamConnection.writeRequestHead(head, target: target, bodyLength: bodyLength,
                                                clientAddress: clientAddress, tls: tls, into: &queued)
            isQueued = true
            pool.enqueue(self)
        case .failed:
            fail(status: 502, code: .backendUnavailable, reason: "cannot be connected to")
        }
    }

    /// Request body bytes forwarded so far (checked against `limits.max_body_bytes`).
    var requestBodyBytes = 0

    /// The answer to a request whose body is over the limit: 413 with a JSON-RPC error
    /// (id null: the body was not read).
    static func bodyTooLarge(limit: Int) -> [UInt8] {
        JSONRPCErrorBody.make(id: nil, code: -32600,
                              message: Array("request body exceeds limits.max_body_bytes (\(limit) bytes)".utf8))
    }

    /// A reused upstream connection failed before answering (the backend closed it as it was
    /// being reused): send the request again, as written so far, on a fresh connection.
    func retry(with request: inout ByteBuffer, pool: UpstreamPool) {
        guard let target else { return }
        switch pool.acquire(target, fresh: true) {
        case .connection(let connection):
            upstream = connection
            connection.begin(self, queued: &request)
        case .atCapacity:
            lendQueueStorage(from: pool)
            queued.write(contentsOf: request.readableSlice)
            request.clear()
            isQueued = true
            pool.enqueue(self)
        case .failed:
            fail(status: 502, code: .backendUnavailable, reason: "cannot be connected to")
        }
    }

    private func lendQueueStorage(from pool: UpstreamPool) {
        if queueBuffers == nil { queueBuffers = pool.buffers }
        pool.buffers.lend(&queued)
    }

    /// The pool has a connection for this queued exchange.
    func attach(_ connection: UpstreamConnection) {
        isQueued = false
        upstream = connection
        connection.begin(self, queued: &queued)
        queueBuffers?.reclaim(&queued)
        downstream.requestBodyDrained(for: self)
    }

    private func queueTimedOut() {
        guard isQueued else { return }
        isQueued = false
        fail(status: 503, code: .backendUnavailable, reason: "has no free connection (max_upstream_connections_per_server reached)")
    }

    /// Forwards a piece of the request body. Returns false when the client should pause.
    func sendBody(_ bytes: ByteView) -> Bool {
        requestBodyBytes += bytes.count
        if bodyPrefix.readableBytes < Exchange.prefixLimit {
            bodyPrefix.write(bytes.view(0..<Swift.min(bytes.count, Exchange.prefixLimit - bodyPrefix.readableBytes)))
        }
        if pendingFailure != nil {
            if bodyPrefix.readableBytes >= Exchange.prefixLimit { answerPendingFailure() }
            return true
        }
        guard let upstream else {
            guard isQueued else { return true }
            UpstreamConnection.writeBody(bytes, chunked: requestChunked, into: &queued)
            return queued.readableBytes < Exchange.requestHighWater
        }
        return upstream.queueBody(bytes, chunked: requestChunked) < Exchange.requestHighWater
    }

    /// The request body is complete.
    func endRequest() {
        requestComplete = true
        if pendingFailure != nil {
            answerPendingFailure()
            return
        }
        if let upstream {
            upstream.endRequest(chunked: requestChunked)
        } else if isQueued && requestChunked {
            HTTP1ChunkWriter.writeLastChunk(into: &queued)
        }
    }

    /// The client can take more response bytes.
    func resumeResponse() {
        upstream?.resumeReading()
    }

    /// The client went away or reset the stream: drop the upstream connection (it is
    /// mid-exchange, so it cannot be reused).
    func abort() {
        isQueued = false
        if let upstream {
            self.upstream = nil
            upstream.abandon()
        }
        target = nil
    }

    /// The upstream failed. Before the response head: answer the client with an error naming
    /// the backend (a JSON-RPC error when the request was JSON-RPC). After: abort the response.
    func fail(status: Int, code: GatewayErrorCode, reason: StaticString) {
        upstream = nil
        isQueued = false
        guard !responseStarted else {
            downstream.responseAborted(for: self)
            return
        }
        // The error should carry the client's id: wait until enough of the body has arrived.
        if !requestComplete && bodyPrefix.readableBytes < Exchange.prefixLimit {
            pendingFailure = (status, code, reason)
            return
        }
        answerFailure(status: status, code: code, reason: reason)
    }

    /// An upstream failure waiting for the request body (see `fail`).
    private var pendingFailure: (status: Int, code: GatewayErrorCode, reason: StaticString)?

    private func answerPendingFailure() {
        guard let failure = pendingFailure else { return }
        pendingFailure = nil
        answerFailure(status: failure.status, code: failure.code, reason: failure.reason)
    }

    private func answerFailure(status: Int, code: GatewayErrorCode, reason: StaticString) {
        var message = Array("backend \"".utf8)
        message.append(contentsOf: target?.nameBytes ?? [])
        message.append(contentsOf: "\" ".utf8)
        message.append(contentsOf: "\(reason)".utf8)
        let prefix = bodyPrefix.readableSlice
        if isJSONRequest || JSONRPCScanner.looksLikeObject(prefix) {
            let id = JSONRPCScanner.topLevelID(in: prefix).map { prefix[$0] }
            let body = JSONRPCErrorBody.make(id: id, code: code.rawValue, message: message)
            downstream.responseFailed(status: status, contentType: "application/json", body: body, for: self)
        } else {
            message.append(0x0A)
            downstream.responseFailed(status: status, contentType: "text/plain", body: message, for: self)
        }
    }
}
