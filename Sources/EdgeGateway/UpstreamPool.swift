import EdgeIO
import MCPWire

/// Keep-alive HTTP/1.1 connections to the backends, per worker (no lock: one loop owns it).
/// Idle connections are reused most-recently-used first; the count per server is capped, and
/// requests beyond the cap wait in a FIFO queue for the next free connection.
final class UpstreamPool {
    /// One backend's connections in this worker.
    private final class ServerState {
        var idle: [UpstreamConnection] = []
        var open = 0
        /// Waiting exchanges; `waitingHead` is the next to serve (a queue without shifting).
        var waiting: [Exchange] = []
        var waitingHead = 0
    }

    unowned(unsafe) let loop: EventLoop
    let settings: DataPlaneSettings
    let buffers: BufferPool
    /// Indexed by `UpstreamTarget.index`.
    private var servers: [ServerState]

    init(loop: EventLoop, settings: DataPlaneSettings, serverCount: Int, buffers: BufferPool) {
        self.loop = loop
        self.settings = settings
        self.buffers = buffers
        servers = (0..<serverCount).map { _ in ServerState() }
    }

    enum Acquired {
        case connection(UpstreamConnection)
        /// Every connection the server may have is busy: `enqueue` the exchange.
        case atCapacity
        /// The socket could not be created (out of descriptors, no route).
        case failed
    }

    /// An idle connection to `target`, or a new one (still connecting); `fresh` skips the idle
    /// ones (a retry after a stale one failed).
    func acquire(_ target: UpstreamTarget, fresh: Bool = false) -> Acquired {
        let server = servers[target.index]
        if !fresh, let connection = server.idle.popLast() {
            connection.wasReused = true
            return .connection(connection)
        }
        guard server.open < settings.maxUpstreamConnectionsPerServer else { return .atCapacity }
        guard let fd = try? Socket.connect(to: target.address) else { return .failed }
        let connection = UpstreamConnection(fd: fd, target: target, pool: self)
        do {
            try loop.register(fd, connection)
        } catch {
            Socket.close(fd)
            return .failed
        }
        server.open += 1
        return .connection(connection)
    }

    /// Parks an exchange until a connection to its target is free.
    /// Whether `target`'s queue has room for one more waiting request.
    func hasQueueRoom(_ target: UpstreamTarget) -> Bool {
        let server = servers[target.index]
        return server.waiting.count - server.waitingHead < settings.maxQueuedRequestsPerServer
    }

    /// The `Authorization` value this worker holds for each server with OAuth client
    /// credentials (`Bearer …`), set by the token refresher through the loop; nil: none yet.
    private var issued: [[UInt8]?] = []

    func issuedAuthorization(_ target: UpstreamTarget) -> [UInt8]? {
        target.index < issued.count ? issued[target.index] : nil
    }

    func setIssuedAuthorization(_ value: [UInt8]?, forServer index: Int) {
        if issued.count <= index { issued.append(contentsOf: repeatElement(nil, count: index + 1 - issued.count)) }
        issued[index] = value
    }

    func enqueue(_ exchange: Exchange) {
        servers[exchange.target!.index].waiting.append(exchange)
        loop.arm(exchange.queueTimer, in: settings.upstreamConnectTimeout)
    }

    /// How far past the head of a queue the pool looks for a less busy client.
    static let fairnessWindow = 64

    /// The next exchange still waiting (aborted ones are skipped). Among the first
    /// `fairnessWindow` waiting, the one whose client holds the fewest upstream connections goes
    /// first (the oldest of those): a client with many streams queued cannot make everyone else
    /// wait behind all of them. The head it overtakes takes its place in the queue.
    private func nextWaiting(_ server: ServerState) -> Exchange? {
        while server.waitingHead < server.waiting.count && !server.waiting[server.waitingHead].isQueued {
            server.waitingHead += 1
        }
        guard server.waitingHead < server.waiting.count else {
            compactQueue(server)
            return nil
        }
        let head = server.waitingHead
        var best = head
        var bestLoad = server.waiting[head].clientLoad
        var index = head + 1
        let end = Swift.min(server.waiting.count, head + UpstreamPool.fairnessWindow)
        while bestLoad > 1 && index < end {
            let candidate = server.waiting[index]
            if candidate.isQueued {
                let load = candidate.clientLoad
                if load < bestLoad { best = index; bestLoad = load }
            }
            index += 1
        }
        let exchange = server.waiting[best]
        server.waiting[best] = server.waiting[head]
        server.waitingHead += 1
        loop.disarm(exchange.queueTimer)
        compactQueue(server)
        return exchange
    }

    private func compactQueue(_ server: ServerState) {
        if server.waitingHead == server.waiting.count {
            server.waiting.removeAll(keepingCapacity: true)
            server.waitingHead = 0
        } else if server.waitingHead > 64 && server.waitingHead * 2 > server.waiting.count {
            server.waiting.removeFirst(server.waitingHead)
            server.waitingHead = 0
        }
    }

    /// A connection finished its exchange cleanly and may carry another.
    func release(_ connection: UpstreamConnection) {
        let server = servers[connection.target.index]
        if server.waitingHead < server.waiting.count, let exchange = nextWaiting(server) {
            exchange.attach(connection)
            return
        }
        if server.idle.count >= settings.maxIdleUpstreamConnectionsPerServer {
            connection.close()
            return
        }
        server.idle.append(connection)
        loop.arm(connection.timer, in: settings.idleKeepAliveTimeout)
    }

    /// A connection closed: forget it, and give its slot to a waiting exchange.
    func closed(_ connection: UpstreamConnection, wasIdle: Bool) {
        let server = servers[connection.target.index]
        server.open -= 1
        if wasIdle, let index = server.idle.firstIndex(where: { $0 === connection }) {
            server.idle.remove(at: index)
        }
        guard server.waitingHead < server.waiting.count, let exchange = nextWaiting(server) else { return }
        switch acquire(connection.target) {
        case .connection(let fresh):
            exchange.attach(fresh)
        case .atCapacity:
            server.waiting.insert(exchange, at: server.waitingHead)
            loop.arm(exchange.queueTimer, in: settings.upstreamConnectTimeout)
        case .failed:
            exchange.fail(status: 502, code: .backendUnavailable, reason: "cannot be connected to")
        }
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        for server in servers {
            let idle = server.idle
            for connection in idle { connection.close() }
        }
    }
}
