import EdgeHTTP
import EdgeIO
import MCPWire

/// How a gateway's request to one backend ended.
enum BackendOutcome {
    /// The response is complete (every message was delivered).
    case complete
    /// No usable answer: a JSON-RPC error code of mcp-edge's own and why.
    case failed(code: Int, reason: String)
}

/// One HTTP request of the gateway to a backend, over the worker's pooled upstream
/// connections (an internal `Exchange` whose downstream is this object). The response is
/// delivered as JSON-RPC messages: the whole body of an `application/json` answer, or each SSE
/// event's data of a `text/event-stream` one, as they arrive.
final class BackendCall: Downstream {
    /// Status and `Mcp-Session-Id` of the response head, before any message.
    var onHead: ((_ status: Int, _ sessionID: [UInt8]?) -> Void)?
    /// One message (borrowed: copy what must outlive the call). Returns false when the
    /// receiver is full: reading pauses until `resume()`.
    var onMessage: ((ArraySlice<UInt8>) -> Bool)?
    var onEnd: ((BackendOutcome) -> Void)?
    /// A relay's call reports to its request directly instead (`relayInfo` non-nil): no
    /// closures to allocate on the hot path. Weak: the client may leave while the call runs.
    weak var relayRequest: GatewayRequest?
    /// The client's bearer token, for a backend that takes exchanged tokens (nil otherwise).
    var subjectToken: [UInt8]?
    var relayInfo: RelayInfo?
    /// The relay's gateway id, as decimal digits (storage kept across reuses).
    var relayID: [UInt8] = []
    /// Where the call goes back to once its end has been delivered (HTTP relays, see
    /// `GatewayContext.takeCall`); nil: it is freed.
    var recycleTo: GatewayContext?
    let exchange = Exchange()
    private(set) var status = 0
    private var isSSE = false
    private var body: [UInt8] = []
    private var sse: SSEParser
    private var maxBytes: Int
    private var finished = false
    private var paused = false
    /// The call keeps itself alive while it runs: its exchange refers to it without a count.
    private var running: BackendCall?
    private var loop: EventLoop?
    /// For a call to a stdio backend: the process and the request's gateway id.
    private var stdio: StdioBackend?
    private var stdioID: Int?
    private var headDelivered = false
    /// The fields of the message being delivered, when its reader scanned it already.
    private(set) var scanned: MessageFields?
    /// A stdio call started without a `whenReady` closure (which would outlive it).
    private var stdioReusable = false
    /// Inside `finish`, delivering the end: not yet reusable.
    private var delivering = false
    /// `fail` left an abort of the exchange for the end of the batch: not yet reusable.
    private var abortPending = false
    private lazy var stdioTimer = LoopTimer { [unowned self] in self.stdioTimedOut() }
    var isFinished: Bool { finished }

    init(maxResponseBytes: Int) {
        maxBytes = maxResponseBytes
        sse = SSEParser(maxEventBytes: maxResponseBytes)
        exchange.downstream = self
        exchange.backendCall = self
    }

    /// Whether the call can be started again (`reuse`): it finished, its end was delivered, and
    /// its exchange holds no upstream connection nor waits for one.
    var isReusable: Bool {
        finished && !delivering && !abortPending && (stdio == nil || stdioReusable) && !exchange.isActive
            && exchange.upstream == nil && !exchange.isQueued && !exchange.isWaitingTurn
    }

    /// Makes a finished call new again (see `isReusable`), keeping its storage.
    func reuse(maxResponseBytes: Int) {
        maxBytes = maxResponseBytes
        onHead = nil; onMessage = nil; onEnd = nil
        relayRequest = nil
        relayInfo = nil
        recycleTo = nil
        status = 0
        isSSE = false
        if body.capacity > 16 * 1024 { body = [] } else if !body.isEmpty { body.removeAll(keepingCapacity: true) }
        finished = false
        paused = false
        running = nil
        loop = nil
        stdio = nil
        stdioID = nil
        stdioReusable = false
        headDelivered = false
        exchange.reset()
    }

    /// Sends `request` (a whole serialised HTTP/1.1 request) to `target`.
    func start(target: UpstreamTarget, pool: UpstreamPool, request: (inout ByteBuffer) -> Void) {
        running = self
        loop = pool.loop
        exchange.startInternal(target: target, pool: pool, write: request)
    }

    /// Sends a line to a stdio backend's process; the answer comes through `deliverStdio`.
    /// A notification (`id` nil) is complete once written.
    func startStdio(_ backend: StdioBackend, id: Int?, body: [UInt8], timeout: UInt64) {
        running = self
        loop = backend.context.loop
        stdio = backend
        stdioID = id
        backend.send(id == nil ? nil : self, id: id, body: body)
        if id == nil { return finish(.complete) }
        if !finished { loop?.arm(stdioTimer, in: timeout) }
    }

    /// `startStdio` of `source` with `edits` applied, on a process that is ready (`isReady`):
    /// no copy of the body, and the call may be reused once done (nothing else refers to it).
    func startStdio(_ backend: StdioBackend, id: Int, splicing source: ArraySlice<UInt8>, _ edits: SpliceEdits,
                    timeout: UInt64) {
        running = self
        loop = backend.context.loop
        stdio = backend
        stdioID = id
        stdioReusable = true
        backend.send(self, id: id, splicing: source, edits)
        if !finished { loop?.arm(stdioTimer, in: timeout) }
    }

    /// A message from the stdio process for this call (`final`: its answer), with what the
    /// process's reader found in it (handed to a relay: no second scan).
    func deliverStdio(_ bytes: ArraySlice<UInt8>, _ fields: MessageFields? = nil, final: Bool) {
        guard !finished else { return }
        if !headDelivered {
            headDelivered = true
            status = 200
            if relayInfo == nil { onHead?(200, nil) }
        }
        scanned = fields
        _ = deliver(bytes)
        scanned = nil
        if final { finish(.complete) }
    }

    private func stdioTimedOut() {
        if let stdio, let stdioID { stdio.forget(id: stdioID) }
        finish(.failed(code: GatewayCodes.timeout, reason: "did not answer in time"))
    }

    /// The receiver can take messages again.
    func resume() {
        guard paused else { return }
        paused = false
        exchange.resumeResponse()
    }

    /// Gives up on the call (the client went away, or a fan-out timed out).
    func cancel() {
        guard !finished else { return }
        finished = true
        onHead = nil; onMessage = nil; onEnd = nil
        relayRequest = nil
        relayInfo = nil
        recycleTo = nil
        let keep = running
        running = nil
        if let stdio, let stdioID { stdio.forget(id: stdioID) }
        // Taken out of the wheel now: a disarmed timer stays linked until its deadline (60 s),
        // and its closure keeps this call's memory (unowned): ~0.5 KB per stdio call.
        if stdio != nil { loop?.cancel(stdioTimer) }
        if exchange.isActive { exchange.abort() }
        exchange.reset()
        withExtendedLifetime(keep) {}
    }

    private func finish(_ outcome: BackendOutcome) {
        guard !finished else { return }
        finished = true
        let end = onEnd
        onHead = nil; onMessage = nil; onEnd = nil
        let keep = running
        running = nil
        if stdio != nil { loop?.cancel(stdioTimer) }
        delivering = true
        if relayInfo != nil {
            relayRequest?.relayEnded(self, outcome)
            relayRequest = nil
            relayInfo = nil
        } else {
            end?(outcome)
        }
        delivering = false
        if let context = recycleTo {
            recycleTo = nil
            if isReusable { context.recycle(self) }
        }
        withExtendedLifetime(keep) {}
    }

    /// One message to the receiver: the relay's request, or `onMessage`.
    private func deliver(_ message: ArraySlice<UInt8>) -> Bool {
        if relayInfo != nil { return relayRequest?.relayMessage(from: self, message) ?? true }
        return onMessage?(message) ?? true
    }

    /// The upstream layer failed the exchange (connect refused, reset, timeout, garbage).
    func failed(code: Int, reason: String) {
        finish(.failed(code: code, reason: reason))
    }

    // MARK: Downstream

    func responseHead(_ head: HTTPResponseHead, for exchange: Exchange) {
        status = head.status
        isSSE = head.fields.firstIndex(of: .contentType).map { head.fields.valueHasPrefix(at: $0, "text/event-stream") } ?? false
        if !body.isEmpty { body.removeAll(keepingCapacity: true) }
        sse = SSEParser(maxEventBytes: maxBytes)
        if relayInfo == nil { onHead?(head.status, head.fields.first(.mcpSessionId).map(Array.init)) }
    }

    func responseBody(_ bytes: ByteView, for exchange: Exchange) -> Bool {
        guard !finished else { return true }
        if isSSE {
            var wantsMore = true
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                let slice = Array(raw)[...]
                return sse.feed(slice) { event in
                    guard !finished, !event.data.isEmpty else { return }
                    if deliver(event.data[...]) == false { wantsMore = false }
                }
            }
            if !ok { fail(GatewayCodes.responseTooLarge, "sent an SSE event larger than limits.max_backend_response") }
            if !wantsMore { paused = true }
            return wantsMore
        }
        guard body.count + bytes.count <= maxBytes else {
            fail(GatewayCodes.responseTooLarge, "sent a response larger than limits.max_backend_response")
            return true
        }
        body.append(bytes)
        return true
    }

    /// The response broke a limit: the call ends now; its upstream connection is dropped
    /// after the current read (it is mid-response and cannot be reused).
    private func fail(_ code: Int, _ reason: String) {
        let keep = running
        abortPending = true
        recycleTo = nil  // the exchange is still mid-response
        finish(.failed(code: code, reason: reason))
        let exchange = self.exchange
        loop?.afterThisBatch { [self] in
            if exchange.isActive { exchange.abort() }
            abortPending = false
            withExtendedLifetime(keep) {}
        }
    }

    func responseBodySink(for exchange: Exchange) -> HTTP2ResponseBody? { nil }

    func responseBodyFilled(_ count: Int, for exchange: Exchange) -> Bool { true }

    func responseEnd(for exchange: Exchange) {
        exchange.reset()
        guard !finished else { return }
        if !isSSE, !body.isEmpty {
            _ = deliver(body[...])
        }
        finish(.complete)
    }

    func responseFailed(status: Int, contentType: StaticString, body: [UInt8], for exchange: Exchange) {
        finish(.failed(code: GatewayCodes.unavailable, reason: "failed (HTTP \(status))"))
    }

    func responseAborted(for exchange: Exchange) {
        finish(.failed(code: GatewayCodes.unavailable, reason: "closed the connection mid-response"))
    }

    func retractResponseHead(for exchange: Exchange) -> Bool { true }

    func requestBodyDrained(for exchange: Exchange) {}
}

/// mcp-edge's own JSON-RPC error codes (docs/gateway.md), as the connection layer uses them.
enum GatewayCodes {
    static let unavailable = -32010
    static let timeout = -32011
    static let protocolError = -32012
    static let responseTooLarge = -32013
    static let sessionLost = -32014
}
