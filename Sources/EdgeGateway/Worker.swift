import EdgePolicy
import EdgeIO
import EdgeTLS

/// One worker: an event loop on its own thread with its own listening sockets, client
/// connections and upstream pool. Nothing in it is shared with other workers.
public final class Worker {
    public let index: Int
    let loop: EventLoop
    let settings: DataPlaneSettings
    let routes: RouteTable
    let pool: UpstreamPool
    /// Gateway routes' per-worker state (catalogs, backend eras and sessions, sealing keys).
    let gateway: GatewayContext
    /// Read and write buffers lent to busy connections (idle ones hold none).
    let buffers = BufferPool()
    /// Credentials this worker has verified (JWT signatures are checked once per token).
    let tokens = TokenCache()
    /// Rate buckets of this worker (its share of every configured rate).
    let limiter = LocalRateLimiter()
    /// Larger buffers for HTTP/2 response bodies (sized so a body never grows: see `Stream`).
    let bodyBuffers = BufferPool(bufferSize: 64 * 1024, maxFree: 1024)
    /// Every second: quiet connections free their TLS buffers; every fifth, pooled buffers
    /// that recent load did not need go back to the allocator.
    private lazy var maintenanceTimer = LoopTimer { [unowned self] in self.maintain() }
    private var maintenanceTicks = 0
    static let maintenanceInterval: UInt64 = 1_000
    private var acceptors: [Acceptor] = []
    private(set) var connectionCount = 0
    /// Client TLS handshakes in progress (`limits.max_pending_handshakes`).
    let handshakes: HandshakeAdmission
    private var connections: [ObjectIdentifier: DrainableConnection] = [:]
    private(set) var isDraining = false
    private var drainTimer: LoopTimer?

    /// Binds this worker's listening sockets (SO_REUSEPORT), ready to `run()`.
    init(index: Int, plan: ServingPlan) throws {
        self.index = index
        loop = try EventLoop()
        settings = plan.settings
        routes = plan.routes
        handshakes = HandshakeAdmission(limit: plan.settings.maxPendingHandshakes)
        pool = UpstreamPool(loop: loop, settings: plan.settings, serverCount: plan.serverCount, buffers: buffers)
        gateway = GatewayContext(loop: loop, pool: pool, settings: plan.settings, routes: plan.routes.gatewayRoutes)
        gateway.limiter = limiter
        gateway.exchanged = plan.tokenExchanges.map(ExchangedTokens.init)
        for listener in plan.listeners {
            let fd = try Socket.listen(listener.address, reusePort: true)
            let acceptor = Acceptor(fd: fd, tls: listener.tls, worker: self)
            try loop.registerListener(fd, acceptor)
            acceptors.append(acceptor)
        }
    }

    /// Runs the loop on the calling thread until it is stopped.
    func run() {
        loop.arm(maintenanceTimer, in: Worker.maintenanceInterval)
        loop.run()
    }

    private func maintain() {
        for connection in connections.values { connection.releaseIdleMemory() }
        maintenanceTicks += 1
        if maintenanceTicks % 5 == 0 {
            buffers.releaseUnused()
            bodyBuffers.releaseUnused()
        }
        loop.arm(maintenanceTimer, in: Worker.maintenanceInterval)
    }

    func connectionOpened() {
        connectionCount += 1
    }

    /// A TLS handshake ended (done or failed): a listener paused on a full set may go on.
    func handshakeEnded(_ slot: HandshakeSlot) {
        handshakes.leave(slot)
        resumeAcceptingIfRoom()
    }

    /// Listeners paused on a full worker go on (each re-checks its own limits when it wakes).
    private func resumeAcceptingIfRoom() {
        guard connectionCount < settings.maxConnectionsPerWorker && !isDraining else { return }
        for acceptor in acceptors { acceptor.resume() }
    }

    /// Registers a connection (from accept on), for draining and the idle-memory sweep.
    func track(_ connection: DrainableConnection) {
        connections[ObjectIdentifier(connection)] = connection
    }

    /// A handshake handed its descriptor to the HTTP connection that takes over.
    func untrack(_ connection: DrainableConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    func connectionClosed(_ connection: DrainableConnection?) {
        connectionCount -= 1
        if let connection { connections[ObjectIdentifier(connection)] = nil }
        resumeAcceptingIfRoom()
        if isDraining && connectionCount == 0 { finishDrain() }
    }

    /// Stops accepting, lets requests in flight finish, then stops the loop (at the latest
    /// after `timeout` milliseconds). Runs on the worker's thread.
    func drain(timeout: UInt64) {
        guard !isDraining else { return }
        isDraining = true
        for acceptor in acceptors { acceptor.close() }
        acceptors.removeAll()
        handshakes.evictAll()  // no request yet: nothing to finish
        for connection in Array(connections.values) { connection.drain() }
        if connectionCount == 0 {
            finishDrain()
            return
        }
        let timer = LoopTimer { [unowned self] in self.finishDrain() }
        loop.arm(timer, in: timeout)
        drainTimer = timer
    }

    private func finishDrain() {
        guard !isFinishing else { return }
        isFinishing = true
        pool.closeIdle()
        // stdio backends: stdin closed, then SIGTERM, then SIGKILL, a second apart.
        gateway.shutdownProcesses(grace: 1_000) { [loop] in loop.stop() }
    }
    private var isFinishing = false
}

/// Everything the data plane needs from one configuration snapshot, resolved: listener
/// addresses with their TLS contexts, routes to upstream targets, limits and timeouts.
public struct ServingPlan {
    public struct Listener {
        public let name: String
        public let address: SocketAddress
        public let tls: TLSServerContext?
        public init(name: String, address: SocketAddress, tls: TLSServerContext?) {
            self.name = name
            self.address = address
            self.tls = tls
        }
    }

    public var workers: Int
    public var listeners: [Listener]
    public var routes: RouteTable
    /// How many upstream targets the routes use (their `index` is below it).
    public var serverCount: Int
    public var settings: DataPlaneSettings
    /// Milliseconds a drain may take before open connections are cut.
    public var drainTimeout: UInt64
    /// Key sets fetched from `jwks_url`s, refreshed while the server runs.
    var keyRefreshers: [KeySetRefresher] = []
    /// OAuth client credentials of backends, kept fresh while the server runs.
    var tokenRefreshers: [BackendTokenRefresher] = []
    /// Where RFC 8693 exchanges are made (nil: no backend exchanges tokens).
    var tokenExchanges: TokenExchangeThread?

    public init(workers: Int, listeners: [Listener], routes: RouteTable, serverCount: Int, settings: DataPlaneSettings,
                drainTimeout: UInt64) {
        self.workers = workers
        self.listeners = listeners
        self.routes = routes
        self.serverCount = serverCount
        self.settings = settings
        self.drainTimeout = drainTimeout
    }
}

/// The running data plane: `plan.workers` worker threads.
public final class EdgeServer {
    private let plan: ServingPlan
    private var workers: [Worker] = []
    private var threads: [WorkerThread] = []

    /// Binds every listener in every worker; throws (naming the address) if one cannot bind.
    public init(plan: ServingPlan) throws {
        self.plan = plan
        for index in 0..<plan.workers {
            workers.append(try Worker(index: index, plan: plan))
        }
        // Session-wide changes (DELETE, logging/setLevel) reach every worker of the process.
        let all = workers
        for refresher in plan.tokenRefreshers {
            let index = refresher.index
            refresher.deliver = { value in
                for worker in all { worker.loop.execute { [unowned worker] in worker.pool.setIssuedAuthorization(value, forServer: index) } }
            }
        }
        for worker in workers {
            worker.gateway.everyWorker = { change in
                for peer in all {
                    peer.loop.execute { [unowned peer] in change(peer.gateway) }
                }
            }
        }
    }

    /// Starts the worker threads (after a first fetch of every `jwks_url`).
    public func start() throws {
        for refresher in plan.keyRefreshers { try refresher.start() }
        for refresher in plan.tokenRefreshers { try refresher.start() }
        try plan.tokenExchanges?.start()
        for worker in workers {
            threads.append(try WorkerThread(name: "edge-worker-\(worker.index)") { worker.run() })
        }
    }

    /// Asks every worker to drain and waits for their threads to end.
    public func drainAndWait() {
        for worker in workers {
            let timeout = plan.drainTimeout
            worker.loop.execute { worker.drain(timeout: timeout) }
        }
        for thread in threads { thread.join() }
        for refresher in plan.keyRefreshers { refresher.stop() }
        for refresher in plan.tokenRefreshers { refresher.stop() }
        plan.tokenExchanges?.stop()
    }
}
