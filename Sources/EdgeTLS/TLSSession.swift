import COpenSSL

/// A TLS session a client may offer again to resume (skip the full handshake). Owns one
/// `SSL_SESSION` reference. Get one from `TLSConnection.session` after the handshake (with
/// TLS 1.3, after the first read: tickets arrive then) and pass it to the next connection.
public final class TLSSession {
    let pointer: OpaquePointer

    /// Takes over a reference the caller already holds (from `SSL_get1_session`).
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { SSL_SESSION_free(pointer) }

    /// Whether the server may accept it (a TLS 1.3 session is resumable only once a ticket arrived).
    public var isResumable: Bool { SSL_SESSION_is_resumable(pointer) == 1 }
}
