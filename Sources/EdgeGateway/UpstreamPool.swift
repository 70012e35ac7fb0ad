import EdgeIO

/// Keep-alive HTTP/1.1 connections to the backends, per worker (no lock: one loop owns it).
/// Idle connections are reused most-recently-used first; the count per server is capped.
final class UpstreamPool {
    unowned let loop: EventLoop
    let settings: DataPlaneSettings
    private var idle: [ObjectIdentifier: [UpstreamConnection]] = [:]
    private var open: [ObjectIdentifier: Int] = [:]
    /// Connections opened since start (tests and metrics read it).
    private(set) var connectionsOpened = 0
    private(set) var connectionsReused = 0

    init(loop: EventLoop, settings: DataPlaneSettings) {
        self.loop = loop
        self.settings = settings
    }

    /// An idle connection to `target`, or a new one (connecting). Nil when the per-server cap
    /// is reached or the socket cannot be created.
    func acquire(_ target: UpstreamTarget) -> UpstreamConnection? {
        let key = ObjectIdentifier(target)
        if var list = idle[key], let connection = list.popLast() {
            idle[key] = list
            connectionsReused += 1
            connection.wasReused = true
            return connection
        }
        guard open[key, default: 0] < settings.maxUpstreamConnectionsPerServer else { return nil }
        guard let fd = try? Socket.connect(to: target.address) else { return nil }
        let connection = UpstreamConnection(fd: fd, target: target, pool: self)
        do {
            try loop.register(fd, connection)
        } catch {
            Socket.close(fd)
            return nil
        }
        open[key, default: 0] += 1
        connectionsOpened += 1
        return connection
    }

    /// A connection finished its exchange cleanly and may carry another.
    func release(_ connection: UpstreamConnection) {
        let key = ObjectIdentifier(connection.target)
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
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        for list in idle.values { for connection in list { connection.close() } }
        idle.removeAll()
    }
}
