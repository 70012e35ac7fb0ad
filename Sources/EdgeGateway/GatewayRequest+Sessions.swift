import EdgeCrypto
import MCPGateway
import MCPWire

/// Client sessions (legacy `initialize`, DELETE) and which backend session a request uses.
extension GatewayRequest {
    /// The session and version this request uses on `backend` (nil: unreachable). Legacy
    /// clients: the session opened at their `initialize` (sealed in their id), else one opened
    /// since on this worker, else a new one. Modern clients: the worker's shared session.
    func backendUse(for backend: GatewayBackend, _ done: @escaping (BackendSessionUse?) -> Void) {
        let session = self.session
        let isModern = era.isModern
        context.probe(backend, subject: clientToken) { [weak self] state in
            guard let self else { return }
            switch state.era {
            case .unknown:
                done(nil)
            case .modern:
                done(GatewayContext.modernUse)
            case .legacy:
                if case .stdio = backend.kind {
                    return self.context.stdioUse(backend, session: isModern ? nil : session?.nonce, done)
                }
                guard !isModern, let session else { return self.context.sharedSession(backend, subject: self.clientToken, done) }
                if let cached = self.context.cachedSession(nonce: session.nonce, server: backend.nameBytes) {
                    return done(cached)
                }
                if let sealed = session.backendSessions.first(where: { $0.server == backend.nameBytes }) {
                    return done(BackendSessionUse(sessionID: sealed.sessionID, version: sealed.protocolVersion, isModern: false))
                }
                self.openForClient(backend, session: session, done)
            }
        }
    }

    private func openForClient(_ backend: GatewayBackend, session: ClientSessionState,
                               _ done: @escaping (BackendSessionUse?) -> Void) {
        let capabilities = JSONValue.parse(session.clientCapabilities[...]) ?? .object(JSONObject())
        let info = JSONValue.parse(session.clientInfo[...]) ?? .object(JSONObject())
        let context = self.context!
        context.openSession(backend, version: session.protocolVersion, capabilities: capabilities, clientInfo: info, subject: clientToken) { use, _ in
            if let use { context.cacheSession(use, nonce: session.nonce, server: backend.nameBytes) }
            done(use)
        }
    }

    /// A backend answered 404 to a session: open a new one in its place.
    func reopen(_ backend: GatewayBackend, _ done: @escaping () -> Void) {
        if let session, !era.isModern {
            openForClient(backend, session: session) { _ in done() }
        } else {
            context.backends[backend.index].shared = nil
            context.sharedSession(backend, subject: clientToken) { _ in done() }
        }
    }

    /// `initialize` from a legacy client: a session is opened with every backend in parallel
    /// (legacy backends: `initialize`; modern ones need none), the answer merges what they
    /// offer, and the client's session id carries the backend sessions, sealed.
    func initializeSession() {
        var requested: [UInt8]? = nil
        var capabilities: JSONValue = .object(JSONObject())
        var clientInfo: JSONValue = .object(JSONObject())
        if case .object(let message)? = JSONValue.parse(body[...]), case .object(let params)? = message["params"] {
            if case .string(let version)? = params["protocolVersion"] { requested = version }
            if let value = params["capabilities"], case .object = value { capabilities = value }
            if let value = params["clientInfo"], case .object = value { clientInfo = value }
        }
        let version = requested.flatMap { MCPVersion.isLegacy($0) ? $0 : nil } ?? Array(MCPVersion.latestLegacy.utf8)
        var state = ClientSessionState(
            issuedAt: context.now, expiresAt: context.now &+ UInt32(truncatingIfNeeded: context.settings.gatewaySessionLifetime),
            nonce: SecureRandom.bytes(8), protocolVersion: version, principal: identity?.binding ?? [],
            clientCapabilities: Self.bounded(capabilities, 4096), clientInfo: Self.bounded(clientInfo, 1024),
            logLevel: [], backendSessions: [])
        let backends = route.backends
        var opened = [BackendSessionUse?](repeating: nil, count: backends.count)
        var remaining = backends.count
        let generation = self.generation
        let finish: () -> Void = { [weak self] in
            guard let self else { return }
            guard generation == self.generation else { return }
            for (index, use) in opened.enumerated() {
                guard let use, let id = use.sessionID else { continue }
                state.backendSessions.append(BackendSession(server: backends[index].nameBytes, sessionID: id,
                                                            protocolVersion: use.version))
            }
            let result = LocalResults.initialize(requested: version, merged: self.mergedCapabilities(), identity: self.route.identity)
            guard let token = try? self.context.sealer.seal(state, context: self.route.pathBytes[...]) else {
                return self.respondError(code: -32603, message: "Internal error: the session does not fit in a session id")
            }
            self.respondResult(result, sessionID: token)
        }
        for (index, backend) in backends.enumerated() {
            context.probe(backend, subject: clientToken) { [weak self] backendState in
                guard let self else { return }
                guard generation == self.generation else { return }
                guard backendState.era == .legacy else {
                    remaining -= 1
                    if remaining == 0 { finish() }
                    return
                }
                if case .stdio = backend.kind {
                    // The worker's process (or, per_session, this session's own, started now).
                    return self.context.stdioUse(backend, session: state.nonce) { _ in
                        guard generation == self.generation else { return }
                        remaining -= 1
                        if remaining == 0 { finish() }
                    }
                }
                self.context.openSession(backend, version: version, capabilities: capabilities, clientInfo: clientInfo, subject: self.clientToken) { use, _ in
                    guard generation == self.generation else { return }
                    opened[index] = use
                    remaining -= 1
                    if remaining == 0 { finish() }
                }
            }
        }
        armFanOut(generation: generation, finish)
    }

    /// The JSON text of a value, or `{}` when it is longer than `limit` bytes.
    private static func bounded(_ value: JSONValue, _ limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        value.write(into: &out)
        return out.count <= limit ? out : Array("{}".utf8)
    }

    /// What the route's backends offer, from what this worker learnt (route order).
    func mergedCapabilities() -> MergedCapabilities {
        var merged = MergedCapabilities()
        for backend in route.backends {
            let state = context.backends[backend.index]
            guard let capabilities = state.capabilities else { continue }
            merged.add(server: backend.nameBytes, capabilities: capabilities, instructions: state.instructions)
        }
        return merged
    }

    /// `server/discover` from a modern client: the union of what the backends offer (legacy
    /// backends are `initialize`d once by the worker to learn theirs).
    func discover() {
        let backends = route.backends
        var remaining = backends.count
        let generation = self.generation
        let finish: () -> Void = { [weak self] in
            guard let self else { return }
            guard generation == self.generation else { return }
            self.respondResult(LocalResults.discover(merged: self.mergedCapabilities(), identity: self.route.identity))
        }
        let one: () -> Void = {
            remaining -= 1
            if remaining == 0 { finish() }
        }
        for backend in backends {
            context.probe(backend, subject: clientToken) { [weak self] state in
                guard let self else { return }
                guard generation == self.generation else { return }
                if state.era == .legacy, state.capabilities == nil {
                    self.context.sharedSession(backend, subject: self.clientToken) { _ in one() }
                } else {
                    one()
                }
            }
        }
        armFanOut(generation: generation, finish)
    }

    /// Runs `action` if the backends have not all answered within `timeouts.gateway_fanout`.
    func armFanOut(generation: Int, _ action: @escaping () -> Void) {
        guard isActive, generation == self.generation else { return }
        onTimeout = { [weak self] in
            guard let self else { return }
            let running = self.calls
            self.calls.removeAll()
            for call in running { call.cancel() }
            action()
        }
        context.loop.arm(timer, in: context.settings.gatewayFanoutTimeout)
    }

    /// GET opens the client's stream of server-initiated messages: the gateway opens the GET
    /// stream of each of the client's legacy backend sessions and relays their events
    /// (notifications as they are, requests with ids of the gateway's own). 405 when no backend
    /// offers one; the stream ends when the last backend stream ends.
    func handleGet() {
        guard openSession() else { return }
        guard acceptsEventStream else {
            return respondProblem(RequestProblem(status: 406, code: -32600, message: "Not Acceptable: a GET stream needs Accept: text/event-stream"))
        }
        let generation = self.generation
        var unresolved = route.backends.count
        var open = 0
        let settle: () -> Void = { [weak self] in
            guard let self else { return }
            guard generation == self.generation, unresolved == 0, open == 0 else { return }
            if self.streaming {
                self.endStream()
            } else {
                self.respondProblem(RequestProblem(status: 405, code: -32600, message: "Method Not Allowed: no backend of this route offers a stream"))
            }
        }
        for backend in route.backends {
            guard case .http(let target) = backend.kind else {
                unresolved -= 1
                continue
            }
            backendUse(for: backend) { [weak self] use in
                guard let self else { return }
                guard generation == self.generation else { return }
                unresolved -= 1
                guard let use, !use.isModern, use.sessionID != nil else { return settle() }
                let call = BackendCall(maxResponseBytes: self.context.settings.maxBackendResponse)
                open += 1
                self.calls.append(call)
                call.onHead = { [weak self] status, _ in
                    guard let self else { return }
                    guard generation == self.generation, status == 200, !self.streaming else { return }
                    self.startStream()
                }
                call.onMessage = { [weak self] message in
                    guard let self else { return true }
                    guard generation == self.generation, self.streaming else { return true }
                    return self.relayStreamMessage(message, backend: backend)
                }
                call.onEnd = { [weak self] _ in
                    guard let self else { return }
                    guard generation == self.generation else { return }
                    self.calls.removeAll { $0 === call }
                    open -= 1
                    settle()
                }
                call.subjectToken = self.clientToken
                if let settings = target.exchange {
                    return self.context.startExchanged(call, target: target, settings: settings) { buffer, issued in
                        BackendRequestWriter.get(target: target, use: use, issued: issued, into: &buffer)
                    }
                }
                call.start(target: target, pool: self.context.pool) { buffer in
                    BackendRequestWriter.get(target: target, use: use, issued: self.context.pool.issuedAuthorization(target),
                                             into: &buffer)
                }
            }
        }
        settle()
    }

    /// DELETE ends the client's session and its backend sessions.
    func handleDelete() {
        guard openSession(), let session else { return }
        for backend in route.backends {
            if let cached = context.cachedSession(nonce: session.nonce, server: backend.nameBytes) {
                context.endSession(backend, cached, subject: clientToken)
            }
            if let sealed = session.backendSessions.first(where: { $0.server == backend.nameBytes }) {
                context.endSession(backend, BackendSessionUse(sessionID: sealed.sessionID, version: sealed.protocolVersion, isModern: false), subject: clientToken)
            }
        }
        let nonce = session.nonce, expiry = session.expiresAt
        context.broadcast { $0.revoke(nonce, until: expiry) }
        respond(status: 200, json: [])
    }

    /// `logging/setLevel` goes to every legacy backend; the client gets `{}` at once.
    func setLogLevel() {
        guard case .object(let message)? = JSONValue.parse(body[...]), case .object(let params)? = message["params"] else {
            return respondError(code: -32602, message: "Invalid params: params.level is required")
        }
        if let session, case .string(let level)? = params["level"] {
            // Modern backends get the level in each request's _meta.
            let nonce = session.nonce
            context.broadcast { $0.setLogLevel(level, for: nonce) }
        }
        for backend in route.backends {
            backendUse(for: backend) { [context, clientToken] use in
                guard let use, !use.isModern else { return }
                context!.ask(backend, use: use, method: "logging/setLevel", params: params, subject: clientToken) { _ in }
            }
        }
        respondResult(JSONObject())
    }

    /// `notifications/cancelled` from a legacy client: whichever worker relays that request
    /// tells its backend, with the backend's id.
    func forwardCancellation() {
        guard let session, let range = fields.requestID else { return }
        let key = InFlightKey(nonce: session.nonce, id: body[range])
        let id = Array(body[range])
        var reason: JSONValue?
        if case .object(let message)? = JSONValue.parse(body[...]), case .object(let params)? = message["params"] {
            reason = params["reason"]
        }
        context.broadcast { $0.cancelInFlight(key, id: id, reason: reason) }
    }
}
