#if canImport(Glibc)
import Glibc
#endif
import EdgeConfig
import EdgeIO
import MCPGateway
import MCPWire

/// One worker's process of a stdio backend, shared by every client session on the worker: it
/// is spawned on first use, initialised once (legacy era), and carries requests with gateway
/// ids, so answers find their call by id and progress notifications by a token rewritten to
/// that id. stderr goes to mcp-edge's log under the server's name, never parsed. A process
/// that exits fails its calls and is started again after an exponential backoff.
final class StdioBackend: StdioChannelDelegate {
    enum State { case stopped, starting, ready, waitingToRestart, shuttingDown }

    let backend: GatewayBackend
    private let command: [String]
    private let process: EdgeConfiguration.ProcessOptions
    unowned(unsafe) let context: GatewayContext
    private(set) var state: State = .stopped
    private var channel: StdioChannel?
    /// The version the process accepted at `initialize`.
    private(set) var version: [UInt8] = Array(MCPVersion.latestLegacy.utf8)
    /// Calls waiting for an answer, by gateway id.
    private var pending: [Int: BackendCall] = [:]
    /// The line being handled (see `stdioChannel(_:didReadLine:)`).
    private var lineBuffer: [UInt8] = []
    /// The gateway id of the `initialize` in flight.
    private var initializeID = 0
    private var readyWaiters: [(Bool) -> Void] = []
    /// Why the last start failed (for the error the waiting requests get), until one succeeds.
    private(set) var startFailure: (code: Int, reason: String)?
    private var backoff = RestartBackoff()
    private lazy var restartTimer = LoopTimer { [unowned self] in self.restartNow() }
    /// Bounds the start: a process that has not answered `initialize` within
    /// `timeouts.upstream_first_byte` is killed (and started again after its backoff).
    private lazy var startTimer = LoopTimer { [unowned self] in self.startTimedOut() }
    private var onStopped: (() -> Void)?
    /// `per_session` processes end after this long without a request (then `onReaped` runs).
    private var idleTimeout: UInt64 = 0
    private var onReaped: (() -> Void)?
    private lazy var idleTimer = LoopTimer { [unowned self] in self.idleTimedOut() }

    /// Makes this a session's process: shut down after `timeout` ms without a request.
    func reapWhenIdle(after timeout: UInt64, _ reaped: @escaping () -> Void) {
        idleTimeout = timeout
        onReaped = reaped
    }

    private func idleTimedOut() {
        guard pending.isEmpty else { return context.loop.arm(idleTimer, in: idleTimeout) }
        let reaped = onReaped
        onReaped = nil
        shutdown(grace: 1_000) {}
        reaped?()
    }

    init(backend: GatewayBackend, command: [String], process: EdgeConfiguration.ProcessOptions, context: GatewayContext) {
        self.backend = backend
        self.command = command
        self.process = process
        self.context = context
    }

    /// Runs `done(true)` once the process is up and initialised (`false`: it cannot be started
    /// now, or is waiting out its backoff).
    func whenReady(_ done: @escaping (Bool) -> Void) {
        switch state {
        case .ready: done(true)
        case .starting: readyWaiters.append(done)
        case .stopped: readyWaiters.append(done); start()
        case .waitingToRestart, .shuttingDown: done(false)
        }
    }

    private func start() {
        state = .starting
        var environment: [String: String] = [:]
        for variable in process.environment { environment[variable.name] = variable.value }
        let child = ChildCommand(command, environment: environment, workingDirectory: process.workingDirectory)
        do {
            channel = try StdioChannel.spawn(child, on: context.loop, delegate: self)
        } catch {
            EdgeLog.write("server \(backend.name): \(error)")
            stopped(restart: true)
            return
        }
        if idleTimeout > 0 { context.loop.arm(idleTimer, in: idleTimeout) }
        context.loop.arm(startTimer, in: context.settings.upstreamFirstByteTimeout)
        initializeID = context.gatewayID()
        var params = JSONObject()
        params["protocolVersion"] = .string(Array(MCPVersion.latestLegacy.utf8))
        params["capabilities"] = .object(JSONObject())
        params["clientInfo"] = GatewayContext.edgeClientInfo
        writeLine(BackendRequestWriter.message(id: initializeID, method: "initialize", params: params, modernMeta: nil))
    }

    /// Sends a request (or notification, `id` nil) whose answer goes to `call`.
    func send(_ call: BackendCall?, id: Int?, body: [UInt8]) {
        guard state == .ready, let channel, !channel.isClosed else {
            call?.failed(code: GatewayCodes.unavailable, reason: "is not running")
            return
        }
        if let id, let call { pending[id] = call }
        if idleTimeout > 0 { context.loop.arm(idleTimer, in: idleTimeout) }
        writeLine(body)
    }

    /// Whether a message sent now goes out at once (no `whenReady` needed).
    var isReady: Bool { state == .ready && channel.map { !$0.isClosed } ?? false }

    /// `send` of `source` with `edits` applied, written piece by piece, then the newline.
    func send(_ call: BackendCall?, id: Int?, splicing source: ArraySlice<UInt8>, _ edits: SpliceEdits) {
        guard state == .ready, let channel, !channel.isClosed else {
            call?.failed(code: GatewayCodes.unavailable, reason: "is not running")
            return
        }
        if let id, let call { pending[id] = call }
        if idleTimeout > 0 { context.loop.arm(idleTimer, in: idleTimeout) }
        edits.apply(to: source) { channel.write($0) }
        channel.write(Self.newline)
    }

    private static let newline: [UInt8] = [0x0A]

    /// A call that no longer wants its answer (the client left).
    func forget(id: Int) {
        pending[id] = nil
    }

    private func writeLine(_ body: [UInt8]) {
        guard let channel else { return }
        var line = body
        line.append(0x0A)
        channel.write(line)
    }

    // MARK: StdioChannelDelegate

    func stdioChannel(_ channel: StdioChannel, didReadLine line: ByteView) {
        // Copied into storage kept from line to line: what is delivered is borrowed (the
        // receivers copy what they keep, as with an HTTP response's body).
        if !lineBuffer.isEmpty { lineBuffer.removeAll(keepingCapacity: true) }
        if lineBuffer.capacity > 64 * 1024 { lineBuffer = [] }
        lineBuffer.append(line)
        let bytes = lineBuffer[...]
        guard case .success(let fields) = MessageScanner.scan(bytes) else {
            EdgeLog.write("server \(backend.name): dropped a stdout line that is not JSON-RPC")
            return
        }
        switch fields.kind {
        case .response:
            guard let idRange = fields.id, let id = Int(String(decoding: bytes[idRange], as: UTF8.self)) else { return }
            if state == .starting, id == initializeID { return initialized(bytes, fields) }
            pending.removeValue(forKey: id)?.deliverStdio(bytes, fields, final: true)
        case .notification:
            // Progress for a call: its token was rewritten to the call's gateway id.
            if let token = fields.progressToken, let id = Int(String(decoding: bytes[token], as: UTF8.self)),
               let call = pending[id] {
                call.deliverStdio(bytes, fields, final: false)
            }
        default:
            // Server-to-client requests over stdio: answered "method not found" for now.
            if let idRange = fields.id {
                var out = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
                out.append(contentsOf: bytes[idRange])
                out.append(contentsOf: #","error":{"code":-32601,"message":"not supported by the gateway"}}"#.utf8)
                writeLine(out)
            }
        }
    }

    private func initialized(_ bytes: ArraySlice<UInt8>, _ fields: MessageFields) {
        let state = context.backends[backend.index]
        if let range = fields.result, case .object(let result)? = JSONValue.parse(bytes[range]) {
            if case .string(let text)? = result["protocolVersion"] { version = text }
            if case .object(let capabilities)? = result["capabilities"] { state.capabilities = capabilities }
            if case .string(let text)? = result["instructions"] { state.instructions = text }
        } else {
            EdgeLog.write("server \(backend.name): refused initialize")
            channel?.kill()
            return
        }
        writeLine(BackendRequestWriter.message(id: nil, method: "notifications/initialized", params: JSONObject(), modernMeta: nil))
        context.loop.disarm(startTimer)
        startFailure = nil
        self.state = .ready
        wake(true)
    }

    func stdioChannel(_ channel: StdioChannel, didReadStderrLine line: ByteView, truncated: Bool) {
        EdgeLog.write("server \(backend.name): \(String(decoding: Array(line), as: UTF8.self))\(truncated ? " …" : "")")
    }

    func stdioChannel(_ channel: StdioChannel, didHitProtocolError error: StdioProtocolError) {
        EdgeLog.write("server \(backend.name): \(error)")
    }

    func stdioChannel(_ channel: StdioChannel, didClose reason: StdioChannel.CloseReason) {}

    func stdioChannel(_ channel: StdioChannel, didExit status: ExitStatus) {
        context.loop.disarm(startTimer)
        let uptime = context.loop.now &- channel.startedAt
        if state != .shuttingDown {
            EdgeLog.write("server \(backend.name): process exited (\(status)) after \(uptime) ms")
        }
        self.channel = nil
        let calls = pending
        pending.removeAll()
        for (_, call) in calls { call.failed(code: GatewayCodes.unavailable, reason: "exited (\(status))") }
        if state == .shuttingDown {
            state = .stopped
            let done = onStopped
            onStopped = nil
            done?()
            return
        }
        if onReaped == nil, idleTimeout > 0 {
            state = .stopped  // a reaped session process is not restarted
            return
        }
        // Backoff from the uptime: a process that keeps crashing at start waits longer each time.
        let delay = backoff.delay(afterUptime: uptime)
        state = .waitingToRestart
        wake(false)
        context.loop.arm(restartTimer, in: delay)
    }

    private func startTimedOut() {
        guard state == .starting else { return }
        EdgeLog.write("server \(backend.name): did not answer initialize in time; killing it")
        startFailure = (GatewayCodes.timeout, "did not answer initialize in time (timeouts.upstream_first_byte)")
        wake(false)  // waiting requests fail now; the exit restarts it after the backoff
        channel?.kill()
    }

    private func stopped(restart: Bool) {
        channel = nil
        state = .waitingToRestart
        wake(false)
        context.loop.arm(restartTimer, in: backoff.delay(afterUptime: 0))
    }

    private func restartNow() {
        guard state == .waitingToRestart else { return }
        state = .stopped
        start()
    }

    private func wake(_ ready: Bool) {
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter(ready) }
    }

    /// Drain: stdin closed, then SIGTERM, then SIGKILL (`grace` each); `done` when it exited.
    func shutdown(grace: UInt64, _ done: @escaping () -> Void) {
        context.loop.disarm(restartTimer)
        if idleTimeout > 0 { context.loop.disarm(idleTimer) }
        guard let channel, !channel.hasExited else {
            state = .stopped
            return done()
        }
        state = .shuttingDown
        onStopped = done
        channel.shutdown(graceMilliseconds: grace)
    }
}

/// mcp-edge's diagnostic lines on stderr (the access and audit logs come with telemetry).
enum EdgeLog {
    static func write(_ text: String) {
        var line = Array("mcp-edge: ".utf8)
        line.append(contentsOf: text.utf8)
        line.append(0x0A)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
