import EdgeIO

/// What an HTTP/2 server connection tells the layer above about its streams. Every call is
/// made on the connection's event-loop thread, from inside `HTTP2ServerSession.receive` or
/// `produce`; the delegate may call back into the session (submit a response, reset a stream,
/// acknowledge bytes) from any of them.
public protocol HTTP2ServerSessionDelegate: AnyObject {
    /// A request head is complete. `head` is the session's reusable head, lent in place (no
    /// copy of its five arrays per request) and valid only during the call: copy what must
    /// outlive it. The session resets it before the next head. When `endStream` is true the
    /// request has no body and neither `didReceiveData` nor `didEndStream` follows for it.
    func http2(_ session: HTTP2ServerSession, didReceiveHead head: inout HTTPRequestHead, stream: Int32, endStream: Bool)

    /// A chunk of request body, borrowed for the call. The client's flow-control window
    /// reopens only when the delegate reports the bytes forwarded with
    /// `session.consumed(stream:bytes:)`.
    func http2(_ session: HTTP2ServerSession, didReceiveData data: ByteView, stream: Int32)

    /// The request body is complete (END_STREAM).
    func http2(_ session: HTTP2ServerSession, didEndStream stream: Int32)

    /// The stream is gone: its response was sent, or the client (or the session) reset it.
    /// The delegate drops its state for the stream and aborts any upstream exchange still
    /// running for it. Called only for streams whose head was delivered.
    func http2(_ session: HTTP2ServerSession, didCloseStream stream: Int32, errorCode: UInt32)

    /// The unsent part of the stream's response body fell below its low-water mark: the
    /// delegate may resume reading the upstream that feeds it.
    func http2(_ session: HTTP2ServerSession, bodyDrained stream: Int32)
}

extension HTTP2ServerSessionDelegate {
    public func http2(_ session: HTTP2ServerSession, bodyDrained stream: Int32) {}
}

/// Where `HTTP2ServerSession.produce(to:)` puts outbound bytes, one chunk at a time.
public protocol HTTP2OutputSink: AnyObject {
    /// Takes a chunk, valid only during the call. Returns false to stop producing (the socket
    /// is full, or enough is gathered); a chunk already handed over counts as taken.
    func take(_ chunk: ByteView) -> Bool
}
