import EdgeIO
import MCPWire

/// Keep-alive HTTP/1.1 connections to the backends, per worker (no lock: one loop owns it).
/// Idle connections are reused most-recently-used first; the count per server is capped.
final class UpstreamPool {
    unowned let loop: EventLoop
    let settings: DataPlaneSettings
    private var idle: [ObjectIdentifier: [UpstreamConnection]] = [:]
    private var open: [ObjectIdentifier: Int] = [:]
    private var waiting: [ObjectIdentifier: [Exchange]] = [:]
    /// Connections opened since start (tests and metrics read it).
    private(set) var connectionsOpened = 0
    private(set) var connectionsReused = 0

    init(loop: EventLoop, settings: DataPlaneSettings) {
        self.loop = loop
        self.settings = settings
    }

    enum Acquired {
        case connection(UpstreamConnection)
        /// Every connection the server may have is busy: `enqueue` the exchange.
        case atCapacity
        /// The socket could not be created (out of descriptors, no route).
        case failed
    }

    /// An idle connection to `target`, or a new one (still connecting).
    func acquire(_ target: UpstreamTarget) -> Acquired {
        let key = ObjectIdentifier(target)
        if var list = idle[key], let connection = list.popLast() {
            idle[key] = list
            connectionsReused += 1
            connection.wasReused = true
            return .connection(connection)
        }
        guard open[key, default: 0] < settings.maxUpstreamConnectionsPerServer else { return .atCapacity }
        guard let fd = try? Socket.connect(to: target.address) else { return .failed }
        let connection = UpstreamConnection(fd: fd, target: target, pool: self)
        do {
            try loop.register(fd, connection)
        } catch {
            Socket.close(fd)
            return .failed
        }
        open[key, default: 0] += 1
        connectionsOpened += 1
        return .connection(connection)
    }

    /// Parks an exchange until a connection to its target is free (FIFO).
    func enqueue(_ exchange: Exchange) {
        waiting[ObjectIdentifier(exchange.target!), default: []].append(exchange)
        loop.arm(exchange.queueTimer, in: settings.upstreamConnectTimeout)
    }

    /// The next exchange still waiting for `target` (aborted ones are skipped).
    private func nextWaiting(_ key: ObjectIdentifier) -> Exchange? {
        guard var queue = waiting[key] else { return nil }
        defer { waiting[key] = queue.isEmpty ? nil : queue }
        while !queue.isEmpty {
            let exchange = queue.removeFirst()
            if exchange.isQueued {
                loop.disarm(exchange.queueTimer)
                return exchange
            }
        }
        return nil
    }

    /// A connection finished its exchange cleanly and may carry another.
    func release(_ connection: UpstreamConnection) {
        let key = ObjectIdentifier(connection.target)
        if let exchange = nextWaiting(key) {
            connectionsReused += 1
            exchange.attach(connection)
            return
        }
        if idle[key, default: []].count >= settings.maxIdleUpstreamConnectionsPerServer {
            connection.close()
            return
        }
        idle[key, default: []].append(connection)
        loop.arm(connection.timer, in: settings.idleKeepAliveTimeout)
    }

    /// A connection closed: forget it.
    func closed(_ connection: UpstreamConnection, wasIdle: Bool) {
        let key = ObjectIdentifier(connection.target)
        open[key, default: 1] -= 1
        if wasIdle, var list = idle[key], let index = list.firstIndex(where: { $0 === connection }) {
            list.remove(at: index)
            idle[key] = list
        }
        // A slot is free: open a connection for the next waiting exchange.
        if let exchange = nextWaiting(key) {
            switch acquire(connection.target) {
            case .connection(let fresh): exchange.attach(fresh)
            case .atCapacity: enqueueFront(exchange)
            case .failed: exchange.fail(status: 502, code: .backendUnavailable, reason: "cannot be connected to")
            }
        }
    }

    private func enqueueFront(_ exchange: Exchange) {
        waiting[ObjectIdentifier(exchange.target!), default: []].insert(exchange, at: 0)
        loop.arm(exchange.queueTimer, in: settings.upstreamConnectTimeout)
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        for list in idle.values { for connection in list { connection.close() } }
        idle.removeAll()
    }
}
