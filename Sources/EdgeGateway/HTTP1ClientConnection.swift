import EdgePolicy
import EdgeHTTP
import EdgeIO

/// A client speaking HTTP/1.1 (over TLS or plain TCP). One request at a time: a pipelined
/// request waits in the read buffer until the previous response is written.
final class HTTP1ClientConnection: IOHandler, Flushable, Downstream, DrainableConnection {
    private enum State { case head, body, awaitingResponse, closing, closed }
    private enum RequestBody { case none, length(Int), chunked }

    let transport: ClientTransport
    /// The worker outlives its connections (it owns the loop that holds them).
    unowned(unsafe) let worker: Worker
    let clientAddress: [UInt8]
    private var state: State = .head
    private var requestBody: RequestBody = .none
    private var inbound: ByteBuffer
    private var outbound = ByteBuffer()
    private var parser: HTTP1RequestParser
    private var chunked: ChunkedDecoder
    private var head = HTTPRequestHead()
    private let exchange = Exchange()
    private var canRead = true
    private var canWrite = true
    private var readPaused = false
    var flushQueued = false
    /// Whether the response being written is chunked on the wire.
    private var responseChunked = false
    private var keepAlive = true
    private var responseInProgress = false
    /// The request head timeout, the idle keep-alive timeout, and between body reads the
    /// request body timeout (which one by `state`).
    private let timer = LoopTimer()
    /// Armed while a response waits for a client that takes no byte (`client_write_stall`).
    private let stallTimer = LoopTimer()
    /// Bytes written to the client so far, and the count at which the current response head
    /// starts: while no byte of the head has left, a failing upstream can still be answered
    /// 502 in its place (`retractResponseHead`).
    private var bytesWritten = 0
    private var responseHeadStart = Int.max
    static let responseHighWater = 256 * 1024
    /// Unsent response bytes above which no further pipelined request is started (and reading
    /// stops): a client that sends without reading cannot make mcp-edge buffer its answers.
    static let pipelineHighWater = 64 * 1024

    init(transport: ClientTransport, worker: Worker, clientAddress: [UInt8], initialBytes: ByteBuffer?) {
        self.transport = transport
        self.worker = worker
        self.clientAddress = clientAddress
        let limits = HTTP1Limits(maxHeadBytes: worker.settings.maxHeadBytes, maxHeaderCount: worker.settings.maxHeaderCount)
        parser = HTTP1RequestParser(limits: limits)
        chunked = ChunkedDecoder(limits: limits, maxBodyBytes: worker.settings.maxBodyBytes)
        inbound = initialBytes ?? ByteBuffer()
        timer.action = { [unowned self] in self.timedOut() }
        stallTimer.action = { [unowned self] in self.writeStalled() }
        exchange.downstream = self
    }

    private var loop: EventLoop { worker.loop }

    /// Takes over the descriptor and handles what is already buffered.
    func start() {
        worker.loop.arm(timer, in: worker.settings.requestHeadTimeout)
        process()
        readAvailable()
    }

    // MARK: Events

    func handle(_ events: IOEvents) {
        transport.noteEvents(events)
        if events.contains(.writable) {
            canWrite = true
            writePending()
        }
        if events.contains(.readable) || events.contains(.hangup) {
            canRead = true
            readAvailable()
        }
    }

    private func readAvailable() {
        while (canRead || transport.hasBufferedBytes) && !readPaused && state != .closed && state != .closing {
            if state == .awaitingResponse && inbound.readableBytes >= 64 * 1024 { return }
            if isHoldingPipeline { return }
            switch transport.read(into: &inbound, lendingFrom: worker.buffers, room: 4096) {
            case .count:
                process()
                if transport.readEmptiedSocket(returning: &inbound, to: worker.buffers) { canRead = false }
            case .wouldBlock:
                canRead = false
            case .closed, .failed:
                canRead = false
                clientGone()
                return
            }
        }
    }

    /// Between requests with nothing buffered either way.
    private var isQuiet: Bool {
        state == .head && !responseInProgress && inbound.isEmpty && outbound.isEmpty
    }

    func releaseIdleMemory() {
        if isQuiet { transport.releaseIdleTLSBuffers() }
    }

    // MARK: Requests

    /// Between requests while earlier answers wait to be written (see `pipelineHighWater`).
    private var isHoldingPipeline: Bool {
        state == .head && outbound.readableBytes >= HTTP1ClientConnection.pipelineHighWater
    }

    private func process() {
        while (state == .head && !isHoldingPipeline) || state == .body {
            if state == .head {
                guard !inbound.isEmpty else { return }
                switch parser.parseHead(inbound, into: &head) {
                case .incomplete:
                    return
                case .error(let error):
                    respondAndClose(status: error.status, message: "\(error.reason)")
                    return
                case .complete(let length):
                    inbound.moveReaderIndex(forwardBy: length)
                    beginRequest()
                }
            } else {
                guard forwardBody() else {
                    // Waiting for more of the body from the client (not for the upstream):
                    // timeouts.request_body runs from this read.
                    if state == .body && !readPaused { loop.arm(timer, in: worker.settings.requestBodyTimeout) }
                    return
                }
            }
        }
    }

    private func beginRequest() {
        loop.disarm(timer)
        keepAlive = !head.connectionClose
        switch parser.framing {
        case .length(let n): requestBody = .length(n)
        case .chunked: requestBody = .chunked; chunked.reset()
        default: requestBody = .none
        }
        let entry: RouteTable.Entry, identity: Identity?
        switch worker.decide(&head, clientAddress: clientAddress, transport: transport) {
        case .serve(let routed, let who): (entry, identity) = (routed, who)
        case .answer(let answer): return respondLocally(answer)
        }
        let route = entry.route
        if let length = head.contentLength, length > worker.settings.maxBodyBytes {
            rejectOversizedBody()
            return
        }
        if parser.expectContinue {
            worker.buffers.lend(&outbound)
            HTTP1ResponseSerializer.writeContinue(into: &outbound)
            queueFlush()
        }
        exchange.reset()
        responseInProgress = true
        state = .body
        switch route {
        case .passthrough(let target):
            exchange.start(head: &head, chunked: head.isChunked, target: target, pool: worker.pool, clientAddress: clientAddress, tls: transport.isTLS)
        case .gateway(let gatewayRoute):
            exchange.startGateway(head: &head, route: gatewayRoute, context: worker.gateway, identity: identity,
                                  access: entry.access)
        }
        if case .none = requestBody, exchange.isActive {
            finishRequestBody()
        }
    }

    /// Forwards buffered body bytes. Returns false when it must wait (more bytes or backpressure).
    private func forwardBody() -> Bool {
        switch requestBody {
        case .none:
            finishRequestBody()
            return true
        case .length(let remaining):
            guard !inbound.isEmpty else { return false }
            let take = Swift.min(remaining, inbound.readableBytes)
            let start = inbound.readerIndex
            let more = inbound.withView(start..<(start + take)) { exchange.sendBody($0) }
            inbound.moveReaderIndex(forwardBy: take)
            if take == remaining {
                requestBody = .none
                finishRequestBody()
                return true
            }
            requestBody = .length(remaining - take)
            if !more { pauseRequestBody() }
            return false
        case .chunked:
            guard !inbound.isEmpty else { return false }
            switch chunked.decode(inbound, from: inbound.readerIndex) {
            case .data(let range):
                if exchange.requestBodyBytes + range.count > worker.settings.maxBodyBytes {
                    exchange.abort()
                    rejectOversizedBody()
                    return false
                }
                let more = inbound.withView(range) { exchange.sendBody($0) }
                inbound.moveReaderIndex(to: range.upperBound)
                if !more { pauseRequestBody(); return false }
                return true
            case .needMore:
                inbound.clear()
                return false
            case .end(let next):
                inbound.moveReaderIndex(to: next)
                requestBody = .none
                finishRequestBody()
                return true
            case .error(.bodyTooLarge):
                exchange.abort()
                rejectOversizedBody()
                return false
            case .error(let error):
                exchange.abort()
                respondAndClose(status: error.status, message: "\(error.reason)")
                return false
            }
        }
    }

    private func finishRequestBody() {
        if state == .body {
            state = .awaitingResponse
            if timer.isArmed { loop.disarm(timer) }
        }
        if exchange.isActive { exchange.endRequest() }
    }

    /// The upstream side is full: stop reading the body (the client is not at fault, so the
    /// body timeout waits too).
    private func pauseRequestBody() {
        readPaused = true
        loop.disarm(timer)
    }

    func requestBodyDrained(for exchange: Exchange) {
        guard readPaused else { return }
        readPaused = false
        process()
        readAvailable()
    }

    // MARK: Responses

    func responseHead(_ response: HTTPResponseHead, for exchange: Exchange) {
        worker.buffers.lend(&outbound)
        responseHeadStart = bytesWritten + outbound.readableBytes
        let bodyLength: Int?
        if response.forbidsBody || exchange.requestWasHead {
            bodyLength = response.contentLength
            responseChunked = false
        } else if let length = response.contentLength, !response.isChunked {
            bodyLength = length
            responseChunked = false
        } else {
            bodyLength = nil
            // HTTP/1.0 clients get a body delimited by closing the connection.
            responseChunked = head.versionMinor >= 1
            if !responseChunked { keepAlive = false }
        }
        HTTP1ResponseSerializer.writeHead(status: response.status, fields: response.fields, bodyLength: bodyLength,
                                          keepAlive: keepAlive, clientVersionMinor: head.versionMinor, into: &outbound)
        queueFlush()
    }

    func responseBody(_ bytes: ByteView, for exchange: Exchange) -> Bool {
        worker.buffers.lend(&outbound)
        if responseChunked {
            HTTP1ChunkWriter.writeChunkHeader(size: bytes.count, into: &outbound)
            outbound.write(bytes)
            HTTP1ChunkWriter.writeChunkEnd(into: &outbound)
        } else if outbound.isEmpty && canWrite {
            // Nothing queued before it: write straight from the upstream's buffer, keep the rest.
            switch transport.writeNow(bytes) {
            case .complete:
                bytesWritten &+= bytes.count
            case .blocked(let written):
                bytesWritten &+= written
                canWrite = false
                outbound.write(bytes.view(written..<bytes.count))
                awaitWritable(progressed: written > 0)
            case .failed:
                break  // the flush after this batch finds the connection gone
            }
        } else {
            outbound.write(bytes)
        }
        queueFlush()
        return outbound.readableBytes < HTTP1ClientConnection.responseHighWater
    }

    /// HTTP/1.1 writes bodies straight from the upstream's buffer instead (see `responseBody`).
    func responseBodySink(for exchange: Exchange) -> HTTP2ResponseBody? { nil }

    func responseBodyFilled(_ count: Int, for exchange: Exchange) -> Bool { true }

    func responseEnd(for exchange: Exchange) {
        worker.buffers.lend(&outbound)
        if responseChunked { HTTP1ChunkWriter.writeLastChunk(into: &outbound) }
        completeResponse()
    }

    func responseFailed(status: Int, contentType: StaticString, body: [UInt8], for exchange: Exchange) {
        worker.buffers.lend(&outbound)
        if state == .body { keepAlive = false }  // the rest of the body cannot be skipped safely
        HTTP1ErrorResponse.write(status: status, contentType: contentType, body: body,
                                                    close: !keepAlive, into: &outbound)
        completeResponse()
    }

    func retractResponseHead(for exchange: Exchange) -> Bool {
        guard bytesWritten <= responseHeadStart, responseHeadStart - bytesWritten <= outbound.readableBytes else {
            return false
        }
        outbound.truncateReadable(to: responseHeadStart - bytesWritten)
        responseHeadStart = .max
        responseChunked = false
        return true
    }

    func responseAborted(for exchange: Exchange) {
        // Headers are out; the only honest signal left is to cut the connection.
        state = .closing
        closeNow()
    }

    private func completeResponse() {
        // Answered before its body was all here: the rest cannot be told from a next request.
        if state == .body { keepAlive = false }
        responseInProgress = false
        transport.requestFinished(now: loop.now)
        if worker.isDraining { keepAlive = false }
        exchange.reset()
        queueFlush()
        if !keepAlive {
            state = .closing
            return
        }
        state = .head
        requestBody = .none
        readPaused = false
        loop.arm(timer, in: worker.settings.idleKeepAliveTimeout)
        process()
        if state == .head || state == .body { readAvailable() }
    }

    /// Outbound bytes drained below the pipelining mark: the requests held back may start.
    private func resumePipeline() {
        guard state == .head, !readPaused else { return }
        process()
        if state == .head || state == .body { readAvailable() }
    }

    /// An answer of mcp-edge's own with header fields (401, 403, metadata documents).
    private func respondLocally(_ answer: LocalAnswer) {
        worker.buffers.lend(&outbound)
        state = .awaitingResponse
        if case .none = requestBody {} else { keepAlive = false }
        HTTP1ErrorResponse.write(status: answer.status, contentType: answer.contentType,
                                 headers: answer.headers.map { (Array($0.name.utf8), Array($0.value.utf8)) },
                                 body: answer.body, close: !keepAlive, into: &outbound)
        completeResponse()
    }

    /// 413 before or while forwarding; the rest of the body is not read, so the connection closes.
    private func rejectOversizedBody() {
        worker.buffers.lend(&outbound)
        HTTP1ErrorResponse.write(status: 413, contentType: "application/json",
                                 body: Exchange.bodyTooLarge(limit: worker.settings.maxBodyBytes), close: true, into: &outbound)
        keepAlive = false
        responseInProgress = false
        state = .closing
        queueFlush()
    }

    private func respondAndClose(status: Int, message: String) {
        worker.buffers.lend(&outbound)
        var body = Array(message.utf8)
        body.append(0x0A)
        HTTP1ErrorResponse.write(status: status, contentType: "text/plain", body: body,
                                                    close: true, into: &outbound)
        keepAlive = false
        state = .closing
        queueFlush()
    }

    // MARK: Writing

    private func queueFlush() {
        loop.queueFlush(self)
    }

    func flush() {
        writePending()
    }

    private func writePending() {
        defer { transport.endWriteBatch() }
        guard state != .closed, canWrite else { return }
        let wasFull = outbound.readableBytes >= HTTP1ClientConnection.responseHighWater
        let wasHolding = isHoldingPipeline
        let writtenBefore = bytesWritten
        while !outbound.isEmpty {
            switch transport.write(outbound) {
            case .count(let n):
                outbound.moveReaderIndex(forwardBy: n)
                bytesWritten &+= n
            case .wouldBlock:
                canWrite = false
                awaitWritable(progressed: bytesWritten != writtenBefore)
                return
            case .closed, .failed:
                clientGone()
                return
            }
        }
        worker.buffers.reclaim(&outbound)
        loop.disarm(stallTimer)
        if state == .closing {
            closeNow()
            return
        }
        if wasFull && exchange.isActive { exchange.resumeResponse() }
        if wasHolding { resumePipeline() }
    }

    /// The socket is full: if the client takes no byte for `client_write_stall`, it is cut.
    /// Started afresh only when bytes left since it was armed, so it measures time without
    /// progress (more answers queued behind a full socket do not extend it).
    private func awaitWritable(progressed: Bool) {
        guard progressed || !stallTimer.isArmed else { return }
        loop.arm(stallTimer, in: worker.settings.clientWriteStallTimeout)
    }

    private func writeStalled() {
        guard !canWrite, state != .closed else { return }
        closeNow()
    }

    // MARK: Closing

    private func timedOut() {
        if state == .head && !responseInProgress {
            if inbound.isEmpty {
                closeNow()
            } else {
                respondAndClose(status: 408, message: "request head not received in time")
            }
        } else if state == .body && !readPaused {
            // The body stopped arriving (timeouts.request_body).
            if exchange.responseStarted {
                closeNow()
            } else {
                keepAlive = false
                exchange.reject(status: 408, message: "request body not received in time (timeouts.request_body)")
            }
        }
    }

    func drain() {
        keepAlive = false
        if state == .head && inbound.isEmpty && !responseInProgress && outbound.isEmpty { closeNow() }
    }

    private func clientGone() {
        if exchange.isActive { exchange.abort() }
        closeNow()
    }

    private func closeNow() {
        guard state != .closed else { return }
        if exchange.isActive { exchange.abort() }
        state = .closed
        loop.cancel(timer)
        loop.cancel(stallTimer)
        inbound.clear()
        outbound.clear()
        worker.buffers.reclaim(&inbound)
        worker.buffers.reclaim(&outbound)
        transport.shutdown()
        loop.close(transport.fd)
        worker.connectionClosed(self)
    }
}
