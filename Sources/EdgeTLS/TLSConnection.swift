import COpenSSL
import CEdgeShims
import EdgeIO
import Glibc

/// One TLS connection over a non-blocking socket the caller owns (the event loop closes it;
/// this object never does). Owns one `SSL` and frees it in `deinit`; keeps its context alive.
///
/// Used by one thread at a time, the one running the connection's event loop. Each call does
/// as much as the socket allows and says what to wait for: `.wantRead` (readable) or
/// `.wantWrite` (writable). With edge-triggered polling, keep reading while
/// `hasPendingReadableBytes` is true or until `.wantRead`. The process must ignore SIGPIPE
/// (OpenSSL writes to the socket with `write`).
///
/// `read` and `write` are the hot path: no Foundation, no allocation, one OpenSSL call each.
public final class TLSConnection {
    private let ssl: OpaquePointer
    /// The context this connection came from: its C callbacks' state must outlive the `SSL`.
    private let context: AnyObject
    private let isClient: Bool
    /// Set after a fatal error: OpenSSL forbids `SSL_shutdown` then.
    private var isBroken = false
    /// Set when the handshake completed; `SSL_is_init_finished` turns false again after a
    /// fatal error, so it cannot tell handshake failures from later ones.
    private var isEstablished = false
    /// Cleared when OpenSSL reported a protocol or handshake error (the session is suspect).
    private var isSessionSound = true
    /// Written by the socket BIO's read callback: 1 when its last read came back short.
    private let lastReadWasShort: UnsafeMutablePointer<UInt8>

    /// A server-side connection on an accepted socket.
    public init(serverContext: TLSServerContext, fd: Int32) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(serverContext.defaultContext) else {
            throw TLSError.fromQueue(.configuration, "cannot create a TLS connection")
        }
        self.ssl = ssl
        self.context = serverContext
        self.isClient = false
        lastReadWasShort = .allocate(capacity: 1)
        try attach(fd: fd)
        SSL_set_accept_state(ssl)
    }

    /// A client-side connection on a connected (or connecting) socket. `serverName` is sent
    /// as SNI (unless it is an IP address) and checked against the certificate when the
    /// context verifies peers. `session`, from an earlier connection to the same server,
    /// asks to resume it.
    public init(clientContext: TLSClientContext, fd: Int32, serverName: String, session: TLSSession? = nil) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(clientContext.handle.pointer) else {
            throw TLSError.fromQueue(.configuration, "cannot create a TLS connection")
        }
        self.ssl = ssl
        self.context = clientContext
        self.isClient = true
        lastReadWasShort = .allocate(capacity: 1)
        try attach(fd: fd)
        SSL_set_connect_state(ssl)
        let isAddress = Self.isIPAddress(serverName)
        if !isAddress, cedge_SSL_set_tlsext_host_name(ssl, serverName) != 1 {
            throw TLSError.fromQueue(.configuration, "cannot send server name \(serverName)",
                                     fix: "use a valid DNS host name")
        }
        if clientContext.verifiesPeer {
            let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
                               : SSL_set1_host(ssl, serverName)
            if ok != 1 {
                throw TLSError.fromQueue(.configuration, "cannot verify upstream name \(serverName)",
                                         fix: "use a valid DNS host name or IP address")
            }
        }
        if let session, SSL_set_session(ssl, session.pointer) != 1 {
            _ = TLSError.drainErrorQueue()  // resumption is an optimisation: go on without it
        }
    }

    deinit {
        // OpenSSL drops a server session from the cache when the `SSL` is freed without
        // close_notify; a peer that merely closed the socket has done nothing wrong.
        if !isClient && isEstablished && isSessionSound {
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
        }
        SSL_free(ssl)
        lastReadWasShort.deallocate()
    }

    private func attach(fd: Int32) throws {
        lastReadWasShort.initialize(to: 0)
        if SSL_set_fd(ssl, fd) != 1 {
            throw TLSError.fromQueue(.configuration, "cannot attach TLS to socket \(fd)")
        }
        _ = cedge_SSL_watch_reads(ssl, lastReadWasShort)
    }

    /// After a read that returned bytes: the socket had nothing more when OpenSSL last read it
    /// and OpenSSL holds no unprocessed bytes, so another read now would only find the socket
    /// empty. Edge-triggered polling reports the next bytes that arrive.
    public var readEmptiedSocket: Bool {
        lastReadWasShort.pointee != 0 && SSL_has_pending(ssl) == 0
    }

    private static func isIPAddress(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }

    /// Frees the record buffers (about 34 KiB) of a quiet connection; OpenSSL allocates them
    /// again at the next read or write. False while a record is half read or half written.
    public func releaseBuffers() -> Bool {
        SSL_free_buffers(ssl) == 1
    }

    /// Whether OpenSSL frees the record buffers after every read and write that empties them
    /// (`SSL_MODE_RELEASE_BUFFERS`; the context's setting until changed here). Right for a
    /// connection that waits more than it works; a busy one would allocate 34 KiB per request.
    public func setReleasesBuffersWhenEmpty(_ on: Bool) {
        if on {
            _ = cedge_SSL_set_mode(ssl, cedge_SSL_MODE_RELEASE_BUFFERS())
        } else {
            _ = cedge_SSL_clear_mode(ssl, cedge_SSL_MODE_RELEASE_BUFFERS())
        }
    }

    // MARK: Handshake, read, write, shutdown

    /// Advances the handshake. `.done` once complete (and on every later call).
    public func handshake() -> TLSIOResult {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { isEstablished = true; return .done }
        switch failure(result) {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .error(let error): return .error(error)
        }
    }

    /// Decrypts into the buffer's free space: at most one record (16 KiB) per call, as much
    /// as fits. Makes 16 KiB of room only if the buffer has none.
    public func read(into buffer: inout ByteBuffer) -> TLSReadResult {
        if buffer.writableBytes == 0 { buffer.reserveWritable(16384) }
        // No ERR_clear_error here (it costs ~1k instructions in OpenSSL 3): every failure path
        // empties the thread's queue, so it is already empty before each read and write.
        var result: Int32 = 0
        let ssl = self.ssl
        _ = buffer.withUnsafeMutableWritableBytes { free in
            result = SSL_read(ssl, free.baseAddress, Int32(clamping: free.count))
            return result > 0 ? Int(result) : 0
        }
        if result > 0 { return .bytes(Int(result)) }
        switch failure(result) {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .error(let error): return .error(error)
        }
    }

    /// Encrypts and sends the buffer's readable bytes (partial writes allowed); the caller then
    /// moves its reader index by the count written.
    public func write(_ buffer: ByteBuffer) -> TLSWriteResult {
        buffer.withUnsafeReadableBytes { write(start: $0.baseAddress, count: $0.count) }
    }

    /// Encrypts and sends borrowed bytes (partial writes allowed).
    public func write(_ view: ByteView) -> TLSWriteResult {
        view.withUnsafeBytes { write(start: $0.baseAddress, count: $0.count) }
    }

    private func write(start: UnsafeRawPointer?, count: Int) -> TLSWriteResult {
        guard count > 0, let start else { return .written(0) }
        let result = SSL_write(ssl, start, Int32(clamping: count))
        if result > 0 { return .written(Int(result)) }
        switch failure(result) {
        case .wantRead: return .wantRead
        case .wantWrite: return .wantWrite
        case .closed: return .closed
        case .error(let error): return .error(error)
        }
    }

    /// Sends close_notify, best effort, without waiting for the peer's. `.wantWrite` when the
    /// socket could not take it (call again when writable, or just close). Does nothing
    /// before the handshake completes or after a fatal error.
    @discardableResult
    public func shutdown() -> TLSIOResult {
        guard !isBroken, SSL_is_init_finished(ssl) == 1 else { return .done }
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        if result >= 0 { return .done }
        switch failure(result) {
        case .wantRead: return .done  // ours is sent; the peer's is not awaited
        case .wantWrite: return .wantWrite
        case .closed, .error: return .closed
        }
    }

    // MARK: Error mapping

    private enum Failure {
        case wantRead, wantWrite, closed
        case error(TLSError)
    }

    /// Classifies a failed call from `SSL_get_error`. EOF and resets count as a close, not an
    /// error: clients drop connections all the time.
    @inline(__always)
    private func failure(_ result: Int32) -> Failure {
        let savedErrno = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: return fatalFailure(result, errno: savedErrno)
        }
    }

    @inline(never)
    private func fatalFailure(_ result: Int32, errno savedErrno: Int32) -> Failure {
        defer { ERR_clear_error() }  // leave the thread's queue empty for the next connection
        isBroken = true
        let code = SSL_get_error(ssl, result)
        let queued = ERR_peek_error()
        if code == SSL_ERROR_SYSCALL && queued == 0 {
            if savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE { return .closed }
            return .error(TLSError(kind: .system,
                                   message: "TLS socket error: \(String(cString: strerror(savedErrno))) (errno \(savedErrno))"))
        }
        // OpenSSL 3 reports EOF without close_notify as an SSL error; it is still just a close.
        if queued != 0 && cedge_ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING {
            ERR_clear_error()
            return .closed
        }
        isSessionSound = false
        let inHandshake = !isEstablished
        var what = inHandshake ? "TLS handshake failed" : "TLS connection failed"
        var fix: String?
        if inHandshake && isClient {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                what += ": certificate verification: " + String(cString: X509_verify_cert_error_string(verify))
                fix = "check the upstream's certificate chain and host name, or configure its CA file"
            }
        }
        return .error(TLSError.fromQueue(inHandshake ? .handshake : .protocolError, what, fix: fix))
    }

    // MARK: Connection facts (cold path: logs, routing, control plane)

    public var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    /// The client's certificate, when it presented one that verified against the listener's
    /// client CAs (mutual TLS); nil otherwise.
    public var verifiedPeerCertificate: PeerCertificate? {
        guard SSL_get_verify_result(ssl) == X509_V_OK, let certificate = SSL_get0_peer_certificate(ssl) else { return nil }
        return PeerCertificate(certificate)
    }

    /// The protocol chosen by ALPN; `.none` when there was none (HTTP/1.1).
    public var negotiatedALPN: ALPNProtocol {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return .none }
        return ALPNProtocol(wireBytes: UnsafeBufferPointer(start: data, count: Int(length)))
    }

    /// The SNI host name (sent by the client, or the one this client sent).
    public var serverName: String? {
        SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)).map { String(cString: $0) }
    }

    /// Whether the handshake resumed an earlier session (no certificate exchange).
    public var isResumed: Bool { SSL_session_reused(ssl) == 1 }

    public var protocolVersion: TLSVersion { TLSVersion(openSSLVersion: SSL_version(ssl)) }

    /// The cipher suite's OpenSSL name, for logs.
    public var cipherSuite: String? {
        SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) }
    }

    /// Decrypted bytes already buffered inside OpenSSL: read again before waiting for the socket.
    public var hasPendingReadableBytes: Bool { SSL_pending(ssl) > 0 }

    /// The session to offer on a later connection (clients). With TLS 1.3 it becomes
    /// resumable only after a read has processed the server's ticket.
    public var session: TLSSession? {
        SSL_get1_session(ssl).map { TLSSession(owning: $0) }
    }

    /// The peer certificate's subject ("/CN=example.com"), or nil if it sent none.
    public var peerCertificateSubject: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        return CertificateNames.subjectLine(of: certificate)
    }
}
