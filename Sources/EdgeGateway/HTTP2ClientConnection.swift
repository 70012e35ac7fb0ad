import EdgePolicy
import EdgeHTTP
import EdgeIO

/// A client speaking HTTP/2 (TLS with ALPN h2, or h2c with prior knowledge). Each stream is
/// its own exchange; request bodies are acknowledged to the client (WINDOW_UPDATE) only once
/// the upstream has taken them, so a slow backend slows the client instead of filling memory.
final class HTTP2ClientConnection: IOHandler, Flushable, Downstream, HTTP2ServerSessionDelegate, HTTP2OutputSink, DrainableConnection {
    /// Per-stream state, reused through a free list.
    final class Stream {
        let exchange: Exchange
        /// Holds storage only while a response is being sent (lent by the worker's 64 KiB pool).
        /// The upstream pauses at 48 KiB and hands over at most one 16 KiB read at a time, so
        /// the buffer never has to grow.
        let body = HTTP2ResponseBody(capacity: 0, lowWaterMark: 16 * 1024, highWaterMark: 48 * 1024)
        /// Request body bytes received but not yet acknowledged to the client.
        var unacknowledged = 0
        var requestPaused = false
        var requestEnded = false
        /// The upstream is paused because the client does not take this stream's response.
        var responsePaused = false
        /// Loop time of the last DATA frame (the body timer is re-armed from it when it fires,
        /// instead of on every frame).
        var lastData: UInt64 = 0
        /// Unsent response bytes when the write-stall timer was last armed: a client that took
        /// some since is slow, not stalled, and gets another interval.
        var backlogAtPause = 0
        /// While the request body is incomplete: `timeouts.request_body` between DATA frames;
        /// while the response is paused: `timeouts.client_write_stall`.
        let timer = LoopTimer()
        init(exchange: Exchange) { self.exchange = exchange }
    }

    let transport: ClientTransport
    /// The worker outlives its connections (it owns the loop that holds them).
    unowned(unsafe) let worker: Worker
    let clientAddress: [UInt8]
    private var session: HTTP2ServerSession!
    private var inbound: ByteBuffer
    private var outbound = ByteBuffer()
    private var streams = StreamTable<Stream>()
    private var spare: [Stream] = []
    private var canRead = true
    private var canWrite = true
    var flushQueued = false
    private var closed = false
    private let timer = LoopTimer()
    /// Armed while the socket takes no byte (`timeouts.client_write_stall`).
    private let stallTimer = LoopTimer()
    /// How many upstream connections this client holds at once.
    private let share: UpstreamShare
    /// Frames gathered before a write; below the 64 KiB pooled buffer so it never grows.
    static let outboundLimit = 48 * 1024
    /// Room kept in front of response bodies for a DATA frame header (see HTTP2ServerSession.sendData).
    static let frameHeadroom = 16
    /// Chunks at least this big (DATA frames) go to the socket without being copied first.
    static let directWriteThreshold = 4096

    init(transport: ClientTransport, worker: Worker, clientAddress: [UInt8], initialBytes: ByteBuffer?) {
        self.transport = transport
        self.worker = worker
        self.clientAddress = clientAddress
        inbound = initialBytes ?? ByteBuffer()
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = worker.settings.maxConcurrentStreams
        settings.initialWindowSize = worker.settings.http2InitialWindowSize
        settings.connectionWindowSize = Swift.max(settings.connectionWindowSize, 4 * worker.settings.http2InitialWindowSize)
        settings.maxHeaderListSize = worker.settings.http2MaxHeaderListSize
        settings.maxHeaderCount = worker.settings.maxHeaderCount
        settings.maxResetsPerWindow = worker.settings.http2RapidResetLimit
        share = UpstreamShare(limit: worker.settings.maxUpstreamConnectionsPerClient)
        session = HTTP2ServerSession(settings: settings, delegate: self)
        timer.action = { [unowned self] in self.idleTimedOut() }
        stallTimer.action = { [unowned self] in self.writeStalled() }
    }

    private var loop: EventLoop { worker.loop }

    func start() {
        loop.arm(timer, in: worker.settings.idleKeepAliveTimeout)
        consumeInbound()
        readAvailable()
        queueFlush()
    }

    // MARK: Reading

    func handle(_ events: IOEvents) {
        transport.noteEvents(events)
        noteActivity()
        if events.contains(.writable) {
            canWrite = true
            loop.disarm(stallTimer)
            writePending()
        }
        if events.contains(.readable) || events.contains(.hangup) {
            canRead = true
            readAvailable()
        }
    }

    private func readAvailable() {
        while (canRead || transport.hasBufferedBytes) && !closed {
            switch transport.read(into: &inbound, lendingFrom: worker.buffers, room: 8192) {
            case .count:
                consumeInbound()
                if transport.readEmptiedSocket(returning: &inbound, to: worker.buffers) { canRead = false }
            case .wouldBlock:
                canRead = false
            case .closed, .failed:
                canRead = false
                closeNow()
                return
            }
        }
    }

    private func consumeInbound() {
        guard !inbound.isEmpty, !closed else { return }
        do {
            try session.receive(&inbound)
        } catch {
            queueFlush()  // nghttp2 has queued a GOAWAY
            closeAfterFlush = true
        }
        if streams.isEmpty { loop.arm(timer, in: worker.settings.idleKeepAliveTimeout) }
        queueFlush()
    }
    private var closeAfterFlush = false

    // MARK: Session events

    func http2(_ session: HTTP2ServerSession, didReceiveHead head: inout HTTPRequestHead, stream id: Int32, endStream: Bool) {
        let entry: RouteTable.Entry, identity: Identity?
        switch worker.decide(&head, clientAddress: clientAddress, transport: transport) {
        case .serve(let routed, let who): (entry, identity) = (routed, who)
        case .answer(let answer):
            session.submitResponse(stream: id, status: answer.status, contentType: answer.contentType,
                                   headers: answer.headers.map { (Array($0.name.utf8), Array($0.value.utf8)) }, body: answer.body)
            return
        }
        let route = entry.route
        if let length = head.contentLength, length > worker.settings.maxBodyBytes {
            session.submitResponse(stream: id, status: 413, contentType: "application/json",
                                   body: Exchange.bodyTooLarge(limit: worker.settings.maxBodyBytes))
            return
        }
        let stream = spare.popLast() ?? makeStream()
        stream.exchange.reset()
        stream.exchange.streamID = id
        stream.unacknowledged = 0
        stream.requestPaused = false
        stream.requestEnded = endStream
        stream.responsePaused = false
        streams.insert(stream, for: id)
        loop.disarm(timer)
        if !endStream {
            stream.lastData = loop.now
            loop.arm(stream.timer, in: worker.settings.requestBodyTimeout)
        }
        switch route {
        case .passthrough(let target):
            stream.exchange.start(head: &head, chunked: !endStream && head.contentLength == nil, target: target, pool: worker.pool, clientAddress: clientAddress, tls: transport.isTLS)
        case .gateway(let gatewayRoute):
            stream.exchange.startGateway(head: &head, route: gatewayRoute, context: worker.gateway, identity: identity,
                                         access: entry.access)
        }
        if endStream, stream.exchange.isActive { stream.exchange.endRequest() }
    }

    private func makeStream() -> Stream {
        let exchange = Exchange(downstream: self)
        exchange.share = share
        let stream = Stream(exchange: exchange)
        stream.timer.action = { [unowned self, unowned stream] in self.streamTimedOut(stream) }
        return stream
    }

    /// A stream's timer fired: its response waited too long for the client to take a byte
    /// (reset, upstream freed), or its request body stopped arriving (408, or a reset once a
    /// response has started).
    private func streamTimedOut(_ stream: Stream) {
        let id = stream.exchange.streamID
        guard streams[id] === stream else { return }
        if stream.responsePaused {
            let backlog = stream.body.buffer.readableBytes
            if backlog < stream.backlogAtPause {
                stream.backlogAtPause = backlog
                loop.arm(stream.timer, in: worker.settings.clientWriteStallTimeout)
                return
            }
            stream.exchange.abort()
            session.resetStream(id, error: .cancel)
        } else if !stream.requestEnded && !stream.requestPaused && stream.exchange.isActive {
            let quiet = loop.now &- stream.lastData
            if quiet < worker.settings.requestBodyTimeout {
                loop.arm(stream.timer, in: worker.settings.requestBodyTimeout - quiet)
                return
            }
            if stream.exchange.responseStarted {
                stream.exchange.abort()
                session.resetStream(id, error: .cancel)
            } else {
                stream.exchange.reject(status: 408, message: "request body not received in time (timeouts.request_body)")
            }
        }
        queueFlush()
    }

    /// The client does not take this stream's response fast enough: from now on, each
    /// `client_write_stall` interval in which it takes no byte at all resets the stream.
    private func watchStalledResponse(_ stream: Stream) {
        guard !stream.responsePaused else { return }
        stream.responsePaused = true
        stream.backlogAtPause = stream.body.buffer.readableBytes
        loop.arm(stream.timer, in: worker.settings.clientWriteStallTimeout)
    }

    func http2(_ session: HTTP2ServerSession, didReceiveData data: ByteView, stream id: Int32) {
        guard let stream = streams[id], stream.exchange.isActive else {
            session.consumed(stream: id, bytes: data.count)
            return
        }
        if stream.exchange.requestBodyBytes + data.count > worker.settings.maxBodyBytes {
            let started = stream.exchange.responseStarted
            stream.exchange.abort()
            if started {
                session.resetStream(id, error: .cancel)
            } else {
                session.submitResponse(stream: id, status: 413, contentType: "application/json",
                                       body: Exchange.bodyTooLarge(limit: worker.settings.maxBodyBytes))
            }
            session.consumed(stream: id, bytes: data.count)
            queueFlush()
            return
        }
        let more = stream.exchange.sendBody(data)
        if more && !stream.requestPaused {
            session.consumed(stream: id, bytes: data.count)
            stream.lastData = loop.now
        } else {
            stream.unacknowledged += data.count
            stream.requestPaused = true
            if !stream.responsePaused { loop.disarm(stream.timer) }  // waiting on the upstream, not the client
        }
    }

    func http2(_ session: HTTP2ServerSession, didEndStream id: Int32) {
        guard let stream = streams[id] else { return }
        stream.requestEnded = true
        if !stream.responsePaused && stream.timer.isArmed { loop.disarm(stream.timer) }
        guard stream.exchange.isActive else { return }
        stream.exchange.endRequest()
    }

    func http2(_ session: HTTP2ServerSession, didCloseStream id: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(for: id) else { return }
        loop.disarm(stream.timer)
        transport.requestFinished(now: loop.now)
        if stream.exchange.isActive { stream.exchange.abort() }
        stream.exchange.reset()
        stream.body.buffer.clear()
        worker.bodyBuffers.reclaim(&stream.body.buffer)
        stream.body.isComplete = false
        if spare.count < 16 { spare.append(stream) }
        if streams.isEmpty {
            if worker.isDraining { drain() } else { loop.arm(timer, in: worker.settings.idleKeepAliveTimeout) }
        }
    }

    func http2(_ session: HTTP2ServerSession, bodyDrained id: Int32) {
        guard let stream = streams[id] else { return }
        if stream.responsePaused {
            stream.responsePaused = false
            if !stream.requestEnded && !stream.requestPaused {
                stream.lastData = loop.now
                loop.arm(stream.timer, in: worker.settings.requestBodyTimeout)
            } else {
                loop.disarm(stream.timer)
            }
        }
        stream.exchange.resumeResponse()
    }

    // MARK: Downstream

    func responseHead(_ head: HTTPResponseHead, for exchange: Exchange) {
        guard let stream = streams[exchange.streamID] else { return }
        let hasBody = !head.forbidsBody && !exchange.requestWasHead
        session.submitResponse(stream: exchange.streamID, head: head, body: hasBody ? stream.body : nil)
        queueFlush()
    }

    func responseBody(_ bytes: ByteView, for exchange: Exchange) -> Bool {
        guard let stream = streams[exchange.streamID] else { return true }
        worker.bodyBuffers.lend(&stream.body.buffer)
        stream.body.buffer.reserveHeadroom(HTTP2ClientConnection.frameHeadroom)
        stream.body.buffer.write(bytes)
        session.resumeData(stream: exchange.streamID)
        queueFlush()
        if stream.body.isAboveHighWaterMark {
            watchStalledResponse(stream)
            return false
        }
        return true
    }

    func responseBodySink(for exchange: Exchange) -> HTTP2ResponseBody? {
        guard let stream = streams[exchange.streamID] else { return nil }
        worker.bodyBuffers.lend(&stream.body.buffer)
        stream.body.buffer.reserveHeadroom(HTTP2ClientConnection.frameHeadroom)
        stream.body.buffer.reserveWritable(16 * 1024)  // compacts; never grows below the high-water mark
        return stream.body
    }

    func responseBodyFilled(_ count: Int, for exchange: Exchange) -> Bool {
        guard let stream = streams[exchange.streamID] else { return true }
        session.resumeData(stream: exchange.streamID)
        queueFlush()
        if stream.body.isAboveHighWaterMark {
            watchStalledResponse(stream)
            return false
        }
        return true
    }

    func responseEnd(for exchange: Exchange) {
        guard let stream = streams[exchange.streamID] else { return }
        stream.body.isComplete = true
        exchange.target = nil
        session.resumeData(stream: exchange.streamID)
        queueFlush()
        // What is left of the body must still reach the client within client_write_stall
        // (the stream closes, and disarms it, once the last byte is out).
        if !stream.body.buffer.isEmpty { watchStalledResponse(stream) }
    }

    func responseFailed(status: Int, contentType: StaticString, body: [UInt8], for exchange: Exchange) {
        exchange.target = nil
        session.submitResponse(stream: exchange.streamID, status: status, contentType: contentType, body: body)
        queueFlush()
    }

    /// HTTP/2 hands the head to nghttp2 at once; it cannot be taken back.
    func retractResponseHead(for exchange: Exchange) -> Bool { false }

    func responseAborted(for exchange: Exchange) {
        exchange.target = nil
        session.resetStream(exchange.streamID, error: .internalError)
        queueFlush()
    }

    func requestBodyDrained(for exchange: Exchange) {
        guard let stream = streams[exchange.streamID], stream.requestPaused else { return }
        stream.requestPaused = false
        if !stream.requestEnded && !stream.responsePaused {
            stream.lastData = loop.now
            loop.arm(stream.timer, in: worker.settings.requestBodyTimeout)
        }
        if stream.unacknowledged > 0 {
            session.consumed(stream: exchange.streamID, bytes: stream.unacknowledged)
            stream.unacknowledged = 0
            queueFlush()
        }
    }

    // MARK: Writing

    private func queueFlush() {
        loop.queueFlush(self)
    }

    func flush() {
        noteActivity()
        writePending()
    }

    private func writePending() {
        defer { transport.endWriteBatch() }
        guard !closed, canWrite else { return }
        while canWrite && !closed {
            // What is queued leaves first, so a large frame produced next can go out uncopied.
            if !outbound.isEmpty {
                switch writeQueued() {
                case .drained: break
                case .blocked: return
                case .failed:
                    closeNow()
                    return
                }
            }
            do {
                try session.produce(to: self)
            } catch {
                closeAfterFlush = true
            }
            if outbound.isEmpty {
                worker.bodyBuffers.reclaim(&outbound)
                break
            }
        }
        guard !closed, canWrite else { return }
        if closeAfterFlush || (!session.wantsRead && !session.wantsWrite) {
            closeNow()
        }
    }

    private enum QueuedWrite { case drained, blocked, failed }

    /// Writes the gathered frames until they are gone or the socket is full.
    private func writeQueued() -> QueuedWrite {
        while !outbound.isEmpty {
            switch transport.write(outbound) {
            case .count(let n):
                outbound.moveReaderIndex(forwardBy: n)
            case .wouldBlock:
                canWrite = false
                awaitWritable()
                return .blocked
            case .closed, .failed:
                return .failed
            }
        }
        return .drained
    }

    /// Takes one outbound chunk from nghttp2: small frames are gathered into one write; a large
    /// one is written as it is once the frames gathered before it are out. Returns false to
    /// stop producing (the socket is full or the gathered frames reached `outboundLimit`).
    func take(_ chunk: ByteView) -> Bool {
        if chunk.count >= HTTP2ClientConnection.directWriteThreshold {
            switch outbound.isEmpty ? .drained : writeQueued() {
            case .drained:
                switch transport.writeNow(chunk) {
                case .complete:
                    return true
                case .blocked(let written):
                    canWrite = false
                    awaitWritable()
                    worker.bodyBuffers.lend(&outbound)
                    outbound.write(chunk.view(written..<chunk.count))
                    return false
                case .failed:
                    closeAfterFlush = true
                    return false
                }
            case .blocked:
                // nghttp2 has handed the frame over: keep it behind the queued ones.
                outbound.write(chunk)
                return false
            case .failed:
                closeAfterFlush = true
                return false
            }
        }
        worker.bodyBuffers.lend(&outbound)
        outbound.write(chunk)
        return outbound.readableBytes < HTTP2ClientConnection.outboundLimit
    }

    /// The socket is full: a client that takes no byte for `client_write_stall` is cut. Armed
    /// once per blocked spell (a writable event disarms it), so frames queued behind a full
    /// socket do not extend it.
    private func awaitWritable() {
        guard !stallTimer.isArmed else { return }
        loop.arm(stallTimer, in: worker.settings.clientWriteStallTimeout)
    }

    private func writeStalled() {
        guard !canWrite else { return }
        closeNow()
    }

    // MARK: Closing

    /// Called every second. A connection with nothing in flight frees its TLS record buffers;
    /// one that also stayed quiet for a whole interval gives back its frame buffer's pages.
    func releaseIdleMemory() {
        defer { activeSinceSweep = false }
        guard streams.isEmpty && outbound.isEmpty else { return }
        transport.releaseIdleTLSBuffers()
        if !activeSinceSweep && !pagesReleased {
            session.releaseIdlePages()
            pagesReleased = true
        }
    }

    /// Set by every event and flush; cleared by the once-a-second sweep.
    private var activeSinceSweep = true
    /// Whether the frame buffer's pages were given back since the connection last did anything.
    private var pagesReleased = false

    @inline(__always)
    private func noteActivity() {
        activeSinceSweep = true
        pagesReleased = false
    }

    func drain() {
        session.shutdownGracefully()
        queueFlush()
    }

    private func idleTimedOut() {
        guard streams.isEmpty else { return }
        closeAfterFlush = true
        session.goAway(error: .noError)
        queueFlush()
    }

    private func closeNow() {
        guard !closed else { return }
        closed = true
        inbound.clear()
        outbound.clear()
        worker.buffers.reclaim(&inbound)
        worker.bodyBuffers.reclaim(&outbound)
        share.clear()  // nothing waiting may start now
        for stream in streams.allValues {
            loop.cancel(stream.timer)
            if stream.exchange.isActive { stream.exchange.abort() }
        }
        streams.removeAll()
        for stream in spare { loop.cancel(stream.timer) }
        loop.cancel(timer)
        loop.cancel(stallTimer)
        transport.shutdown()
        loop.close(transport.fd)
        worker.connectionClosed(self)
    }
}
