import EdgeHTTP
import EdgeIO
import EdgeTLS
import MCPWire

/// One keep-alive HTTP/1.1 connection to a backend. It carries one exchange at a time
/// (no pipelining): writes the request as the client sends it and streams the response back
/// as it arrives, pausing its reads when the client side is full.
final class UpstreamConnection: IOHandler, Flushable {
    private enum State { case connecting, handshaking, active, idle, closed }
    private enum ResponsePhase { case head, length(Int), chunked, untilClose, done }

    let fd: Int32
    let target: UpstreamTarget
    /// The pool outlives its connections (one per worker, for the life of the loop).
    unowned(unsafe) let pool: UpstreamPool
    private var state: State = .connecting
    private var phase: ResponsePhase = .head
    private var exchange: Exchange?
    private var outbound = ByteBuffer()
    private var inbound = ByteBuffer()
    private var parser: HTTP1ResponseParser
    private var head = HTTPResponseHead()
    private var chunked: ChunkedDecoder
    private var canRead = false
    private var canWrite = false
    private var readPaused = false
    var flushQueued = false
    private var responseByteSeen = false
    /// The method of the request in flight (a response to HEAD has no body).
    private var requestMethod: HTTPMethod = .get
    /// Bytes of the current request written to the socket.
    private var requestBytesWritten = 0
    /// The client left after its request was sent: the rest of the response is read and
    /// dropped, then the connection goes back to the pool (see `abandon`).
    private var discarding = false
    /// Response bytes a discarded response may still have; a longer one closes the connection.
    private var discardBudget = 0
    static let discardLimit = 256 * 1024
    /// How long a discarded response may take to finish (milliseconds).
    static let discardTimeout: UInt64 = 2_000
    /// Whether this connection came from the idle pool (stale-connection failures are likelier).
    var wasReused = false
    /// On a reused connection, the request bytes written so far, kept until the first response
    /// byte so the request can be replayed on a fresh connection (see `Exchange.retry`).
    /// Its own small buffer, not a pooled 16 KiB one: a request is a few hundred bytes, and the
    /// storage is kept from request to request (emptying it is two stores).
    private var replay = ByteBuffer()
    private var replayable = false
    static let replayLimit = 64 * 1024
    let timer = LoopTimer()
    /// TLS to an `https://` backend (set once the TCP connection is up).
    private var tls: TLSConnection?

    init(fd: Int32, target: UpstreamTarget, pool: UpstreamPool) {
        self.fd = fd
        self.target = target
        self.pool = pool
        let limits = HTTP1Limits(maxHeadBytes: pool.settings.maxHeadBytes, maxHeaderCount: pool.settings.maxHeaderCount)
        parser = HTTP1ResponseParser(limits: limits)
        chunked = ChunkedDecoder(limits: limits)
        timer.action = { [unowned self] in self.timedOut() }
    }

    private var loop: EventLoop { pool.loop }

    // MARK: Request side

    /// Starts an exchange whose request head (and perhaps body) was serialised while it was
    /// gathered or waited for a connection. The bytes are taken over without a copy when
    /// nothing else is queued (the usual case).
    func begin(_ exchange: Exchange, queued: inout ByteBuffer) {
        prepare(exchange)
        if outbound.isEmpty && outbound.capacity == 0 {
            swap(&outbound, &queued)  // both lent by the worker's pool
        } else {
            pool.buffers.lend(&outbound)
            outbound.write(contentsOf: queued.readableSlice)
            queued.clear()
        }
        queueFlush()
    }

    private func prepare(_ exchange: Exchange) {
        self.exchange = exchange
        requestMethod = exchange.requestMethod
        requestBytesWritten = 0
        discarding = false
        replay.clear()
        replayable = wasReused
        if state == .idle { state = .active }
        phase = .head
        responseByteSeen = false
        parser.reset()
        let timeout = state == .connecting ? pool.settings.upstreamConnectTimeout : pool.settings.upstreamFirstByteTimeout
        loop.arm(timer, in: timeout)
    }

    /// The request head as the backend sees it: its own path (plus the client's query) and its
    /// own Host; hop-by-hop fields dropped, X-Forwarded-For/Forwarded added.
    static func writeRequestHead(_ head: HTTPRequestHead, target: UpstreamTarget, bodyLength: Int?,
                                 clientAddress: [UInt8], tls: Bool, issued: [UInt8]? = nil, into buffer: inout ByteBuffer) {
        HTTP1RequestSerializer.writeHead(head, bodyLength: bodyLength, forwardedFor: clientAddress,
                                         proto: tls ? "https" : "http", path: target.path, host: target.hostHeader,
                                         extraFields: target.credentials, authorization: issued, into: &buffer)
    }

    /// Queues request body bytes; returns how many bytes wait to be written.
    func queueBody(_ bytes: ByteView, chunked: Bool) -> Int {
        pool.buffers.lend(&outbound)
        UpstreamConnection.writeBody(bytes, chunked: chunked, into: &outbound)
        queueFlush()
        return outbound.readableBytes
    }

    func endRequest(chunked: Bool) {
        if chunked {
            pool.buffers.lend(&outbound)
            HTTP1ChunkWriter.writeLastChunk(into: &outbound)
            queueFlush()
        }
    }

    static func writeBody(_ bytes: ByteView, chunked: Bool, into buffer: inout ByteBuffer) {
        if chunked {
            HTTP1ChunkWriter.writeChunkHeader(size: bytes.count, into: &buffer)
            buffer.write(bytes)
            HTTP1ChunkWriter.writeChunkEnd(into: &buffer)
        } else {
            buffer.write(bytes)
        }
    }

    private func queueFlush() {
        loop.queueFlush(self)
    }

    func flush() {
        writePending()
    }

    private func writePending() {
        guard state == .active || state == .connecting, canWrite else { return }
        let hadBacklog = outbound.readableBytes >= Exchange.requestHighWater
        while !outbound.isEmpty {
            switch writeOutbound() {
            case .count(let n):
                if replayable { keepForReplay(n) }
                requestBytesWritten += n
                outbound.moveReaderIndex(forwardBy: n)
            case .wouldBlock:
                canWrite = false
                return
            case .closed, .failed:
                if replayElsewhere() { return }
                failExchange(status: 502, code: .backendUnavailable, reason: "closed the connection")
                return
            }
        }
        // Written: the buffer goes back to the pool (lent again if more body comes), so a
        // request waiting for its answer holds no buffer on the way out.
        pool.buffers.reclaim(&outbound)
        if hadBacklog, let exchange { exchange.downstream.requestBodyDrained(for: exchange) }
    }

    private func keepForReplay(_ count: Int) {
        guard replay.readableBytes + count <= UpstreamConnection.replayLimit else {
            replayable = false
            forgetReplay()
            return
        }
        let start = outbound.readerIndex
        outbound.withView(start..<(start + count)) { replay.write($0) }
    }

    /// Empties the replay copy; keeps its storage unless a large request made it big.
    private func forgetReplay() {
        if replay.capacity > 4096 { replay = ByteBuffer() } else { replay.clear() }
    }

    /// A reused connection died before any response byte: hand the request to a fresh one.
    /// Returns false when it cannot be replayed (not reused, an answer started, too big).
    private func replayElsewhere() -> Bool {
        guard replayable, !responseByteSeen, let exchange else { return false }
        self.exchange = nil
        var request = ByteBuffer()
        pool.buffers.lend(&request)
        request.write(contentsOf: replay.readableSlice)
        request.write(contentsOf: outbound.readableSlice)  // what was not written yet follows
        forgetReplay()
        outbound.clear()
        close()
        exchange.retry(with: &request)
        pool.buffers.reclaim(&request)  // retry took the bytes
        return true
    }

    // MARK: Events

    func handle(_ events: IOEvents) {
        if state == .connecting {
            guard events.contains(.writable) || events.contains(.hangup) else { return }
            let error = Socket.pendingError(fd)
            guard error == 0 else {
                failExchange(status: 502, code: .backendUnavailable, reason: "refused the connection")
                return
            }
            guard exchange != nil else {
                // Its request was withdrawn while it connected: a fresh connection for the pool.
                state = .idle
                pool.release(self)
                return
            }
            if let context = target.tls {
                do {
                    tls = try TLSConnection(clientContext: context, fd: fd, serverName: target.serverName)
                } catch {
                    failExchange(status: 502, code: .backendUnavailable, reason: "cannot start TLS")
                    return
                }
                state = .handshaking
            } else {
                state = .active
                loop.arm(timer, in: pool.settings.upstreamFirstByteTimeout)
            }
        }
        if state == .handshaking {
            guard let tls else { return }
            switch tls.handshake() {
            case .done:
                canWrite = true
                guard exchange != nil else {
                    state = .idle  // its request was withdrawn meanwhile: a fresh connection for the pool
                    loop.disarm(timer)
                    pool.release(self)
                    return
                }
                state = .active
                loop.arm(timer, in: pool.settings.upstreamFirstByteTimeout)
                writePending()  // the handshake may have ended on a read: the request goes now
            case .wantRead, .wantWrite:
                return
            case .closed, .error:
                failExchange(status: 502, code: .backendUnavailable,
                             reason: "failed the TLS handshake (certificate, host name or protocol; see tls: in the server's settings)")
                return
            }
        }
        if events.contains(.writable) {
            canWrite = true
            writePending()
        }
        if events.contains(.readable) || events.contains(.hangup) {
            canRead = true
            if state == .idle {
                // A backend never speaks first: bytes or EOF on an idle connection end it
                // (TLS 1.3 session tickets are consumed without ending it).
                if tls != nil, idleTLSReadIsQuiet() { return }
                close()
                return
            }
            readAvailable()
        }
    }

    private func readAvailable() {
        while canRead && !readPaused && state == .active {
            if tls == nil, case .length(let remaining) = phase, inbound.isEmpty, !discarding, let exchange,
               let sink = exchange.downstream.responseBodySink(for: exchange) {
                readBodyDirectly(into: sink, remaining: remaining, for: exchange)
                continue
            }
            pool.buffers.lend(&inbound)
            inbound.reserveWritable(4096)
            switch readInbound() {
            case .count:
                responseByteSeen = true
                if replayable { replayable = false; forgetReplay() }
                processInbound()
            case .wouldBlock:
                canRead = false
            case .closed:
                canRead = false
                upstreamClosed()
                return
            case .failed:
                if replayElsewhere() { return }
                failExchange(status: 502, code: .backendUnavailable, reason: "reset the connection")
                return
            }
        }
    }

    /// One read of response bytes, through TLS for an https backend.
    private func readInbound() -> IOResult {
        guard let tls else { return Socket.read(fd, into: &inbound) }
        switch tls.read(into: &inbound) {
        case .bytes(let n): return .count(n)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// One write of request bytes, through TLS for an https backend.
    private func writeOutbound() -> IOResult {
        guard let tls else { return Socket.write(fd, from: outbound) }
        switch tls.write(outbound) {
        case .written(let n): return .count(n)
        case .wantWrite, .wantRead: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// An idle TLS connection became readable: true when it was only TLS housekeeping (a
    /// session ticket), false when the backend sent data or closed.
    private func idleTLSReadIsQuiet() -> Bool {
        guard let tls else { return false }
        pool.buffers.lend(&inbound)
        inbound.reserveWritable(1024)
        let result = tls.read(into: &inbound)
        let quiet: Bool
        if case .wantRead = result { quiet = true } else { quiet = false }
        inbound.clear()
        pool.buffers.reclaim(&inbound)
        return quiet
    }

    /// Reads body bytes of known length straight into the client's buffer: no copy through ours.
    private func readBodyDirectly(into sink: HTTP2ResponseBody, remaining: Int, for exchange: Exchange) {
        switch Socket.read(fd, into: &sink.buffer, max: sink.readLimit(remaining: remaining)) {
        case .count(let n):
            let more = exchange.downstream.responseBodyFilled(n, for: exchange)
            _ = advanceBody(n, of: remaining, clientHasRoom: more)
        case .wouldBlock:
            canRead = false
        case .closed:
            canRead = false
            upstreamClosed()
        case .failed:
            failExchange(status: 502, code: .backendUnavailable, reason: "reset the connection")
        }
    }

    /// `n` of the `remaining` bytes of a body of known length went to the client. Returns true
    /// when they were the last (the response is finished).
    private func advanceBody(_ n: Int, of remaining: Int, clientHasRoom: Bool) -> Bool {
        if !discarding { loop.arm(timer, in: pool.settings.streamIdleTimeout) }
        if n == remaining {
            phase = .done
            finishResponse()
            return true
        }
        phase = .length(remaining - n)
        if !clientHasRoom { readPaused = true }
        return false
    }

    /// Resumes reading once the client has room again.
    func resumeReading() {
        guard readPaused else { return }
        readPaused = false
        processInbound()
        readAvailable()
    }

    // MARK: Response

    private func processInbound() {
        while exchange != nil || discarding, !readPaused {
            switch phase {
            case .head:
                switch parser.parseHead(inbound, into: &head, requestMethod: requestMethod) {
                case .incomplete:
                    if inbound.writableBytes == 0 { inbound.reserveWritable(4096) }
                    return
                case .error:
                    failExchange(status: 502, code: .backendProtocolError, reason: "sent an invalid response")
                    return
                case .complete(let length):
                    inbound.moveReaderIndex(forwardBy: length)
                    if head.status < 200 { continue }  // 100 Continue and friends: skip
                    switch parser.framing {
                    case .none: phase = .done
                    case .length(let n): phase = .length(n)
                    case .chunked: phase = .chunked; chunked.reset()
                    case .untilClose: phase = .untilClose
                    }
                    if let exchange {
                        loop.arm(timer, in: pool.settings.streamIdleTimeout)
                        exchange.responseStarted = true
                        exchange.downstream.responseHead(head, for: exchange)
                    } else if !discardable(phase) {
                        close()
                        return
                    }
                    if case .done = phase { finishResponse(); return }
                }
            case .length(let remaining):
                guard !inbound.isEmpty else { return }
                let take = Swift.min(remaining, inbound.readableBytes)
                let start = inbound.readerIndex
                let more = inbound.withView(start..<(start + take)) { deliver($0) }
                inbound.moveReaderIndex(forwardBy: take)
                if advanceBody(take, of: remaining, clientHasRoom: more) { return }
            case .untilClose:
                guard !inbound.isEmpty else { return }
                let more = inbound.withView(inbound.readerIndex..<inbound.writerIndex) { deliver($0) }
                inbound.clear()
                if !more { readPaused = true }
            case .chunked:
                guard !inbound.isEmpty else { return }
                switch chunked.decode(inbound, from: inbound.readerIndex) {
                case .data(let range):
                    let more = inbound.withView(range) { deliver($0) }
                    inbound.moveReaderIndex(to: range.upperBound)
                    if !discarding { loop.arm(timer, in: pool.settings.streamIdleTimeout) }
                    if !more { readPaused = true }
                case .needMore:
                    inbound.clear()
                    return
                case .end(let next):
                    inbound.moveReaderIndex(to: next)
                    phase = .done
                    finishResponse()
                    return
                case .error:
                    failExchange(status: 502, code: .backendProtocolError, reason: "sent an invalid chunked body")
                    return
                }
            case .done:
                return
            }
            if state == .closed { return }
        }
    }

    /// Hands body bytes to the client, or drops them while discarding (closing the connection
    /// once the response proves longer than the budget). Returns false to pause reading.
    private func deliver(_ bytes: ByteView) -> Bool {
        guard let exchange else {
            discardBudget -= bytes.count
            if discardBudget < 0 {
                close()
                return false
            }
            return true
        }
        return exchange.downstream.responseBody(bytes, for: exchange)
    }

    private func finishResponse() {
        if discarding {
            discarding = false
            let reusable = !head.connectionClose && inbound.isEmpty && outbound.isEmpty
            loop.disarm(timer)
            if reusable { returnToPool() } else { close() }
            return
        }
        guard let exchange else { return }
        self.exchange = nil
        let reusable = !head.connectionClose && inbound.isEmpty && outbound.isEmpty && exchange.requestComplete
        loop.disarm(timer)
        if reusable { returnToPool() } else { close() }
        exchange.upstreamFinished()
        exchange.downstream.responseEnd(for: exchange)
    }

    private func returnToPool() {
        state = .idle
        wasReused = false
        forgetReplay()
        pool.buffers.reclaim(&inbound)
        pool.buffers.reclaim(&outbound)
        pool.release(self)
    }

    private func upstreamClosed() {
        if discarding {
            close()
            return
        }
        if case .untilClose = phase, let exchange {
            self.exchange = nil
            close()
            exchange.upstreamFinished()
            exchange.downstream.responseEnd(for: exchange)
            return
        }
        if replayElsewhere() { return }
        failExchange(status: 502, code: .backendUnavailable,
                     reason: responseByteSeen ? "closed the connection mid-response" : "closed the connection without answering")
    }

    private func timedOut() {
        switch state {
        case .idle:
            close()
        case .connecting:
            failExchange(status: 504, code: .backendTimeout, reason: "did not accept the connection in time")
        case .handshaking:
            failExchange(status: 504, code: .backendTimeout, reason: "did not finish the TLS handshake in time")
        case .active:
            if discarding { close(); return }
            failExchange(status: 504, code: .backendTimeout, reason: "did not answer in time")
        case .closed:
            break
        }
    }

    private func failExchange(status: Int, code: GatewayErrorCode, reason: StaticString) {
        let exchange = self.exchange
        self.exchange = nil
        close()
        exchange?.fail(status: status, code: code, reason: reason)
    }

    /// The client went away (or reset its stream) during the exchange. The connection is kept
    /// when that costs little: a request not yet written leaves it clean (a stream reset in the
    /// same read as its request, as in Rapid Reset), and a request fully written has its
    /// response read and dropped if it is short and quick (`discardLimit`, `discardTimeout`).
    /// Otherwise the backend's state is unknown and the connection closes.
    func abandon(requestComplete: Bool) {
        exchange = nil
        replayable = false
        forgetReplay()
        if state == .connecting || state == .handshaking {
            outbound.clear()
            pool.buffers.reclaim(&outbound)
            return  // joins the pool once connected (see `handle`)
        }
        if state == .active && requestBytesWritten == 0 && !responseByteSeen {
            outbound.clear()
            loop.disarm(timer)
            returnToPool()
            return
        }
        guard state == .active, requestComplete, discardable(phase) else {
            close()
            return
        }
        discarding = true
        discardBudget = UpstreamConnection.discardLimit
        readPaused = false
        loop.arm(timer, in: UpstreamConnection.discardTimeout)
        // Not from here: the client side may be inside a callback of its own (an HTTP/2
        // stream closing), and finishing the response can hand this connection to another
        // waiting request.
        loop.afterThisBatch { [self] in
            guard state == .active && discarding else { return }
            processInbound()
            if state == .active && discarding { readAvailable() }
        }
    }

    /// Whether a response in this phase can be read to its end and dropped cheaply.
    private func discardable(_ phase: ResponsePhase) -> Bool {
        switch phase {
        case .head, .chunked, .done: return true
        case .length(let remaining): return remaining <= UpstreamConnection.discardLimit
        case .untilClose: return false
        }
    }

    func close() {
        guard state != .closed else { return }
        let wasIdle = state == .idle
        state = .closed
        loop.cancel(timer)
        inbound.clear()
        outbound.clear()
        forgetReplay()
        pool.buffers.reclaim(&inbound)
        pool.buffers.reclaim(&outbound)
        loop.close(fd)
        pool.closed(self, wasIdle: wasIdle)
    }
}
