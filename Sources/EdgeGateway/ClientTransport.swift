import EdgeIO
import EdgeTLS

/// The byte stream of one client connection: a plain TCP socket or TLS over it. Both speak
/// `IOResult`, so the HTTP connections above never ask which one they have.
final class ClientTransport {
    let fd: Int32
    let tls: TLSConnection?

    /// Whether OpenSSL may hold record buffers: true after any read or write, false once freed.
    private var tlsBuffersHeld = true
    /// Loop time of the last `becameQuiet`.
    private var lastQuiet: UInt64 = 0

    init(fd: Int32, tls: TLSConnection?) {
        self.fd = fd
        self.tls = tls
    }

    var isTLS: Bool { tls != nil }

    /// The connection has nothing in flight. One that was also quiet a second ago (sporadic
    /// traffic, or a keep-alive connection after its first request) frees its TLS record
    /// buffers now; a busy one keeps them, since freeing and reallocating 34 KiB around every
    /// request costs more than it saves, until the worker's sweep finds it still quiet.
    func becameQuiet(now: UInt64) {
        if now &- lastQuiet >= 1000 { releaseTLSBuffers() }
        lastQuiet = now
    }

    /// Frees OpenSSL's record buffers if it holds any and nothing is half done.
    func releaseTLSBuffers() {
        guard tlsBuffersHeld, let tls, tls.releaseBuffers() else { return }
        tlsBuffersHeld = false
    }

    func read(into buffer: inout ByteBuffer) -> IOResult {
        guard let tls else { return Socket.read(fd, into: &buffer) }
        tlsBuffersHeld = true
        switch tls.read(into: &buffer) {
        case .bytes(let n): return .count(n)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// Reads with storage lent by `pool` for the read (at least `room` bytes free); an empty
    /// buffer gives it back when the socket has nothing more, so idle connections hold none.
    func read(into buffer: inout ByteBuffer, lendingFrom pool: BufferPool, room: Int) -> IOResult {
        pool.lend(&buffer)
        buffer.reserveWritable(room)
        let result = read(into: &buffer)
        if result == .wouldBlock { pool.reclaim(&buffer) }
        return result
    }

    /// Whether TLS holds decrypted bytes that a read would return without touching the socket.
    var hasBufferedBytes: Bool { tls?.hasPendingReadableBytes ?? false }

    func write(_ buffer: ByteBuffer) -> IOResult {
        guard let tls else { return Socket.write(fd, from: buffer) }
        tlsBuffersHeld = true
        switch tls.write(buffer) {
        case .written(let n): return .count(n)
        case .wantWrite, .wantRead: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// Writes borrowed bytes (a response body straight from the upstream's buffer).
    func write(_ view: ByteView) -> IOResult {
        guard let tls else { return Socket.write(fd, from: view) }
        tlsBuffersHeld = true
        switch tls.write(view) {
        case .written(let n): return .count(n)
        case .wantWrite, .wantRead: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// How a `writeNow` ended.
    enum WriteOutcome {
        /// Everything was written.
        case complete
        /// The socket is full after `written` bytes: keep the rest, wait for writability.
        case blocked(written: Int)
        /// The connection is gone.
        case failed
    }

    /// Writes as much of `bytes` as the socket takes now (a body straight from another buffer).
    func writeNow(_ bytes: ByteView) -> WriteOutcome {
        var written = 0
        while written < bytes.count {
            switch write(bytes.view(written..<bytes.count)) {
            case .count(let n): written += n
            case .wouldBlock: return .blocked(written: written)
            case .closed, .failed: return .failed
            }
        }
        return .complete
    }

    /// Sends close_notify when TLS is used (best effort).
    func shutdown() {
        _ = tls?.shutdown()
    }
}
