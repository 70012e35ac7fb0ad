/// What a handshake or shutdown step needs next. The caller waits for the socket event named
/// by `.wantRead` / `.wantWrite`, then calls again.
public enum TLSIOResult: Equatable {
    case done
    case wantRead
    case wantWrite
    /// The peer closed (close_notify, EOF or reset).
    case closed
    case error(TLSError)
}

/// The outcome of one `TLSConnection.read(into:)`.
public enum TLSReadResult: Equatable {
    /// Plaintext bytes appended to the buffer (always > 0).
    case bytes(Int)
    case wantRead
    /// TLS needs to send (e.g. a key update reply) before it can read: wait for writability.
    case wantWrite
    /// The peer closed: close_notify, EOF or connection reset.
    case closed
    case error(TLSError)
}

/// The outcome of one `TLSConnection.write(_:)`.
public enum TLSWriteResult: Equatable {
    /// Plaintext bytes accepted (may be fewer than offered: partial writes are on). The caller
    /// advances its reader index by this count.
    case written(Int)
    /// Nothing was accepted. Retry with the same bytes first (more may be appended; the buffer
    /// may have moved) once the socket is writable.
    case wantWrite
    case wantRead
    case closed
    case error(TLSError)
}
