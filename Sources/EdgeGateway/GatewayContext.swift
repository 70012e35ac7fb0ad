import EdgePolicy
#if canImport(Glibc)
import Glibc
#endif
import EdgeCrypto
import EdgeIO
import MCPGateway
import MCPWire

/// What one worker knows about a gateway backend: its era (learnt by probing, then
/// remembered), what it offers, and the legacy session it shares among modern clients.
final class BackendState {
    enum Era { case unknown, legacy, modern }

    var era: Era = .unknown
    var capabilities: JSONObject?
    var instructions: [UInt8]?
    /// A legacy backend session used for modern clients (they have no session of their own).
    var shared: BackendSessionUse?
    /// Callers waiting while the era is probed.
    var probeWaiters: [(BackendState) -> Void] = []
    var isProbing = false
    /// Callers waiting while the shared session opens.
    var sessionWaiters: [(BackendSessionUse?) -> Void] = []
    var isOpening = false
}

/// Where a legacy client's request is found for cancellation: its session nonce and a hash of
/// its id token (two plain integers: no allocation per relay). The entry's request is checked
/// against the full id before anything is cancelled.
struct InFlightKey: Hashable {
    let nonce: UInt64
    let id: UInt64

    init<N: Collection, I: Collection>(nonce: N, id: I) where N.Element == UInt8, I.Element == UInt8 {
        self.nonce = nonce.reduce(0) { $0 << 8 | UInt64($1) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        self.id = hash
    }
}

/// A relay a legacy client may cancel (see `GatewayContext.inFlight`).
struct InFlightRelay {
    let backend: GatewayBackend
    let use: BackendSessionUse
    let gatewayID: Int
    weak var request: GatewayRequest?
}

/// How one request reaches a backend: its era, and for a legacy backend the session and the
/// protocol version negotiated with it.
struct BackendSessionUse {
    var sessionID: [UInt8]?
    var version: [UInt8]
    var isModern: Bool
    /// For a stdio backend: the process that serves this use (the worker's, or the session's).
    var process: StdioBackend? = nil
}

/// One worker's gateway state: sealing keys, catalogs per route, what each backend is, and
/// backend sessions opened after a client's `initialize`. Nothing here is shared between
/// workers; a client session's own state travels sealed in its id.
final class GatewayContext {
    let loop: EventLoop
    /// The worker's rate buckets (per-tool limits are taken here).
    var limiter: RateLimiter = LocalRateLimiter()
    /// Tokens exchanged for clients' tokens (nil: no backend exchanges tokens).
    var exchanged: ExchangedTokens?

    let pool: UpstreamPool
    let settings: DataPlaneSettings
    let sealer: SessionSealer
    /// Cursor (and relayed request id) codecs: the first encodes, all decode (rotation).
    let cursorCodecs: [CursorCodec]
    var catalogs: [Catalog]
    let backends: [BackendState]
    /// Legacy backend sessions opened after the client's `initialize` (a backend down then, or
    /// re-opened after a 404), by client session nonce + server name. Bounded.
    private var sessionCache: [[UInt8]: BackendSessionUse] = [:]
    static let sessionCacheLimit = 50_000
    /// Sessions ended with DELETE (nonce → expiry), told to every worker of the process.
    private var revoked: [[UInt8]: UInt32] = [:]
    private var revocations = 0
    /// Deleted sessions remembered per worker (a bound against DELETE floods).
    static let revokedLimit = 200_000
    /// Relayed requests of legacy clients in flight on this worker (session nonce + the client's
    /// id token → where it went), so that `notifications/cancelled` can reach the backend.
    var inFlight: [InFlightKey: InFlightRelay] = [:]

    /// A legacy client cancelled a request: if it runs on this worker, its backend is told (a
    /// legacy backend with `notifications/cancelled` naming its own id; a modern one by closing
    /// the request's stream, which is cancellation in that era).
    func cancelInFlight(_ key: InFlightKey, id: [UInt8], reason: JSONValue?) {
        guard let entry = inFlight[key], entry.request?.clientID?.elementsEqual(id) ?? false else { return }
        inFlight[key] = nil
        if entry.use.isModern {
            entry.request?.stopCalls()
            return
        }
        var params = JSONObject()
        params["requestId"] = .number(Array(String(entry.gatewayID).utf8))
        if let reason { params["reason"] = reason }
        // Made on the context's own (a broadcast): no client's token rides along.
        ask(entry.backend, use: entry.use, method: "notifications/cancelled", params: params, notification: true) { _ in }
    }

    /// Log levels legacy clients set with `logging/setLevel` (nonce → level), stamped into the
    /// `_meta` of their requests to modern backends. Told to every worker, bounded.
    private(set) var logLevels: [[UInt8]: [UInt8]] = [:]
    /// Set by the server: runs a change on every worker's context (this one included), each
    /// on its own loop. Nil in a server of one worker built without it: runs here only.
    var everyWorker: ((@escaping (GatewayContext) -> Void) -> Void)?
    private var nextID: Int = 0
    /// This worker's stdio processes, by backend index (spawned on first use).
    private var stdioBackends: [Int: StdioBackend] = [:]
    /// `per_session` processes, by client session nonce + server name (reaped when idle or
    /// when the session ends).
    private var sessionProcesses: [[UInt8]: StdioBackend] = [:]
    private let stdioKinds: [Int: GatewayBackend]

    init(loop: EventLoop, pool: UpstreamPool, settings: DataPlaneSettings, routes: [GatewayRoute]) {
        self.loop = loop
        self.pool = pool
        self.settings = settings
        let secrets = settings.sessionSecrets.map { Array($0.utf8) }
        sealer = SessionSealer(keys: Self.keys(secrets))
        cursorCodecs = secrets.map { CursorCodec(secret: $0) }
        catalogs = routes.map { $0.makeCatalog() }
        backends = (0..<settings.gatewayBackendCount).map { _ in BackendState() }
        var stdio: [Int: GatewayBackend] = [:]
        for route in routes {
            for backend in route.backends {
                if case .stdio = backend.kind { stdio[backend.index] = backend }
            }
        }
        stdioKinds = stdio
    }

    /// The worker's process for a stdio backend, or, for a `per_session` backend and a legacy
    /// client session, that session's own process on this worker.
    func stdio(_ backend: GatewayBackend, session nonce: [UInt8]? = nil) -> StdioBackend {
        guard case .stdio(let command, let options) = backend.kind else { preconditionFailure("not a stdio backend") }
        if options.perSession, let nonce {
            let key = nonce + backend.nameBytes
            if let existing = sessionProcesses[key] { return existing }
            let created = StdioBackend(backend: backend, command: command, process: options, context: self)
            created.reapWhenIdle(after: settings.stdioSessionIdleTimeout) { [unowned self] in self.sessionProcesses[key] = nil }
            sessionProcesses[key] = created
            return created
        }
        if let existing = stdioBackends[backend.index] { return existing }
        let created = StdioBackend(backend: backend, command: command, process: options, context: self)
        stdioBackends[backend.index] = created
        return created
    }

    /// Ready to use: the process for `backend` (see `stdio(_:session:)`), started if needed.
    func stdioUse(_ backend: GatewayBackend, session nonce: [UInt8]?, _ done: @escaping (BackendSessionUse?) -> Void) {
        let process = stdio(backend, session: nonce)
        process.whenReady { ready in
            done(ready ? BackendSessionUse(sessionID: nil, version: process.version, isModern: false, process: process) : nil)
        }
    }

    /// Sends one message to a backend over its transport: an HTTP POST through the pool, or a
    /// line to the worker's stdio process. `id` is the message's gateway id (nil: notification).
    func send(_ call: BackendCall, to backend: GatewayBackend, use: BackendSessionUse?, method: ArraySlice<UInt8>?,
              name: [UInt8]?, id: Int?, body: [UInt8]) {
        switch backend.kind {
        case .http(let target):
            if let settings = target.exchange {
                return startExchanged(call, target: target, settings: settings) { buffer, issued in
                    BackendRequestWriter.post(target: target, use: use, method: method, name: name, body: body,
                                              issued: issued, into: &buffer)
                }
            }
            call.start(target: target, pool: pool) { buffer in
                BackendRequestWriter.post(target: target, use: use, method: method, name: name, body: body,
                                          issued: self.pool.issuedAuthorization(target), into: &buffer)
            }
        case .stdio:
            let process = use?.process ?? stdio(backend)
            process.whenReady { [settings] ready in
                guard !call.isFinished else { return }
                guard ready else { return call.failed(code: GatewayCodes.unavailable, reason: "could not be started (see the log)") }
                call.startStdio(process, id: id, body: body, timeout: settings.upstreamFirstByteTimeout)
            }
        }
    }

    /// `send` of `source` with `edits` applied: to an HTTP backend the pieces are written
    /// straight into the request (no copy of the body is made).
    func send(_ call: BackendCall, to backend: GatewayBackend, use: BackendSessionUse?, method: ArraySlice<UInt8>?,
              name: [UInt8]?, id: Int?, splicing source: ArraySlice<UInt8>, _ edits: SpliceEdits) {
        guard case .http(let target) = backend.kind else {
            if let id, let process = use?.process, process.isReady {
                call.recycleTo = self
                return call.startStdio(process, id: id, splicing: source, edits, timeout: settings.upstreamFirstByteTimeout)
            }
            return send(call, to: backend, use: use, method: method, name: name, id: id, body: edits.applied(to: source))
        }
        if let settings = target.exchange {
            return startExchanged(call, target: target, settings: settings) { buffer, issued in
                BackendRequestWriter.post(target: target, use: use, method: method, name: name,
                                          bodyLength: source.count + edits.growth, issued: issued, into: &buffer) { buffer in
                    edits.apply(to: source) { buffer.write(contentsOf: $0) }
                }
            }
        }
        call.start(target: target, pool: pool) { buffer in
            BackendRequestWriter.post(target: target, use: use, method: method, name: name,
                                      bodyLength: source.count + edits.growth, issued: self.pool.issuedAuthorization(target),
                                      into: &buffer) { buffer in
                edits.apply(to: source) { buffer.write(contentsOf: $0) }
            }
        }
    }

    /// Starts `call` once the backend's token for the call's client token is known (RFC 8693
    /// exchange, cached per worker); fails it when there is no client token or no exchange.
    func startExchanged(_ call: BackendCall, target: UpstreamTarget, settings: TokenExchangeSettings,
                        write: @escaping (inout ByteBuffer, [UInt8]?) -> Void) {
        guard let exchanged, let subject = call.subjectToken else {
            return call.failed(code: GatewayCodes.unavailable,
                               reason: "takes exchanged tokens and the request carries no bearer token to exchange")
        }
        exchanged.token(for: target, settings: settings, subject: subject, loop: loop) { [pool] bearer in
            guard !call.isFinished else { return }
            guard let bearer else {
                return call.failed(code: GatewayCodes.unavailable, reason: "refused: its token exchange failed (see the log)")
            }
            call.start(target: target, pool: pool) { write(&$0, bearer) }
        }
    }

    /// Drain: every stdio process is shut down (stdin closed, SIGTERM, SIGKILL); `done` after.
    func shutdownProcesses(grace: UInt64, _ done: @escaping () -> Void) {
        let running = Array(stdioBackends.values) + Array(sessionProcesses.values)
        guard !running.isEmpty else { return done() }
        var remaining = running.count
        for process in running {
            process.shutdown(grace: grace) {
                remaining -= 1
                if remaining == 0 { done() }
            }
        }
    }

    /// Sealing keys for the configured secrets: each key id is the first byte of the secret's
    /// SHA-256 (the same on every instance, whatever the order of rotation), moved on to the
    /// next free id in the rare case that two secrets share it.
    static func keys(_ secrets: [[UInt8]]) -> [SessionKey] {
        var used = Set<UInt8>()
        return secrets.map { secret in
            var id = SHA256.hash(secret[...])[0]
            while used.contains(id) { id &+= 1 }
            used.insert(id)
            return SessionKey(id: id, secret: secret)
        }
    }

    func encodeCursor(_ cursor: MergedCursor) -> [UInt8]? {
        try? cursorCodecs.first?.encode(cursor)
    }

    func decodeCursor(_ text: ArraySlice<UInt8>) -> MergedCursor? {
        for codec in cursorCodecs {
            if let cursor = codec.decode(text) { return cursor }
        }
        return nil
    }

    /// Finished relay calls, each with its exchange and buffers, kept for the next relays.
    private var spareCalls: [BackendCall] = []
    static let spareCallLimit = 32

    /// A call for a relay: a spare one made new, else a new one.
    func takeCall(maxResponseBytes: Int) -> BackendCall {
        while let call = spareCalls.popLast() {
            guard call.isReusable else { continue }
            call.reuse(maxResponseBytes: maxResponseBytes)
            return call
        }
        return BackendCall(maxResponseBytes: maxResponseBytes)
    }

    /// A finished call whose end was delivered and whose exchange is idle (`isReusable`).
    func recycle(_ call: BackendCall) {
        if spareCalls.count < Self.spareCallLimit { spareCalls.append(call) }
    }

    /// A fresh id for a gateway request to a backend (never reused within the worker's life).
    func gatewayID() -> Int {
        nextID &+= 1
        return nextID
    }

    var now: UInt32 { UInt32(truncatingIfNeeded: wallClockSeconds()) }

    // MARK: Sessions

    func cachedSession(nonce: [UInt8], server: [UInt8]) -> BackendSessionUse? {
        sessionCache[nonce + server]
    }

    func cacheSession(_ use: BackendSessionUse?, nonce: [UInt8], server: [UInt8]) {
        if use != nil, sessionCache.count >= Self.sessionCacheLimit, let victim = sessionCache.keys.first {
            sessionCache[victim] = nil
        }
        sessionCache[nonce + server] = use
    }

    func isRevoked(_ nonce: [UInt8]) -> Bool { revoked[nonce] != nil }

    /// Applies `change` to every worker's context.
    func broadcast(_ change: @escaping (GatewayContext) -> Void) {
        if let everyWorker { everyWorker(change) } else { change(self) }
    }

    func setLogLevel(_ level: [UInt8], for nonce: [UInt8]) {
        if logLevels.count >= Self.sessionCacheLimit, logLevels[nonce] == nil { logLevels.removeAll() }
        logLevels[nonce] = level
    }

    /// Records that a session ended here (called on every worker by the broadcast).
    func revoke(_ nonce: [UInt8], until expiry: UInt32) {
        // Expired entries are swept every 1024 revocations (not on each: that made every DELETE
        // scan the table); past the cap, the ones that expire first go.
        revocations &+= 1
        if revocations % 1024 == 0 || revoked.count >= Self.revokedLimit {
            let now = self.now
            revoked = revoked.filter { $0.value > now }
            if revoked.count >= Self.revokedLimit {
                let keep = revoked.sorted { $0.value > $1.value }.prefix(Self.revokedLimit / 2)
                revoked = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
        }
        revoked[nonce] = expiry
        for key in sessionCache.keys where key.starts(with: nonce) { sessionCache[key] = nil }
        for (key, process) in sessionProcesses where key.starts(with: nonce) {
            sessionProcesses[key] = nil
            process.shutdown(grace: 1_000) {}
        }
    }
}

/// Seconds since the epoch (session expiry is wall-clock time: ids travel between instances).
func wallClockSeconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return spec.tv_sec
}
