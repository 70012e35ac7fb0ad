import EdgeIO
import EdgeTLS

/// A new client connection before it speaks HTTP: drives the TLS handshake (when the listener
/// has TLS), then picks HTTP/2 or HTTP/1.1 — by ALPN, or on plaintext by looking for the
/// HTTP/2 connection preface — and hands the descriptor to that connection.
final class ClientHandshake: IOHandler, HandshakeSlotHolder, DrainableConnection {
    /// The connection's byte stream, handed on to the HTTP connection that takes over.
    private let transport: ClientTransport
    private var fd: Int32 { transport.fd }
    /// The worker outlives its connections (it owns the loop that holds them).
    unowned(unsafe) let worker: Worker
    private let clientAddress: [UInt8]
    private var sniffed = ByteBuffer()
    private var finished = false
    /// Its place among the worker's pending TLS handshakes (nil on plaintext).
    var slot: HandshakeSlot?
    private lazy var timer = LoopTimer { [unowned self] in self.abort() }
    private static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    init(fd: Int32, tls: TLSConnection?, worker: Worker, clientAddress: [UInt8]) {
        self.transport = ClientTransport(fd: fd, tls: tls)
        self.worker = worker
        self.clientAddress = clientAddress
    }

    func start() {
        worker.loop.arm(timer, in: worker.settings.tlsHandshakeTimeout)
        advance()
    }

    func handle(_ events: IOEvents) {
        transport.noteEvents(events)
        advance()
    }

    private func advance() {
        guard !finished else { return }
        if let tls = transport.tls {
            switch tls.handshake() {
            case .done:
                switch tls.negotiatedALPN {
                case .h2: handOff(http2: true)
                case .http11: handOff(http2: false)
                case .none: sniff()
                }
            case .wantRead, .wantWrite:
                return
            case .closed, .error:
                abort()
            }
        } else {
            sniff()
        }
    }

    /// Reads the first bytes: an HTTP/2 preface means h2c prior knowledge, anything else HTTP/1.1.
    private func sniff() {
        while true {
            worker.buffers.lend(&sniffed)
            switch transport.read(into: &sniffed) {
            case .count:
                let n = Swift.min(sniffed.readableBytes, ClientHandshake.preface.count)
                if !sniffed.readableSlice.prefix(n).elementsEqual(ClientHandshake.preface.prefix(n)) {
                    handOff(http2: false)
                    return
                }
                if n == ClientHandshake.preface.count {
                    handOff(http2: true)
                    return
                }
            case .wouldBlock:
                return
            case .closed, .failed:
                abort()
                return
            }
        }
    }

    private func handOff(http2: Bool) {
        finished = true
        worker.untrack(self)
        leaveSlot()
        worker.loop.cancel(timer)
        worker.buffers.reclaim(&sniffed)
        let initial = sniffed.isEmpty ? nil : sniffed
        if http2 {
            let connection = HTTP2ClientConnection(transport: transport, worker: worker, clientAddress: clientAddress,
                                                   initialBytes: initial)
            worker.loop.replaceHandler(fd, connection)
            worker.track(connection)
            connection.start()
        } else {
            let connection = HTTP1ClientConnection(transport: transport, worker: worker, clientAddress: clientAddress,
                                                   initialBytes: initial)
            worker.loop.replaceHandler(fd, connection)
            worker.track(connection)
            connection.start()
        }
    }

    private func abort() {
        guard !finished else { return }
        finished = true
        leaveSlot()
        worker.loop.cancel(timer)
        sniffed.clear()
        worker.buffers.reclaim(&sniffed)
        worker.loop.close(fd)
        worker.connectionClosed(self)
    }

    private func leaveSlot() {
        guard let slot else { return }
        self.slot = nil
        worker.handshakeEnded(slot)
    }

    /// A draining worker closes connections that have not sent a request yet: there is
    /// nothing to finish (a plaintext connection being sniffed for the h2c preface, or a
    /// TLS handshake).
    func drain() {
        abort()
    }

    func releaseIdleMemory() {}

    /// The worker needs this handshake's place for a new connection (it has run too long).
    func evictFromHandshakeSlot() {
        abort()
    }
}
