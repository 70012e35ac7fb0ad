/// What `SessionSealer.open` found in a client's `Mcp-Session-Id`.
public enum SessionOpenResult: Equatable {
    /// Authentic and not expired.
    case valid(ClientSessionState)
    /// Authentic, but `now` is at or past its `expiresAt`: the client must initialize again.
    case expired
    /// Not a token of ours: malformed text, too long, an unknown key id, a failed tag, or a
    /// layout that does not decode. Never says which, on purpose.
    case invalid
}
