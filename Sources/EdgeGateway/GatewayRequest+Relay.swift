import EdgePolicy
import MCPGateway
import MCPWire

/// Requests that go to one backend: the name or URI picks it, the id and name are rewritten
/// in place, and the backend's messages stream back with the client's id spliced in.
extension GatewayRequest {
    func relayByName(tool: Bool) {
        let what = tool ? "tool" : "prompt"
        guard let range = fields.name, MessageScanner.kind(of: range, in: body[...]) == .string,
              let shown = JSONString.decode(body[range]) else {
            return respondError(code: -32602, message: "Invalid params: params.name must be a string")
        }
        let resolution = tool ? catalog.resolveTool(shown) : catalog.resolvePrompt(shown)
        let kind: ListKind = tool ? .tools : .prompts
        if !isRefreshed, resolution == .unknown || (!catalog.listed.contains(kind) && catalog.codec.looksShortened(shown)) {
            // Shortened names resolve through the lists this worker merged: a worker that has
            // not listed yet (or does not know the name) lists once, then decides.
            isRefreshed = true
            let generation = self.generation
            return refreshList(tool ? .tools : .prompts) { [weak self] in
                guard let self, generation == self.generation else { return }
                self.relayByName(tool: tool)
            }
        }
        switch resolution {
        case .backend(let server, let name):
            guard permits(server, tool ? .tool(name) : .prompt(name), method: tool ? "tools/call" : "prompts/get") else {
                return respondForbidden("\(what) \"\(String(decoding: shown, as: UTF8.self))\"")
            }
            if tool, let limit = access?.rateLimits?.toolLimit(shown),
               let wait = context.limiter.take(RateKey(.tool, shown), limit: limit, now: context.loop.now) {
                return respondError(code: -32004, message: "Rate limit exceeded for tool \"\(String(decoding: shown, as: UTF8.self))\": retry after \(wait) s")
            }
            relay(to: server, rename: (range, name))
        case .unknownServer(let prefix):
            respondError(code: -32602, message: "Unknown \(what) \"\(String(decoding: shown, as: UTF8.self))\": this route has no server \"\(String(decoding: prefix, as: UTF8.self))\"")
        case .unknown:
            respondError(code: -32602, message: "Unknown \(what) \"\(String(decoding: shown, as: UTF8.self))\"")
        }
    }

    func relayByURI() {
        guard let range = fields.uri, MessageScanner.kind(of: range, in: body[...]) == .string,
              let uri = JSONString.decode(body[range]) else {
            return respondError(code: -32602, message: "Invalid params: params.uri must be a string")
        }
        let method = fields.method.map { String(decoding: body[$0].dropFirst().dropLast(), as: UTF8.self) } ?? "resources/read"
        let relayIfPermitted = { [unowned self] (server: Int) in
            guard self.permits(server, .resource(uri), method: method) else {
                return self.respondForbidden("resource \"\(String(decoding: uri, as: UTF8.self))\"")
            }
            self.relay(to: server, rename: nil)
        }
        if let server = catalog.resolveResource(uri) { return relayIfPermitted(server) }
        // Not seen in a list on this worker yet: list once, then decide.
        let generation = self.generation
        refreshResources { [weak self] in
            guard let self else { return }
            guard generation == self.generation else { return }
            if let server = self.catalog.resolveResource(uri) { return relayIfPermitted(server) }
            let code = self.era.isModern ? -32602 : -32002
            self.respondError(code: code, message: "Resource not found: no server of this route lists \(String(decoding: uri, as: UTF8.self))")
        }
    }

    /// `completion/complete`: routed by its `ref` (a prompt name or a resource URI).
    func relayCompletion() {
        guard case .object(let message)? = JSONValue.parse(body[...]), case .object(let params)? = message["params"],
              case .object(var ref)? = params["ref"] else {
            return respondError(code: -32602, message: "Invalid params: params.ref is required")
        }
        if case .string(let name)? = ref["name"] {
            guard case .backend(let server, let original) = catalog.resolvePrompt(name) else {
                return respondError(code: -32602, message: "Unknown prompt \"\(String(decoding: name, as: UTF8.self))\"")
            }
            guard permits(server, .prompt(original), method: "completion/complete") else {
                return respondForbidden("prompt \"\(String(decoding: name, as: UTF8.self))\"")
            }
            ref["name"] = .string(original)
            var params = params
            params["ref"] = .object(ref)
            var rewritten = message
            rewritten["params"] = .object(params)
            var out: [UInt8] = []
            JSONValue.object(rewritten).write(into: &out)
            body = out
            guard case .success(let scanned) = MessageScanner.scan(body[...]) else { return respondError(code: -32603, message: "Internal error") }
            fields = scanned
            return relay(to: server, rename: nil)
        }
        if case .string(let uri)? = ref["uri"], let server = catalog.resolveResource(uri) {
            guard permits(server, .resource(uri), method: "completion/complete") else {
                return respondForbidden("resource \"\(String(decoding: uri, as: UTF8.self))\"")
            }
            return relay(to: server, rename: nil)
        }
        respondError(code: -32602, message: "Invalid params: params.ref names nothing this route serves")
    }

    /// Sends the client's request to `route.backends[server]` with a gateway id (and the
    /// backend's own name for `rename`), retrying once on a fresh backend session after a 404.
    func relay(to server: Int, rename: (range: Range<Int>, name: [UInt8])?, attempt: Int = 0) {
        let backend = route.backends[server]
        if let use = knownUse(for: backend) {
            return relay(to: server, rename: rename, attempt: attempt, use: use)
        }
        let generation = self.generation
        backendUse(for: backend) { [weak self] use in
            guard let self else { return }
            guard generation == self.generation else { return }
            guard let use else {
                if case .stdio = backend.kind, let failure = self.context.stdio(backend).startFailure {
                    return self.respondError(code: failure.code, message: "backend \"\(backend.name)\" \(failure.reason)")
                }
                return self.respondError(code: GatewayCodes.unavailable, message: "backend \"\(backend.name)\" is unavailable")
            }
            self.relay(to: server, rename: rename, attempt: attempt, use: use)
        }
    }

    /// What `backendUse` would give at once, when nothing needs to be waited for (the era is
    /// known, and for a legacy backend the session is at hand); nil: ask `backendUse`.
    private func knownUse(for backend: GatewayBackend) -> BackendSessionUse? {
        switch context.backends[backend.index].era {
        case .unknown:
            return nil
        case .modern:
            return GatewayContext.modernUse
        case .legacy:
            if case .stdio(_, let options) = backend.kind {
                // The worker's shared process, once running (a per-session one is looked up by
                // backendUse).
                guard !options.perSession || era.isModern || session == nil else { return nil }
                let process = context.stdio(backend)
                guard process.isReady else { return nil }
                return BackendSessionUse(sessionID: nil, version: process.version, isModern: false, process: process)
            }
            guard !era.isModern, let session else { return nil }
            if let cached = context.cachedSession(nonce: session.nonce, server: backend.nameBytes) { return cached }
            if let sealed = session.backendSessions.first(where: { $0.server == backend.nameBytes }) {
                return BackendSessionUse(sessionID: sealed.sessionID, version: sealed.protocolVersion, isModern: false)
            }
            return nil
        }
    }

    /// The relay itself, once the backend use is known. The call reports to this request
    /// directly (`relayMessage(from:_:)`, `relayEnded`): no closures per call, and an HTTP
    /// call goes back to the worker's spares when done.
    private func relay(to server: Int, rename: (range: Range<Int>, name: [UInt8])?, attempt: Int, use: BackendSessionUse) {
        let backend = route.backends[server]
        let gatewayID = context.gatewayID()
        let call = context.takeCall(maxResponseBytes: context.settings.maxBackendResponse)
        if !call.relayID.isEmpty { call.relayID.removeAll(keepingCapacity: true) }  // (on [] it would allocate)
        call.relayID.appendDecimal(gatewayID)
        let edits = backendEdits(idToken: call.relayID, rename: rename, use: use, backend: backend)
        call.relayInfo = RelayInfo(generation: generation, server: server, rename: rename, attempt: attempt, use: use,
                                   backend: backend)
        call.relayRequest = self
        if case .http = backend.kind { call.recycleTo = context }
        calls.append(call)
        relayed = (backend, use, gatewayID)
        let method = fields.method.map { body[$0].dropFirst().dropLast() }
        // Mcp-Name mirrors the backend's own params.name, or params.uri for resources/read.
        let headerName = rename?.name ?? (isMethod("resources/read") ? fields.uri.flatMap { JSONString.decode(body[$0]) } : nil)
        call.subjectToken = clientToken
        context.send(call, to: backend, use: use, method: method, name: headerName, id: gatewayID, splicing: body[...], edits)
    }

    /// A message of a relay's call (see `BackendCall.relayRequest`).
    func relayMessage(from call: BackendCall, _ message: ArraySlice<UInt8>) -> Bool {
        guard let info = call.relayInfo, info.generation == generation else { return true }
        if call.status == 404 && !info.use.isModern { return true }  // session gone: retried in relayEnded
        return relayMessage(message, gatewayID: call.relayID, use: info.use, backend: info.backend, scanned: call.scanned)
    }

    /// A relay's call ended: its answer was relayed (the request is done and this does
    /// nothing), or the request is answered with an error, or retried after a 404.
    func relayEnded(_ call: BackendCall, _ outcome: BackendOutcome) {
        guard let info = call.relayInfo, info.generation == generation else { return }
        calls.removeAll { $0 === call }
        relayed = nil
        let status = call.status, backend = info.backend, use = info.use
        if status == 404, !use.isModern, use.sessionID != nil, info.attempt == 0 {
            let generation = info.generation, server = info.server, rename = info.rename
            return reopen(backend) { [weak self] in
                guard let self else { return }
                guard generation == self.generation else { return }
                self.relay(to: server, rename: rename, attempt: 1)
            }
        }
        if case .failed(let code, let reason) = outcome {
            return respondError(code: code, message: "backend \"\(backend.name)\" \(reason)")
        }
        if status == 404, !use.isModern {
            return respondError(code: GatewayCodes.sessionLost, message: "backend \"\(backend.name)\" lost its session and did not accept a new one")
        }
        respondError(code: GatewayCodes.protocolError,
                     message: "backend \"\(backend.name)\" ended its response without answering (HTTP \(status))")
    }

    /// The edits that make the client's body the backend's: the gateway id, the backend's
    /// name, and (for a legacy client on a modern backend) the `_meta` the modern era requires.
    /// Replacements are kept in this request's scratch buffers (reused: apply the edits before
    /// the next request).
    private func backendEdits(idToken: [UInt8], rename: (range: Range<Int>, name: [UInt8])?, use: BackendSessionUse,
                              backend: GatewayBackend) -> SpliceEdits {
        var edits = SpliceEdits()
        if let id = fields.id { edits.add(id, idToken[...]) }
        // A stdio process is shared by the worker's sessions: progress is matched to the call by
        // a token of the gateway's own (the call's id), put back on the way out.
        var isStdio = false
        if case .stdio = backend.kind { isStdio = true }
        let stripMeta = !use.isModern && era.isModern && fields.meta != nil
        if isStdio, !stripMeta, let token = fields.progressToken { edits.add(token, idToken[...]) }
        if let rename {
            if !nameScratch.isEmpty { nameScratch.removeAll(keepingCapacity: true) }
            JSONString.write(rename.name, into: &nameScratch)
            edits.add(rename.range, nameScratch[...])
        }
        if use.isModern, !era.isModern {
            if !metaScratch.isEmpty { metaScratch.removeAll(keepingCapacity: true) }
            if let insertion = metaInsertion(into: &metaScratch) { edits.add(insertion..<insertion, metaScratch[...]) }
        } else if stripMeta, let range = fields.meta,
                  let stripped = Self.legacyMeta(body[range], progressToken: isStdio ? idToken : nil) {
            // A legacy backend refuses the modern envelope: its _meta keys are taken out
            // (progressToken and any other key stay).
            if edits.canAdd(range) { edits.add(range, stripped[...]) }
        }
        return edits
    }

    /// A modern request's `_meta` without the `io.modelcontextprotocol/` envelope keys.
    static func legacyMeta(_ meta: ArraySlice<UInt8>, progressToken: [UInt8]?) -> [UInt8]? {
        guard case .object(var object)? = JSONValue.parse(meta) else { return nil }
        for key in object.keys where key.starts(with: Array("io.modelcontextprotocol/".utf8)) { object.remove(key) }
        if let progressToken, object["progressToken"] != nil { object["progressToken"] = .number(progressToken) }
        return JSONValue.object(object).serialized
    }

    /// Where the modern `_meta` keys go in a legacy client's request, with the text to insert
    /// there appended to `meta` (one allocation at most: its capacity is reserved first).
    private func metaInsertion(into meta: inout [UInt8]) -> Int? {
        func isEmptyObject(_ range: Range<Int>) -> Bool {
            var i = range.lowerBound + 1
            while i < range.upperBound, [0x20, 0x0A, 0x0D, 0x09].contains(body[i]) { i += 1 }
            return i < range.upperBound && body[i] == UInt8(ascii: "}")
        }
        let position: Int
        let opening: StaticString
        var closing: StaticString
        if let existing = fields.meta, MessageScanner.kind(of: existing, in: body[...]) == .object {
            position = existing.lowerBound + 1
            opening = ""
            closing = isEmptyObject(existing) ? "" : ","
        } else if let params = fields.params, MessageScanner.kind(of: params, in: body[...]) == .object {
            position = params.lowerBound + 1
            opening = #""_meta":{"#
            closing = isEmptyObject(params) ? "}" : "},"
        } else if fields.params == nil, let end = body.lastIndex(of: UInt8(ascii: "}")) {
            position = end
            opening = #","params":{"_meta":{"#
            closing = "}}"
        } else {
            return nil
        }
        let capabilities = session?.clientCapabilities ?? []
        let info = session?.clientInfo ?? []
        let level = session.flatMap { context.logLevels[$0.nonce] }
        meta.reserveCapacity(meta.count + 200 + capabilities.count + info.count + (level?.count ?? 0) * 2)
        func append(_ text: StaticString) {
            meta.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        append(opening)
        append(#""io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":"#)
        if capabilities.isEmpty { append("{}") } else { meta.append(contentsOf: capabilities) }
        if !info.isEmpty {
            append(#","io.modelcontextprotocol/clientInfo":"#)
            meta.append(contentsOf: info)
        }
        // A legacy server sends log messages unless told a level; a modern one only to requests
        // that opt in. The bridge opts in at the level the client set, else at "debug".
        append(#","io.modelcontextprotocol/logLevel":"#)
        if let level { JSONString.write(level, into: &meta) } else { append(#""debug""#) }
        append(closing)
        return position
    }

    /// One message from the backend: the answer (id spliced back, request done), a related
    /// notification (streamed when the client accepts SSE), or a server-to-client request.
    func relayMessage(_ message: ArraySlice<UInt8>, gatewayID: [UInt8], use: BackendSessionUse, backend: GatewayBackend,
                      scanned known: MessageFields? = nil) -> Bool {
        guard let scanned = known ?? (try? MessageScanner.scan(message).get()) else {
            return true  // not JSON-RPC: dropped (the request fails if no answer follows)
        }
        switch scanned.kind {
        case .response:
            guard let id = scanned.id, message[id].elementsEqual(gatewayID), let clientID else { return true }
            var edits = SpliceEdits()
            edits.add(id, clientID)
            if era.isModern, !use.isModern, let result = scanned.result,
               MessageScanner.kind(of: result, in: message) == .object,
               !message[result].containsSequence("\"resultType\"") {
                var empty = true
                var i = result.lowerBound + 1
                while i < result.upperBound, [0x20, 0x0A, 0x0D, 0x09].contains(message[i]) { i += 1 }
                if i < result.upperBound, message[i] != UInt8(ascii: "}") { empty = false }
                // A legacy backend's result for a modern client: the fields that era requires
                // (resources/read results also carry cache hints: never cached).
                let fields = isMethod("resources/read") ? #""resultType":"complete","ttlMs":0,"cacheScope":"private""#
                                                        : #""resultType":"complete""#
                edits.add((result.lowerBound + 1)..<(result.lowerBound + 1), Array((empty ? fields : fields + ",").utf8)[...])
            }
            relayed = nil
            if streaming {
                _ = sendEvent(edits.applied(to: message)[...])
                endStream()
            } else {
                respond(status: 200, splicing: message, edits)
            }
            return true
        case .notification:
            guard acceptsEventStream else { return true }
            if !streaming { startStream() }
            if case .stdio = backend.kind, let token = scanned.progressToken, let original = fields.progressToken {
                var edits = SpliceEdits()
                edits.add(token, body[original])
                return sendEvent(edits.applied(to: message)[...])
            }
            return sendEvent(message)
        default:
            return relayServerRequest(message, scanned, backend: backend)
        }
    }

    /// One event of a backend's GET stream: notifications go to the client as they are,
    /// requests with an id of the gateway's own; anything else is dropped.
    func relayStreamMessage(_ message: ArraySlice<UInt8>, backend: GatewayBackend) -> Bool {
        guard case .success(let scanned) = MessageScanner.scan(message) else { return true }
        switch scanned.kind {
        case .notification: return sendEvent(message)
        case .request: return relayServerRequest(message, scanned, backend: backend)
        default: return true
        }
    }

    /// A backend's request to the client (elicitation, sampling, roots, ping) on the stream of
    /// the client's request: it goes to the client with an id of the gateway's own, which
    /// carries (sealed, with a MAC) the backend and the backend's id, so that the client's
    /// answer finds its way back from any worker or instance.
    func relayServerRequest(_ message: ArraySlice<UInt8>, _ scanned: MessageFields, backend: GatewayBackend) -> Bool {
        guard acceptsEventStream, !era.isModern, let id = scanned.id, let session,
              let token = context.encodeCursor(
                MergedCursor(routeTag: Self.sessionTag(session), method: Self.serverRequestTag,
                             pending: [PendingPage(server: backend.nameBytes, cursor: Array(message[id]))])) else {
            return true
        }
        var clientFacing: [UInt8] = []
        JSONString.write(Array("mcp-edge:".utf8) + token, into: &clientFacing)
        var edits = SpliceEdits()
        edits.add(id, clientFacing[...])
        if !streaming { startStream() }
        return sendEvent(edits.applied(to: message)[...])
    }

    static let serverRequestTag: UInt8 = 0xF0

    static func sessionTag(_ session: ClientSessionState) -> UInt32 {
        session.nonce.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The client's answer to a relayed server-to-client request: sent to the backend that
    /// asked, with the backend's own id, on the client's session there. Answered 202.
    func relayClientResponse() {
        guard let session, let range = fields.id, MessageScanner.kind(of: range, in: body[...]) == .string,
              let text = JSONString.decode(body[range]), text.starts(with: Array("mcp-edge:".utf8)),
              let relayed = context.decodeCursor(text.dropFirst(9)),
              relayed.method == Self.serverRequestTag, relayed.routeTag == Self.sessionTag(session),
              let target = relayed.pending.first,
              let server = catalog.serverIndex(target.server) else {
            return respondAccepted()  // not an answer to anything mcp-edge relayed: dropped
        }
        let backend = route.backends[server]
        var edits = SpliceEdits()
        edits.add(range, target.cursor[...])
        let out = edits.applied(to: body[...])
        let generation = self.generation
        backendUse(for: backend) { [weak self] use in
            guard let self else { return }
            guard generation == self.generation else { return }
            if let use {
                let call = BackendCall(maxResponseBytes: 64 * 1024)
                call.onEnd = { _ in }
                call.subjectToken = self.clientToken
                self.context.send(call, to: backend, use: use, method: nil, name: nil, id: nil, body: out)
            }
            self.respondAccepted()
        }
    }
}

/// What a relay's call carries for its request (see `BackendCall.relayInfo`).
struct RelayInfo {
    /// The request's generation when it relayed: a later one ignores the call.
    var generation: Int
    var server: Int
    var rename: (range: Range<Int>, name: [UInt8])?
    var attempt: Int
    var use: BackendSessionUse
    var backend: GatewayBackend
}

extension Array where Element == UInt8 {
    /// Appends the decimal digits of `value` (no allocation beyond the array's growth).
    mutating func appendDecimal(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        Swift.withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            append(contentsOf: raw[(24 - count)...])
        }
    }
}
