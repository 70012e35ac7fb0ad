import EdgePolicy
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
    /// The upstream failed after the head: take the head back if no byte of the response has
    /// left for the client yet (an error response then replaces it). False when too late.
    func retractResponseHead(for exchange: Exchange) -> Bool
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
    /// The serialised request until it has an upstream connection: while it is gathered
    /// (`isBuffering`), waits its turn, or waits for a free connection. Storage is lent by the
    /// worker's pool only meanwhile (the connection then takes it over), so an idle connection
    /// (or a spare HTTP/2 stream) holds none.
    var queued = ByteBuffer()
    /// Where `queued` storage comes from (the worker's buffer pool, set when first queued).
    private var queueBuffers: BufferPool?
    var isQueued = false
    /// The request is being gathered before it asks for a connection (see `start`).
    var isBuffering = false
    /// The request waits for a place in the client's share of upstream connections.
    var isWaitingTurn = false
    /// The request counts against its client's share.
    private var holdsShare = false
    /// Upstream connections its client holds or waits for (1 for HTTP/1.1): the pool serves
    /// the least busy clients first when requests queue for a backend.
    var clientLoad: Int { share?.held ?? 1 }
    /// The client connection's share of upstream connections (nil: HTTP/1.1, one at a time).
    var share: UpstreamShare?
    /// The worker's pool (it outlives every exchange).
    unowned(unsafe) var pool: UpstreamPool?
    var requestMethod: HTTPMethod = .get
    /// A response to HEAD carries no body, whatever its head says.
    var requestWasHead: Bool { requestMethod == .head }
    /// Fires when a queued request waited too long for a connection.
    lazy var queueTimer = LoopTimer { [weak self] in self?.queueTimedOut() }
    static let prefixLimit = 4096
    /// Request bytes kept for a request that has no upstream connection yet, before its
    /// client is asked to wait: `limits.request_buffer_bytes`, at least 16 KiB. Never below
    /// the buffering threshold, or a request would wait for bytes its client may not send.
    private var waitingHighWater: Int {
        Swift.max(pool?.settings.requestBufferBytes ?? 0, 16 * 1024)
    }
    /// Queued request bytes above which the client is asked to wait.
    static let requestHighWater = 256 * 1024

    init(downstream: Downstream? = nil) {
        self.downstream = downstream
    }

    func reset() {
        if let gateway, gateway.isActive { gateway.cancel() }
        target = nil
        upstream = nil
        bodyPrefix.clear()
        requestChunked = false
        requestComplete = false
        responseStarted = false
        isJSONRequest = false
        isQueued = false
        isBuffering = false
        isWaitingTurn = false
        releaseShare()
        queued.clear()
        queueBuffers?.reclaim(&queued)
        requestBodyBytes = 0
        pendingFailure = nil
    }

    var isActive: Bool { target != nil || gateway?.isActive == true }

    /// Set when this exchange is a gateway's own request to a backend (see `BackendCall`).
    unowned(unsafe) var backendCall: BackendCall?
    /// The client-facing side of a gateway route's request (reused from request to request).
    var gateway: GatewayRequest?

    /// Starts a request the gateway wrote itself: complete, so it asks for a connection at once.
    func startInternal(target: UpstreamTarget, pool: UpstreamPool, write: (inout ByteBuffer) -> Void) {
        self.target = target
        self.pool = pool
        requestMethod = .post
        requestChunked = false
        lendQueueStorage(from: pool)
        write(&queued)
        requestComplete = true
        dispatch()
    }

    /// Starts a request on a gateway route: the body is gathered, then handled by the gateway.
    func startGateway(head: inout HTTPRequestHead, route: GatewayRoute, context: GatewayContext,
                      identity: Identity? = nil, access: RouteAccess? = nil) {
        let request = gateway ?? GatewayRequest(exchange: self)
        gateway = request
        requestMethod = head.method
        request.identity = identity
        request.access = access
        request.begin(head: &head, route: route, context: context)
    }

    /// Starts a request: its head is serialised for the backend and kept, with the body that
    /// follows, until the request is complete or `limits.request_buffer_bytes` of it are here;
    /// only then is an upstream connection taken (`dispatch`). A slow or unfinished upload, or a
    /// stream reset before its request ended, so never holds a backend connection.
    /// `head` is the downstream's own, lent in place (a copy would retain its five arrays);
    /// it is only read.
    /// - chunked: the body's length is unknown (HTTP/1.1 chunked, or HTTP/2 without
    ///   content-length): it goes upstream chunked.
    func start(head: inout HTTPRequestHead, chunked: Bool, target: UpstreamTarget, pool: UpstreamPool,
               clientAddress: [UInt8], tls: Bool) {
        self.target = target
        self.pool = pool
        // The backend gets mcp-edge's credentials, never a client's field of the same name.
        for field in target.credentials { head.fields.remove(name: field.name) }
        let issued = pool.issuedAuthorization(target)
        if issued != nil || target.issuesTokens { head.fields.remove(.authorization) }
        if let index = head.fields.firstIndex(of: .contentType) {
            isJSONRequest = head.fields.valueHasPrefix(at: index, "application/json")
        }
        let bodyLength: Int? = chunked ? nil : (head.contentLength ?? 0)
        requestChunked = bodyLength == nil
        requestMethod = head.method
        lendQueueStorage(from: pool)
        UpstreamConnection.writeRequestHead(head, target: target, bodyLength: bodyLength,
                                            clientAddress: clientAddress, tls: tls, issued: issued, into: &queued)
        isBuffering = true
        if pool.settings.requestBufferBytes == 0 { dispatch() }
    }

    /// The request is complete, or large enough to stream: it asks for an upstream connection
    /// (after its turn among the client's requests, see `UpstreamShare`).
    private func dispatch() {
        isBuffering = false
        if let share {
            guard share.take() else {
                isWaitingTurn = true
                share.wait(self)
                return
            }
            holdsShare = true
        }
        connect()
    }

    /// A place in the client's share came free for this waiting request.
    func takeTurn() {
        isWaitingTurn = false
        holdsShare = true
        connect()
    }

    /// Asks the pool for a connection (`fresh`: not an idle one, after a stale one failed) and
    /// hands it the request gathered in `queued`, or waits in the pool's queue.
    private func connect(fresh: Bool = false) {
        guard let target, let pool else { return }
        switch pool.acquire(target, fresh: fresh) {
        case .connection(let connection):
            upstream = connection
            connection.begin(self, queued: &queued)  // takes the storage when it can
            if queued.capacity > 0 { queueBuffers?.reclaim(&queued) }
            downstream.requestBodyDrained(for: self)
        case .atCapacity:
            guard pool.hasQueueRoom(target) else {
                return fail(status: 503, code: .backendUnavailable,
                            reason: "is at its connection limit and its queue is full (limits.max_queued_requests_per_server)")
            }
            isQueued = true
            pool.enqueue(self)
        case .failed:
            fail(status: 502, code: .backendUnavailable, reason: "cannot be connected to")
        }
    }

    /// The request's place in the client's share goes back (its response ended or failed).
    private func releaseShare() {
        guard holdsShare else { return }
        holdsShare = false
        share?.give()
    }

    /// The upstream connection is done with this exchange (the response is complete).
    func upstreamFinished() {
        upstream = nil
        releaseShare()
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
    func retry(with request: inout ByteBuffer) {
        if queued.capacity == 0 {
            swap(&queued, &request)  // both lent by the worker's pool
        } else {
            queued.write(contentsOf: request.readableSlice)
            request.clear()
        }
        connect(fresh: true)
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
        if let gateway, gateway.isActive { return gateway.body(bytes) }
        if bodyPrefix.readableBytes < Exchange.prefixLimit {
            bodyPrefix.write(bytes.view(0..<Swift.min(bytes.count, Exchange.prefixLimit - bodyPrefix.readableBytes)))
        }
        if pendingFailure != nil {
            if bodyPrefix.readableBytes >= Exchange.prefixLimit { answerPendingFailure() }
            return true
        }
        guard let upstream else {
            guard isBuffering || isWaitingTurn || isQueued else { return true }
            UpstreamConnection.writeBody(bytes, chunked: requestChunked, into: &queued)
            if isBuffering, let pool, queued.readableBytes >= pool.settings.requestBufferBytes { dispatch() }
            // Not yet connected (waiting its turn or for a free connection): the client is
            // asked to wait as soon as the buffering threshold is reached.
            return upstream != nil || queued.readableBytes < waitingHighWater
        }
        return upstream.queueBody(bytes, chunked: requestChunked) < Exchange.requestHighWater
    }

    /// The request body is complete.
    func endRequest() {
        requestComplete = true
        if let gateway, gateway.isActive { gateway.end(); return }
        if pendingFailure != nil {
            answerPendingFailure()
            return
        }
        if let upstream {
            upstream.endRequest(chunked: requestChunked)
        } else if isBuffering || isWaitingTurn || isQueued {
            if requestChunked { HTTP1ChunkWriter.writeLastChunk(into: &queued) }
            if isBuffering { dispatch() }
        }
    }

    /// The client can take more response bytes.
    func resumeResponse() {
        if let gateway, gateway.isActive { gateway.resume(); return }
        upstream?.resumeReading()
    }

    /// The client went away or reset the stream: drop the upstream connection (it is
    /// mid-exchange, so it cannot be reused).
    func abort() {
        if let gateway, gateway.isActive { gateway.cancel() }
        isQueued = false
        isBuffering = false
        isWaitingTurn = false
        if let upstream {
            self.upstream = nil
            upstream.abandon(requestComplete: requestComplete)
        }
        releaseShare()
        target = nil
    }

    /// The upstream failed. Before the response head: answer the client with an error naming
    /// the backend (a JSON-RPC error when the request was JSON-RPC). After: abort the response.
    func fail(status: Int, code: GatewayErrorCode, reason: StaticString) {
        upstream = nil
        isQueued = false
        releaseShare()
        if let backendCall {
            target = nil
            backendCall.failed(code: code.rawValue, reason: "\(reason)")
            return
        }
        if responseStarted {
            // A head not yet on its way to the client can still be taken back and replaced.
            guard downstream.retractResponseHead(for: self) else {
                downstream.responseAborted(for: self)
                return
            }
            responseStarted = false
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
        answer(status: status, code: code.rawValue, message: message)
    }

    /// The client failed its own request (its body stopped arriving): any upstream work is
    /// dropped and the client is answered `status` with a JSON-RPC error (code -32600).
    func reject(status: Int, message: StaticString) {
        abort()
        answer(status: status, code: -32600, message: Array("\(message)".utf8))
    }

    /// Answers with a JSON-RPC error carrying the client's id when the request was JSON-RPC
    /// (as far as its first bytes tell), else with the message as text.
    private func answer(status: Int, code: Int, message: [UInt8]) {
        let prefix = bodyPrefix.readableSlice
        if isJSONRequest || JSONRPCScanner.looksLikeObject(prefix) {
            let id = JSONRPCScanner.topLevelID(in: prefix).map { prefix[$0] }
            let body = JSONRPCErrorBody.make(id: id, code: code, message: message)
            downstream.responseFailed(status: status, contentType: "application/json", body: body, for: self)
        } else {
            var text = message
            text.append(0x0A)
            downstream.responseFailed(status: status, contentType: "text/plain", body: text, for: self)
        }
    }
}
