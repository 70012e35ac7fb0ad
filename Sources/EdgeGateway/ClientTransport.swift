import EdgeIO
import EdgeTLS

/// The byte stream of one client connection: a plain TCP socket or TLS over it. Both speak
/// `IOResult`, so the HTTP connections above never ask which one they have.
final class ClientTransport {
    let fd: Int32
    let tls: TLSConnection?

    /// Whether OpenSSL frees its record buffers whenever they empty (the context's default).
    private var releasesWhenEmpty = true
    /// Loop time of the last `requestFinished`.
    private var lastFinished: UInt64 = 0

    init(fd: Int32, tls: TLSConnection?) {
        self.fd = fd
        self.tls = tls
    }

    var isTLS: Bool { tls != nil }

    /// A request was answered. TLS connections start out freeing their record buffers (34 KiB)
    /// whenever they empty, which suits handshakes and sporadic requests; a connection that
    /// finishes requests less than a second apart keeps them instead, until the worker's sweep
    /// finds it quiet (`releaseIdleTLSBuffers`).
    func requestFinished(now: UInt64) {
        if releasesWhenEmpty, let tls, now &- lastFinished < 1000 {
            tls.setReleasesBuffersWhenEmpty(false)
            releasesWhenEmpty = false
        }
        lastFinished = now
    }

    /// For a connection with nothing in flight: frees the record buffers a busy spell kept and
    /// goes back to freeing them whenever they empty.
    func releaseIdleTLSBuffers() {
        guard !releasesWhenEmpty, let tls, tls.releaseBuffers() else { return }
        tls.setReleasesBuffersWhenEmpty(true)
        releasesWhenEmpty = true
    }

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
        let space = buffer.writableBytes
        let result = read(into: &buffer)
        switch result {
        case .count(let n):
            emptiedSocket = !peerHungUp && (tls.map { $0.readEmptiedSocket } ?? (n < space))
        case .wouldBlock:
            pool.reclaim(&buffer)
        default:
            break
        }
        return result
    }

    /// After `read(into:lendingFrom:room:)` returned bytes: the socket is known to be empty
    /// (the read came back short, and TLS holds nothing unread). Never set once the peer hung
    /// up: its end-of-stream must still be read.
    private var emptiedSocket = false

    /// Call once the bytes of `read(into:lendingFrom:room:)` are used. True when that read
    /// emptied the socket: the caller waits for the next readable event instead of reading
    /// once more only to hear `wouldBlock` (one syscall per request; nginx does the same), and
    /// the buffer goes back to `pool` if nothing is left in it, as after `wouldBlock`.
    func readEmptiedSocket(returning buffer: inout ByteBuffer, to pool: BufferPool) -> Bool {
        guard emptiedSocket else { return false }
        pool.reclaim(&buffer)
        return true
    }
    /// Whether epoll reported that the peer closed its side (see `noteEvents`).
    private(set) var peerHungUp = false

    /// Every handler that owns this transport passes its events here first. The hang-up is
    /// reported once (edge-triggered), perhaps to the handshake before the HTTP connection
    /// takes over, and must not be lost: it turns off the emptied-socket shortcut so that the
    /// end-of-stream is still read.
    @inline(__always)
    func noteEvents(_ events: IOEvents) {
        if events.contains(.hangup) { peerHungUp = true }
    }

    /// Whether TLS holds decrypted bytes that a read would return without touching the socket.
    var hasBufferedBytes: Bool { tls?.hasPendingReadableBytes ?? false }

    func write(_ buffer: ByteBuffer) -> IOResult {
        noteWrite(buffer.readableBytes)
        guard let tls else { return Socket.write(fd, from: buffer) }
        return ClientTransport.ioResult(tls.write(buffer))
    }

    /// Writes borrowed bytes (a response body straight from the upstream's buffer).
    func write(_ view: ByteView) -> IOResult {
        noteWrite(view.count)
        guard let tls else { return Socket.write(fd, from: view) }
        return ClientTransport.ioResult(tls.write(view))
    }

    // MARK: Corking large batches

    /// Writes of at least this size count as bulk (a body chunk or a full DATA frame).
    static let bulkWrite = 8 * 1024
    /// A TLS write larger than this leaves as several records, each in its own `send`.
    static let tlsRecordPayload = 16 * 1024
    /// Bulk writes since the batch began.
    private var bulkWrites = 0
    /// Whether TCP_CORK is on for this batch.
    private var corked = false

    /// Corks the socket once a batch has more than one bulk send coming: the second bulk write,
    /// or a TLS write that makes several records. The kernel then sends full segments (64 KiB
    /// on loopback) instead of one per 16 KiB record or frame, which costs it about half as
    /// much CPU per byte (see Benchmarks/loopback_send.c).
    @inline(__always)
    private func noteWrite(_ count: Int) {
        guard count >= ClientTransport.bulkWrite, !corked else { return }
        if bulkWrites > 0 || (tls != nil && count > ClientTransport.tlsRecordPayload) {
            Socket.setCork(fd, true)
            corked = true
        }
        bulkWrites += 1
    }

    /// The connection has written what it can for now (all of it, or until the socket was
    /// full): uncorking sends the partial segment the kernel held back.
    @inline(__always)
    func endWriteBatch() {
        bulkWrites = 0
        guard corked else { return }
        corked = false
        Socket.setCork(fd, false)
    }

    private static func ioResult(_ result: TLSWriteResult) -> IOResult {
        switch result {
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
        endWriteBatch()
    }
}
