import MCPGateway
import MCPWire

/// A backend's answer to one request of the gateway's own.
struct BackendAnswer {
    var status = 0
    var sessionID: [UInt8]?
    var result: JSONObject?
    var error: JSONObject?
    /// Set when no JSON-RPC answer came: mcp-edge's error code and why.
    var failure: (code: Int, reason: String)?
}

/// A backend's answer to a list request (`GatewayContext.askPage`): the message's bytes and
/// where its `result` object is.
struct BackendPage {
    var status = 0
    var sessionID: [UInt8]?
    var message: [UInt8] = []
    var result: Range<Int>?
    /// The answer was a JSON-RPC error.
    var isError = false
    /// Set when no JSON-RPC answer came: mcp-edge's error code and why.
    var failure: (code: Int, reason: String)?
}

/// The gateway's own conversations with backends: probing a backend's era, opening legacy
/// sessions (`initialize` + `notifications/initialized`), and the shared session that modern
/// clients use on a legacy backend.
extension GatewayContext {
    /// `_meta` of the gateway's own modern requests.
    static var modernMeta: JSONObject {
        var meta = JSONObject()
        meta["io.modelcontextprotocol/protocolVersion"] = .string(Array(MCPVersion.latestModern.utf8))
        meta["io.modelcontextprotocol/clientCapabilities"] = .object(JSONObject())
        meta["io.modelcontextprotocol/clientInfo"] = edgeClientInfo
        return meta
    }

    /// `clientInfo` of the gateway's own sessions (the shared ones and stdio processes).
    static var edgeClientInfo: JSONValue {
        var info = JSONObject()
        info["name"] = "mcp-edge"
        info["version"] = .string(Array(EdgeVersion.current.utf8))
        return .object(info)
    }

    static let modernUse = BackendSessionUse(sessionID: nil, version: Array(MCPVersion.latestModern.utf8), isModern: true)

    /// Sends one request of the gateway's own and hands back the JSON-RPC answer.
    @discardableResult
    func ask(_ backend: GatewayBackend, use: BackendSessionUse?, method: String, params: JSONObject,
             notification: Bool = false, subject: [UInt8]? = nil,
             completion: @escaping (BackendAnswer) -> Void) -> BackendCall? {
        let call = BackendCall(maxResponseBytes: settings.maxBackendResponse)
        call.subjectToken = subject
        var answer = BackendAnswer()
        call.onHead = { status, session in
            answer.status = status
            answer.sessionID = session
        }
        call.onMessage = { bytes in
            guard answer.result == nil, answer.error == nil,
                  case .object(let message)? = JSONValue.parse(bytes) else { return true }
            if case .object(let result)? = message["result"] { answer.result = result }
            if case .object(let error)? = message["error"] { answer.error = error }
            return true
        }
        call.onEnd = { outcome in
            if case .failed(let code, let reason) = outcome { answer.failure = (code, reason) }
            completion(answer)
        }
        sendOwn(call, to: backend, use: use, id: notification ? nil : gatewayID(), method: method, params: params)
        return call
    }

    /// Writes a message of the gateway's own (with the modern `_meta` for a modern backend)
    /// and sends it with `call`.
    private func sendOwn(_ call: BackendCall, to backend: GatewayBackend, use: BackendSessionUse?, id: Int?,
                         method: String, params: JSONObject) {
        let body = BackendRequestWriter.message(id: id, method: method, params: params,
                                                modernMeta: use?.isModern == true ? Self.modernMeta : nil)
        send(call, to: backend, use: use, method: Array(method.utf8)[...], name: nil, id: id, body: body)
    }

    /// `ask` for a list page, kept as bytes (`Catalog.RawPage`): merged lists splice the
    /// backends' entries instead of parsing them into trees.
    @discardableResult
    func askPage(_ backend: GatewayBackend, use: BackendSessionUse?, method: String, params: JSONObject,
                 subject: [UInt8]? = nil, completion: @escaping (BackendPage) -> Void) -> BackendCall? {
        let call = BackendCall(maxResponseBytes: settings.maxBackendResponse)
        call.subjectToken = subject
        var page = BackendPage()
        call.onHead = { status, session in
            page.status = status
            page.sessionID = session
        }
        call.onMessage = { bytes in
            guard page.result == nil, !page.isError, case .success(let fields) = MessageScanner.scan(bytes),
                  fields.kind == .response else { return true }
            if let range = fields.result, MessageScanner.kind(of: range, in: bytes) == .object {
                page.message = Array(bytes)
                page.result = (range.lowerBound - bytes.startIndex)..<(range.upperBound - bytes.startIndex)
            } else if let range = fields.error, MessageScanner.kind(of: range, in: bytes) == .object {
                page.isError = true
            }
            return true
        }
        call.onEnd = { outcome in
            if case .failed(let code, let reason) = outcome { page.failure = (code, reason) }
            completion(page)
        }
        sendOwn(call, to: backend, use: use, id: gatewayID(), method: method, params: params)
        return call
    }

    /// Learns whether a backend speaks the modern era (`server/discover` answers) or only the
    /// legacy one, once per worker; `done` runs when the era is known (still `.unknown` if the
    /// backend could not be reached).
    /// `subject`: the client token of the request that asks (the probe carries it to a backend
    /// that takes exchanged tokens).
    func probe(_ backend: GatewayBackend, subject: [UInt8]? = nil, _ done: @escaping (BackendState) -> Void) {
        let state = backends[backend.index]
        guard state.era == .unknown else { return done(state) }
        state.probeWaiters.append(done)
        guard !state.isProbing else { return }
        if case .stdio = backend.kind {
            state.era = .legacy  // stdio servers are spoken to in the legacy era
            wake(state)
            return
        }
        state.isProbing = true
        ask(backend, use: Self.modernUse, method: "server/discover", params: JSONObject(), subject: subject) { [unowned self] answer in
            if let result = answer.result, case .array(let versions)? = result["supportedVersions"],
               versions.contains(where: { $0 == .string(Array(MCPVersion.latestModern.utf8)) }) {
                state.era = .modern
                if case .object(let capabilities)? = result["capabilities"] { state.capabilities = capabilities }
                if case .string(let text)? = result["instructions"] { state.instructions = text }
            } else if answer.failure == nil {
                state.era = .legacy
            }
            state.isProbing = false
            self.wake(state)
        }
    }

    private func wake(_ state: BackendState) {
        let waiters = state.probeWaiters
        state.probeWaiters.removeAll()
        for waiter in waiters { waiter(state) }
    }

    /// Opens a legacy backend session: `initialize` with the client's version, capabilities and
    /// info, then `notifications/initialized`. Nil when the backend did not accept.
    func openSession(_ backend: GatewayBackend, version: [UInt8], capabilities: JSONValue, clientInfo: JSONValue,
                     subject: [UInt8]? = nil, _ done: @escaping (BackendSessionUse?, BackendAnswer) -> Void) {
        var params = JSONObject()
        params["protocolVersion"] = .string(version)
        params["capabilities"] = capabilities
        params["clientInfo"] = clientInfo
        let state = backends[backend.index]
        if case .stdio = backend.kind {
            // The worker's process is initialised once, for every session.
            return stdioUse(backend, session: nil) { done($0, BackendAnswer()) }
        }
        ask(backend, use: nil, method: "initialize", params: params, subject: subject) { [unowned self] answer in
            guard let result = answer.result else { return done(nil, answer) }
            var negotiated = version
            if case .string(let text)? = result["protocolVersion"] { negotiated = text }
            if case .object(let capabilities)? = result["capabilities"] { state.capabilities = capabilities }
            if case .string(let text)? = result["instructions"] { state.instructions = text }
            let use = BackendSessionUse(sessionID: answer.sessionID, version: negotiated, isModern: false)
            self.ask(backend, use: use, method: "notifications/initialized", params: JSONObject(), notification: true,
                     subject: subject) { _ in
                done(use, answer)
            }
        }
    }

    /// The legacy session this worker shares among modern clients on `backend`.
    func sharedSession(_ backend: GatewayBackend, subject: [UInt8]? = nil, _ done: @escaping (BackendSessionUse?) -> Void) {
        if case .stdio = backend.kind { return stdioUse(backend, session: nil, done) }
        let state = backends[backend.index]
        if let shared = state.shared { return done(shared) }
        state.sessionWaiters.append(done)
        guard !state.isOpening else { return }
        state.isOpening = true
        openSession(backend, version: Array(MCPVersion.latestLegacy.utf8), capabilities: .object(JSONObject()),
                    clientInfo: Self.edgeClientInfo, subject: subject) { [unowned self] use, _ in
            state.shared = use
            state.isOpening = false
            let waiters = state.sessionWaiters
            state.sessionWaiters.removeAll()
            for waiter in waiters { waiter(use) }
        }
    }

    /// Ends a legacy backend session (DELETE), without waiting for the answer.
    func endSession(_ backend: GatewayBackend, _ use: BackendSessionUse, subject: [UInt8]? = nil) {
        guard case .http(let target) = backend.kind, use.sessionID != nil else { return }
        let call = BackendCall(maxResponseBytes: 64 * 1024)
        call.onEnd = { _ in }
        call.subjectToken = subject
        if let settings = target.exchange {
            return startExchanged(call, target: target, settings: settings) { buffer, issued in
                BackendRequestWriter.delete(target: target, use: use, issued: issued, into: &buffer)
            }
        }
        call.start(target: target, pool: pool) { buffer in
            BackendRequestWriter.delete(target: target, use: use, issued: self.pool.issuedAuthorization(target), into: &buffer)
        }
    }
}
