import EdgeIO
import EdgeTLS

/// The byte stream of one client connection: a plain TCP socket or TLS over it. Both speak
/// `IOResult`, so the HTTP connections above never ask which one they have.
final class ClientTransport {
    let fd: Int32
    let tls: TLSConnection?

    init(fd: Int32, tls: TLSConnection?) {
        self.fd = fd
        self.tls = tls
    }

    var isTLS: Bool { tls != nil }

    func read(into buffer: inout ByteBuffer) -> IOResult {
        guard let tls else { return Socket.read(fd, into: &buffer) }
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
        switch tls.write(view) {
        case .written(let n): return .count(n)
        case .wantWrite, .wantRead: return .wouldBlock
        case .closed: return .closed
        case .error: return .failed(0)
        }
    }

    /// Sends close_notify when TLS is used (best effort).
    func shutdown() {
        _ = tls?.shutdown()
    }
}
