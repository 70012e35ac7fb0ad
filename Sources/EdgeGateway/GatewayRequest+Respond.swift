import EdgeHTTP
import EdgeIO
import MCPGateway
import MCPWire

/// Writing the client's answer: one JSON body, or an SSE stream of messages.
extension GatewayRequest {
    /// A whole `application/json` response (ends the request).
    func respond(status: Int, json: [UInt8], sessionID: [UInt8]? = nil) {
        respond(status: status, length: json.count, sessionID: sessionID) { emit in
            if !json.isEmpty { emit(json[...]) }
        }
    }

    /// A whole `application/json` response whose body is `source` with `edits` applied,
    /// written piece by piece (no copy of the body is made).
    func respond(status: Int, splicing source: ArraySlice<UInt8>, _ edits: SpliceEdits) {
        respond(status: status, length: source.count + edits.growth, sessionID: nil) { emit in
            edits.apply(to: source, emit)
        }
    }

    private func respond(status: Int, length: Int, sessionID: [UInt8]?,
                         body: ((ArraySlice<UInt8>) -> Void) -> Void) {
        var head = Self.jsonHead  // a copy shares the template's storage: nothing is allocated
        head.status = status
        if let sessionID { head.fields.append(name: "mcp-session-id".utf8, value: sessionID) }
        head.contentLength = length
        finishRequest()
        let exchange = self.exchange
        let downstream = exchange.downstream!
        exchange.responseStarted = true
        downstream.responseHead(head, for: exchange)
        body { piece in
            _ = piece.withUnsafeBytes { downstream.responseBody(ByteView(start: $0.baseAddress, count: $0.count), for: exchange) }
        }
        downstream.responseEnd(for: exchange)
    }

    private static let jsonHead: HTTPResponseHead = {
        var head = HTTPResponseHead()
        head.fields.append(name: "content-type".utf8, value: "application/json".utf8)
        return head
    }()

    func respondProblem(_ problem: RequestProblem) {
        respond(status: problem.status,
                json: GatewayMessage.error(id: clientID, code: problem.code, message: problem.message, data: problem.data))
    }

    /// A JSON-RPC error for a request that reached the gateway's MCP layer (HTTP 200).
    func respondError(code: Int, message: String) {
        let error = GatewayMessage.error(id: clientID, code: code, message: message)
        guard !streaming else {
            // The answer is already an SSE stream (progress went out): the error is its last event.
            _ = sendEvent(error[...])
            return endStream()
        }
        respond(status: 200, json: error)
    }

    func respondResult(_ result: JSONObject, sessionID: [UInt8]? = nil) {
        respond(status: 200, json: GatewayMessage.result(id: clientID ?? "null".utf8.map { $0 }[...], result), sessionID: sessionID)
    }

    func respondAccepted() {
        respond(status: 202, json: [])
    }

    /// Starts an SSE response (notifications related to the request, then its answer).
    func startStream() {
        var head = HTTPResponseHead()
        head.status = 200
        head.fields.append(name: "content-type".utf8, value: "text/event-stream".utf8)
        head.fields.append(name: "cache-control".utf8, value: "no-cache".utf8)
        head.fields.append(name: "x-accel-buffering".utf8, value: "no".utf8)
        streaming = true
        exchange.responseStarted = true
        exchange.downstream.responseHead(head, for: exchange)
    }

    /// One SSE event; false when the client is full (the backend is paused until it drains).
    func sendEvent(_ message: ArraySlice<UInt8>) -> Bool {
        var event: [UInt8] = []
        event.reserveCapacity(message.count + 32)
        SSEWriter.writeEvent(data: message, into: &event)
        return event.withUnsafeBytes {
            exchange.downstream.responseBody(ByteView(start: $0.baseAddress, count: $0.count), for: exchange)
        }
    }

    /// Ends an SSE response (ends the request).
    func endStream() {
        finishRequest()
        exchange.downstream.responseEnd(for: exchange)
    }

    /// The request is answered: calls still running finish on their own (their callbacks see a
    /// newer generation and do nothing).
    func finishRequest() {
        isActive = false
        generation &+= 1
        relayed = nil
        if !calls.isEmpty { calls.removeAll(keepingCapacity: true) }
        onTimeout = nil
        context.loop.disarm(timer)
    }
}
