import EdgePolicy
import EdgeHTTP
import EdgeIO
import MCPGateway
import MCPWire

/// The client-facing side of one request on a gateway route: mcp-edge is the MCP server here.
/// The body is gathered (it is small and bounded), then the request is answered locally
/// (`initialize`, `server/discover`, `ping`, errors), relayed to one backend with its id and
/// name rewritten (`tools/call`, `prompts/get`, `resources/read`, …), or fanned out to every
/// backend and merged (`tools/list`, …). One per `Exchange`, reused from request to request.
final class GatewayRequest {
    unowned(unsafe) let exchange: Exchange
    var isActive = false
    private(set) var route: GatewayRoute!
    private(set) var context: GatewayContext!
    var body: [UInt8] = []
    private var bodyTooLarge = false
    private var httpMethod: HTTPMethod = .post
    /// Request headers the gateway reads (copied: the head is reused by the next request),
    /// into buffers kept from request to request.
    private var sessionHeaderBuffer = HeaderCopy()
    private var methodHeaderBuffer = HeaderCopy()
    private var nameHeaderBuffer = HeaderCopy()
    var sessionHeader: [UInt8]? { sessionHeaderBuffer.value }
    var methodHeader: [UInt8]? { methodHeaderBuffer.value }
    var nameHeader: [UInt8]? { nameHeaderBuffer.value }
    var acceptsEventStream = false
    /// Who sent the request (nil on a route without authentication), and the route's rules.
    var identity: Identity?
    var access: RouteAccess?
    /// The client's bearer token, kept when a backend of the route exchanges tokens (RFC 8693).
    var clientToken: [UInt8]?
    /// A routing header the request carries more than once (refused).
    var duplicatedHeader: String?
    var era: ClientEra = .legacy(version: nil)
    var fields = MessageFields()
    /// Scratch for the replacements of a relayed body (kept from request to request).
    var nameScratch: [UInt8] = []
    var metaScratch: [UInt8] = []
    /// The client's legacy session, opened from its sealed id.
    var session: ClientSessionState?
    /// Backend calls in flight for this request.
    var calls: [BackendCall] = []
    /// The response is an SSE stream whose head has been sent.
    var streaming = false
    lazy var timer = LoopTimer { [weak self] in self?.fanOutTimedOut() }
    /// Runs when the fan-out timer fires (set by the list and initialize paths).
    var onTimeout: (() -> Void)?
    /// Bumped when a request ends: callbacks of calls that outlive it compare and stop.
    var generation = 0
    /// The backend request a relay has in flight (cancelled upstream if the client leaves).
    var relayed: (backend: GatewayBackend, use: BackendSessionUse, gatewayID: Int)? {
        didSet { trackInFlight() }
    }
    /// The catalog was re-listed for this request already (names are re-listed once on a miss).
    var isRefreshed = false
    /// This request's key in the worker's `inFlight` table (legacy clients).
    var inFlightKey: InFlightKey?

    /// Keeps the worker's table of cancellable relays in step with `relayed`.
    private func trackInFlight() {
        if let key = inFlightKey {
            context.inFlight[key] = nil
            inFlightKey = nil
        }
        guard let relayed, !era.isModern, let session, let id = fields.id else { return }
        let key = InFlightKey(nonce: session.nonce, id: body[id])
        context.inFlight[key] = InFlightRelay(backend: relayed.backend, use: relayed.use,
                                              gatewayID: relayed.gatewayID, request: self)
        inFlightKey = key
    }

    init(exchange: Exchange) {
        self.exchange = exchange
    }

    var catalog: Catalog { context.catalogs[route.index] }

    /// The client's id token (byte for byte), or nil for notifications.
    var clientID: ArraySlice<UInt8>? { fields.id.map { body[$0] } }

    func begin(head: inout HTTPRequestHead, route: GatewayRoute, context: GatewayContext) {
        isActive = true
        generation &+= 1
        self.context = context
        relayed = nil
        isRefreshed = false
        self.route = route
        self.context = context
        httpMethod = head.method
        body.removeAll(keepingCapacity: true)
        bodyTooLarge = false
        streaming = false
        session = nil
        fields = MessageFields()
        let headers = head.fields
        // A routing header given twice is refused: a proxy in front that reads another copy
        // must never see a different request than mcp-edge does.
        duplicatedHeader = nil
        var counts = (version: 0, method: 0, name: 0)
        for index in headers.fields.indices {
            if headers.fields[index].known == .mcpProtocolVersion { counts.version += 1 }
            let name = headers.name(at: index)
            if name.count == 10, name.elementsEqual("mcp-method".utf8) { counts.method += 1 }
            if name.count == 8, name.elementsEqual("mcp-name".utf8) { counts.name += 1 }
        }
        if counts.version > 1 { duplicatedHeader = "MCP-Protocol-Version" }
        if counts.method > 1 { duplicatedHeader = "Mcp-Method" }
        if counts.name > 1 { duplicatedHeader = "Mcp-Name" }
        clientToken = nil
        if route.exchangesTokens, let index = headers.firstIndex(name: Array("authorization".utf8)),
           let token = BearerCredential.candidate(in: headers.value(at: index)) {
            clientToken = Array(token)
        }
        sessionHeaderBuffer.set(headers.first(.mcpSessionId))
        methodHeaderBuffer.set(headers.firstIndex(name: "mcp-method").map { headers.value(at: $0) })
        nameHeaderBuffer.set(headers.firstIndex(name: "mcp-name").map { headers.value(at: $0) })
        acceptsEventStream = headers.fields.indices.contains { index in
            headers.fields[index].known == .accept && headers.value(at: index).containsSequence("text/event-stream")
        }
        era = ClientEra.of(protocolVersionHeader: headers.first(.mcpProtocolVersion))
    }

    func body(_ bytes: ByteView) -> Bool {
        guard !bodyTooLarge else { return true }
        if body.count + bytes.count > context.settings.maxBodyBytes {
            bodyTooLarge = true
            body.removeAll()
        } else {
            body.append(bytes)
        }
        return true
    }

    func resume() {
        for call in calls { call.resume() }
    }

    /// The client went away or reset its stream: backend work for it stops.
    func cancel() {
        isActive = false
        generation &+= 1
        stopCalls()
        if let relayed, !relayed.use.isModern {
            // Tell the backend too: closing its connection is not cancellation in the legacy era.
            var params = JSONObject()
            params["requestId"] = .number(Array(String(relayed.gatewayID).utf8))
            params["reason"] = "the client went away"
            context.ask(relayed.backend, use: relayed.use, method: "notifications/cancelled", params: params,
                        notification: true, subject: clientToken) { _ in }
            self.relayed = nil
        }
    }

    func stopCalls() {
        let running = calls
        calls.removeAll()
        for call in running { call.cancel() }
        onTimeout = nil
        context?.loop.disarm(timer)
    }

    private func fanOutTimedOut() {
        let action = onTimeout
        onTimeout = nil
        action?()
    }

    // MARK: Handling

    func end() {
        guard !bodyTooLarge else {
            return respond(status: 413, json: Exchange.bodyTooLarge(limit: context.settings.maxBodyBytes))
        }
        switch httpMethod {
        case .post: break
        case .get, .delete:
            if era.isModern { return respondProblem(RequestProblem(status: 405, code: -32600, message: "GET and DELETE are not part of the 2026-07-28 protocol")) }
            return httpMethod == .get ? handleGet() : handleDelete()
        default:
            return respondProblem(RequestProblem(status: 405, code: -32600, message: "an MCP endpoint takes POST (and GET/DELETE with a session)"))
        }
        if let duplicatedHeader {
            return respondProblem(RequestProblem(status: 400, code: era.isModern ? -32020 : -32600,
                                                 message: "\(duplicatedHeader) header given more than once"))
        }
        if case .unsupported(let version) = era {
            return respondProblem(.unsupportedVersion(version))
        }
        switch MessageScanner.scan(body[...]) {
        case .success(let scanned): fields = scanned
        case .failure(.parseError):
            return respondProblem(RequestProblem(status: 400, code: -32700, message: "Parse error: the body is not valid JSON"))
        case .failure:
            return respondProblem(RequestProblem(status: 400, code: -32600, message: "Invalid Request: not a JSON-RPC 2.0 message"))
        }
        guard fields.kind != .invalid else {
            return respondProblem(RequestProblem(status: 400, code: -32600, message: "Invalid Request: not a JSON-RPC 2.0 message"))
        }
        if case .modern(let version) = era {
            if let problem = ModernRequestCheck.check(body[...], fields, headerVersion: version,
                                                      methodHeader: methodHeader?[...], nameHeader: nameHeader?[...]) {
                return respondProblem(problem)
            }
        } else if !isMethod("initialize") {
            guard openSession() else { return }
        }
        switch fields.kind {
        case .response:
            relayClientResponse()
        case .notification:
            handleNotification()
        default:
            handleRequest()
        }
    }

    /// Opens the sealed `Mcp-Session-Id` of a legacy request; answers 400/404 itself when it cannot.
    func openSession() -> Bool {
        guard let token = sessionHeader else {
            respondProblem(RequestProblem(status: 400, code: -32600, message: "Bad Request: Mcp-Session-Id header is required (send initialize first)"))
            return false
        }
        switch context.sealer.open(token[...], now: context.now, context: route.pathBytes[...]) {
        case .valid(let state) where !context.isRevoked(state.nonce) && state.principal.elementsEqual(identity?.binding ?? []):
            // A session is bound to the identity that created it: another identity (or none)
            // presenting its id is told, like a forger, that it does not exist.
            session = state
            return true
        default:
            respondProblem(RequestProblem(status: 404, code: -32001, message: "Session not found: initialize again"))
            return false
        }
    }

    func isMethod(_ name: StaticString) -> Bool {
        guard let range = fields.method else { return false }
        let token = body[range]
        guard token.count == name.utf8CodeUnitCount + 2 else { return false }
        var i = token.startIndex + 1
        for j in 0..<name.utf8CodeUnitCount {
            if token[i] != name.utf8Start[j] { return false }
            i += 1
        }
        return true
    }

    private func handleNotification() {
        if isMethod("notifications/cancelled") { forwardCancellation() }
        respondAccepted()
    }

    private func handleRequest() {
        if isMethod("ping"), !era.isModern { return respondResult(JSONObject()) }
        if isMethod("initialize"), !era.isModern { return initializeSession() }
        if isMethod("server/discover"), era.isModern { return discover() }
        if let method = fields.method, let kind = ListKind(method: body[method].dropFirst().dropLast()) {
            return list(kind)
        }
        if isMethod("tools/call") { return relayByName(tool: true) }
        if isMethod("prompts/get") { return relayByName(tool: false) }
        if isMethod("resources/read") || isMethod("resources/subscribe") || isMethod("resources/unsubscribe") {
            return relayByURI()
        }
        if isMethod("logging/setLevel"), !era.isModern { return setLogLevel() }
        if isMethod("completion/complete") { return relayCompletion() }
        let status = era.isModern ? 404 : 200
        respondProblem(RequestProblem(status: status, code: -32601, message: "Method not found"))
    }
}

/// A request header's value copied out of the head, into storage kept for the next request.
struct HeaderCopy {
    private var bytes: [UInt8] = []
    private var isSet = false

    var value: [UInt8]? { isSet ? bytes : nil }

    mutating func set(_ value: ArraySlice<UInt8>?) {
        if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }  // (on [] it would allocate)
        isSet = value != nil
        if let value { bytes.append(contentsOf: value) }
    }
}

extension ArraySlice where Element == UInt8 {
    /// Whether the bytes contain `text` (ASCII, case-sensitive).
    func containsSequence(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard self.count >= count else { return false }
        var i = startIndex
        while i + count <= endIndex {
            var j = 0
            while j < count && self[i + j] == text.utf8Start[j] { j += 1 }
            if j == count { return true }
            i += 1
        }
        return false
    }
}
