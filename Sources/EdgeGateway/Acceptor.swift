import EdgeIO
import EdgeTLS

/// One worker's listening socket for one configured listener (`SO_REUSEPORT`: the kernel
/// spreads new connections over the workers).
final class Acceptor: IOHandler {
    let fd: Int32
    let tls: TLSServerContext?
    /// The worker outlives its connections (it owns the loop that holds them).
    unowned(unsafe) let worker: Worker
    private var paused = false

    init(fd: Int32, tls: TLSServerContext?, worker: Worker) {
        self.fd = fd
        self.tls = tls
        self.worker = worker
    }

    func handle(_ events: IOEvents) {
        // A bounded batch per wake-up keeps one busy listener from starving the loop.
        for _ in 0..<64 {
            guard worker.connectionCount < worker.settings.maxConnectionsPerWorker else {
                pause()
                return
            }
            if tls != nil, case .full(let until) = worker.handshakes.makeRoom(now: worker.loop.now) {
                // The worker resumes this listener when a handshake ends; the timer is for
                // when none does before the oldest one counts as stalled.
                pause()
                worker.loop.arm(resumeTimer, in: until &- worker.loop.now)
                return
            }
            switch Socket.accept(fd) {
            case .connection(let client, let peer):
                Socket.setNoDelay(client)
                accepted(client, peer: peer)
            case .wouldBlock:
                return
            case .exhausted:
                // Out of descriptors: stop accepting for a moment instead of spinning.
                pause()
                worker.loop.afterThisBatch { [weak self] in self?.resumeSoon() }
                return
            case .failed:
                return
            }
        }
    }

    private func accepted(_ client: Int32, peer: [UInt8]) {
        var connection: TLSConnection?
        if let tls {
            guard let made = try? TLSConnection(serverContext: tls, fd: client) else {
                Socket.close(client)
                return
            }
            connection = made
        }
        let handshake = ClientHandshake(fd: client, tls: connection, worker: worker, clientAddress: peer)
        do {
            try worker.loop.register(client, handshake)
        } catch {
            Socket.close(client)
            return
        }
        worker.connectionOpened()
        worker.track(handshake)
        if connection != nil { handshake.slot = worker.handshakes.admit(handshake, now: worker.loop.now) }
        handshake.start()
    }

    func pause() {
        guard !paused else { return }
        paused = true
        worker.loop.pauseListener(fd)
    }

    func resume() {
        guard paused, !isClosed else { return }
        paused = false
        worker.loop.resumeListener(fd)
    }

    private func resumeSoon() {
        worker.loop.arm(resumeTimer, in: 100)
    }
    private lazy var resumeTimer = LoopTimer { [weak self] in self?.resume() }

    /// Once closed, the descriptor number may belong to another socket: a late resume must
    /// not touch it.
    private var isClosed = false

    func close() {
        isClosed = true
        worker.loop.cancel(resumeTimer)
        worker.loop.close(fd)
    }
}
